# LIVE-FB (FLIVE, PaQ-2-PiQ): about 40k in-the-wild pictures of various
# sizes and aspect ratios, authentic distortions, MOS 0-100 (higher is
# better). The patch labels of the release are not used.
#
# Layout under data_root:
#   flive_labels.csv   a pyiqa-style CSV: img_name, mos and a `split` column
#                      holding the official train / val / test assignment of
#                      the PaQ-2-PiQ release (any other column names:
#                      label_format='csv' with columns=dict(filename=...,
#                      mos=..., split=...))
#   images/            the pictures, at the paths img_name gives
# Without a val part in the label file, carve one from train:
#   python tools/data/make_splits.py data/flive/flive_labels.csv \
#       --dataset flive --protocol official --out data/flive/splits
# and set split_file = 'splits/flive_official.json'.
#
# Protocol: the official split; checkpoints chosen on val, never on test.
# Input policy: native resolution (resampling would change the authentic
# distortions being scored), random 224 crop +
# horizontal flip; the few training pictures smaller than 224 are skipped
# (logged). At test time the 4 corners and the centre (5 x 224); test
# pictures smaller than 224 are up-scaled to fit (on_small='resize') so that
# every test picture is scored.
_base_ = ['./pipelines/image_crops.py']

dataset = dict(
    type='FLIVEDataset', data_root='data/flive/', ann_file='flive_labels.csv',
    label_format='pyiqa', data_prefix=dict(img_path='images/'),
    split_file=None)  # the label file's split column
train_pipeline = [
    dict(type='LoadImageRGB', min_size={{_base_.crop_size}}, on_small='skip'),
    {{_base_.random_crop}}, {{_base_.flip}}, {{_base_.pack}}
]
test_pipeline = [
    {{_base_.load}},
    dict(
        type='DeterministicCrops',
        crop_size={{_base_.crop_size}},
        num_crops={{_base_.num_test_crops}},
        on_small='resize'), {{_base_.pack}}
]

train_dataloader = dict(dataset=dict(dataset, pipeline=train_pipeline))
val_dataloader = test_dataloader = dict(
    dataset=dict(dataset, pipeline=test_pipeline))
