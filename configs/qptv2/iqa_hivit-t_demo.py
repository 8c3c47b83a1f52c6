# CPU demo of QPT V2 fine-tuning for IQA, the second step of the README's
# demo chain: from the pretraining demo's encoder, on a synthetic-distortion
# set made from scikit-image's bundled photos (CC0, nothing downloaded):
#   python tools/data/make_demo_images.py && \
#       python tools/train.py configs/qptv2/pretrain_hivit_demo.py
#   python tools/data/make_synthetic_iqa.py --source skimage data/demo/iqa
#   python tools/train.py configs/qptv2/iqa_hivit-t_demo.py
#   python tools/analysis/score_ladders.py configs/qptv2/iqa_hivit-t_demo.py \
#       work_dirs/iqa_hivit-t_demo
# 14 photos x 5 distortion types (blur, JPEG, noise, contrast, resize) x 5
# levels; the label is the severity, MOS = 6 - level (1-5, higher is
# better). Split 0 of splits.json, by reference photo: the test photos are
# the demo's held-out photos (qpt/datasets/demo_photos.py), which neither
# the pretraining demo nor this fine-tuning sees; 9 train / 2 validation
# (checkpoint selection) photos.
#
# The encoder starts from the pretraining demo's last checkpoint
# (StrictPretrained: every backbone tensor or an error; the log lists what
# was loaded and skipped). Differences from the full recipes, for minutes on
# 2 CPU cores: 128x128 crops instead of 224 (the encoder interpolates its
# position tables; the references are 256 px on the short side), batch 16,
# a short schedule, no drop-path. From random initialisation instead:
#   --cfg-options model.backbone.init_cfg=None
_base_ = [
    '../_base_/models/qptv2_hivit-t_quality.py',
    '../_base_/datasets/pipelines/quality_loaders.py',
    '../_base_/schedules/finetune_adamw_llrd.py',
    '../_base_/runtime_finetune.py',
]

data_root = 'data/demo/iqa/'
crop_size = 128
num_test_crops = 5

model = dict(
    backbone=dict(
        drop_path_rate=0.,
        init_cfg=dict(
            type='StrictPretrained',
            checkpoint='work_dirs/pretrain_hivit_demo')))

train_pipeline = [
    dict(type='LoadImageRGB'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackQualityInputs'),
]
test_pipeline = [
    dict(type='LoadImageRGB'),
    dict(type='DeterministicCrops', crop_size=crop_size,
         num_crops=num_test_crops),
    dict(type='PackQualityInputs'),
]

# The set's facts are stated here, its one home (QualityDataset has none of
# its own): MOS = 6 - severity level, 1-5, higher is better.
dataset = dict(
    type='QualityDataset',
    data_root=data_root,
    ann_file='labels.csv',
    label_format='pyiqa',
    data_prefix=dict(img_path='images'),
    split_file='splits.json',
    split_index=0,
    score_range=(1.0, 5.0),
    lower_better=False)
# Small loaders for 2 CPU cores; split, metric and DatasetMetaHook as in
# every scoring recipe (quality_loaders.py).
train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    pin_memory=False,
    # an endless stream: no pause at epoch boundaries (the set is small)
    sampler=dict(type='InfiniteSampler'),
    dataset=dict(dataset, pipeline=train_pipeline))
val_dataloader = test_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    pin_memory=False,
    dataset=dict(dataset, pipeline=test_pipeline))

# From scratch: one lr for all layers (layer decay 1.0).
optim_wrapper = dict(
    optimizer=dict(lr=5e-4), paramwise_cfg=dict(layer_decay_rate=1.0))
max_iters = 200
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-2, by_epoch=False, begin=0,
         end=30),
    dict(type='CosineAnnealingLR', T_max=max_iters - 30, eta_min=1e-6,
         by_epoch=False, begin=30, end=max_iters),
]
train_cfg = dict(
    _delete_=True,
    type='IterBasedTrainLoop',
    max_iters=max_iters,
    val_interval=50)

log_processor = dict(by_epoch=False)
# runtime_finetune.py keeps the best validation SRCC; here in iterations
default_hooks = dict(
    logger=dict(interval=10), checkpoint=dict(by_epoch=False, interval=50))
