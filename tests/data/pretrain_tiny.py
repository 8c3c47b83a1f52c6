# A tiny QPT V2 pretraining config for CPU tests: the real code paths
# (loading, crop, degradation, masking, fusion, decoder, loss, runner),
# a small HiViT and 64x64 crops. `data_root` is set by the tests.
_base_ = [
    '../../configs/_base_/models/qptv2_hivit-t.py',
    '../../configs/_base_/datasets/sa1b_pretrain.py',
    '../../configs/_base_/default_runtime.py',
]
crop = 64
model = dict(
    mask_seed=0,
    backbone=dict(
        arch=dict(_delete_=True, embed_dims=64, depths=[1, 1, 2],
                  num_heads=2),
        img_size=crop),
    neck=dict(in_channels=(16, 32, 64), out_channels=32),
    decoder=dict(
        in_channels=32, embed_dims=32, depth=1, num_heads=2,
        grid_size=(4, 4)))
pack = dict(type='PackInputs', meta_keys=('sample_idx', 'img_path'))
train_pipeline = [
    dict(type='LoadImageRGB', min_size=crop, on_small='skip'),
    dict(type='RandomCrop', crop_size=crop),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='DegradationPair',
         degradation={{_base_.sequential_degradation}}), pack
]
# held-out pairs as in the recipe: seeded by (seed, sample_idx)
test_pipeline = [
    dict(type='LoadImageRGB', min_size=crop),
    dict(type='CenterCrop', crop_size=crop),
    dict(type='DegradationPair',
         degradation={{_base_.sequential_degradation}}, seed=0), pack
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    pin_memory=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(ann_file='', data_root='', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(ann_file='', data_root='', pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.95),
                   weight_decay=0.05))
param_scheduler = []
train_cfg = dict(type='IterBasedTrainLoop', max_iters=40, val_interval=1000)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(by_epoch=False, interval=2, max_keep_ckpts=-1))
log_processor = dict(by_epoch=False)
