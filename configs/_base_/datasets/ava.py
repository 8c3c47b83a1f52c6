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
dataset_type = 'AVADataset'
data_root = 'data/ava/'
ann_file = 'AVA.txt'
label_format = 'ava'
img_prefix = 'images/'
split_file = 'splits/ava_official.json'
split_index = 0
score_range = (1.0, 10.0)  # mean vote
lower_better = False
resize_size = 256
crop_size = 224
num_test_crops = 5

# A handful of AVA files are corrupt or missing in most copies: training
# skips them (logged); for testing, leave them out of the split file.
train_pipeline = [
    dict(type='LoadImageRGB', on_error='skip'),
    dict(type='Resize', scale=(resize_size, resize_size), keep_ratio=False,
         interpolation='area'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackQualityInputs'),
]
test_pipeline = [
    dict(type='LoadImageRGB'),
    dict(type='Resize', scale=(resize_size, resize_size), keep_ratio=False,
         interpolation='area'),
    dict(type='DeterministicCrops', crop_size=crop_size,
         num_crops=num_test_crops),
    dict(type='PackQualityInputs'),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file=ann_file,
        label_format=label_format,
        data_prefix=dict(img_path=img_prefix),
        split_file=split_file,
        split_index=split_index,
        score_range=score_range,
        lower_better=lower_better,
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file=ann_file,
        label_format=label_format,
        data_prefix=dict(img_path=img_prefix),
        split_file=split_file,
        split_index=split_index,
        score_range=score_range,
        lower_better=lower_better,
        split='val',
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file=ann_file,
        label_format=label_format,
        data_prefix=dict(img_path=img_prefix),
        split_file=split_file,
        split_index=split_index,
        score_range=score_range,
        lower_better=lower_better,
        split='test',
        test_mode=True,
        pipeline=test_pipeline))

# PLCC of the raw predictions (no logistic fit), as AVA results are usually
# reported; checkpoints are chosen on the validation SRCC.
val_evaluator = dict(type='QualityMetric', plcc_fit='none')
test_evaluator = dict(type='QualityMetric', plcc_fit='none')
