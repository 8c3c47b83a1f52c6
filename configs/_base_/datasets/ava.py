# AVA: about 255k photos with 10-bin aesthetic vote histograms (scores
# 1-10). The target is the mean vote (higher is better); the normalised
# histogram is packed as gt_hist for the EMD option
# (configs/qptv2/iaa_hivit-t_ava_emd.py).
#
# Layout under data_root:
#   AVA.txt                  the AVA label file (index, image id, 10 vote
#                            counts, tags, challenge id)
#   images/<id>.jpg          the photos
#   generic_test.jpgl        the test id list (or the usual ~20k list)
#   splits/ava_official.json the split file (below)
#
# Protocol: the official split (about 235k train / 20k test); 2 % of train
# held out as validation (checkpoint selection, never the test part):
#   python tools/data/make_splits.py data/ava/AVA.txt --dataset ava \
#       --test-list data/ava/generic_test.jpgl --protocol official \
#       --val-ratio 0.02 --out data/ava/splits
# Input policy (NIMA's): resize to 256x256 (aspect ratio not kept, so the
# whole composition stays in view), random 224 crop + horizontal flip; at
# test time the 4 corners and the centre of the 256x256 image (5 x 224).
_base_ = ['./pipelines/image_crops.py']

dataset = dict(
    type='AVADataset',  # mean vote 1-10 (+ gt_hist)
    data_root='data/ava/', ann_file='AVA.txt', label_format='ava',
    data_prefix=dict(img_path='images/'),
    split_file='splits/ava_official.json', split_index=0)
resize_size = 256
resize = dict(
    type='Resize', scale=(resize_size, resize_size), keep_ratio=False,
    interpolation='area')
# A handful of AVA files are corrupt or missing in most copies: training
# skips them (logged); for testing, leave them out of the split file.
train_pipeline = [
    dict(type='LoadImageRGB', on_error='skip'), resize,
    {{_base_.random_crop}}, {{_base_.flip}}, {{_base_.pack}}
]
test_pipeline = [{{_base_.load}}, resize, {{_base_.test_crops}}, {{_base_.pack}}]  # noqa: E501

train_dataloader = dict(
    batch_size=64, dataset=dict(dataset, pipeline=train_pipeline))
val_dataloader = test_dataloader = dict(
    batch_size=64, dataset=dict(dataset, pipeline=test_pipeline))

# PLCC of the raw predictions (no logistic fit), as AVA results are usually
# reported; checkpoints are chosen on the validation SRCC.
