# A tiny IQA fine-tuning config for CPU tests: the demo recipe (synthetic
# distortions, QualityDataset, 5 deterministic test crops, best validation
# SRCC checkpoint) with a small HiViT (C3 = 64, 2 main blocks), 64x64 crops
# and 300 iterations (about 15 s on one core). The tests set data_root.
_base_ = ['../../configs/qptv2/iqa_hivit-t_demo.py']
crop = 64
model = dict(
    backbone=dict(
        arch=dict(_delete_=True, embed_dims=64, depths=[1, 1, 2],
                  num_heads=2),
        img_size=crop,
        init_cfg=None),  # from scratch (the demo starts from its pretraining)
    head=dict(in_channels=64, dropout=0.))
train_pipeline = [
    dict(type='LoadImageRGB'),
    dict(type='RandomCrop', crop_size=crop),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackQualityInputs'),
]
test_pipeline = [
    dict(type='LoadImageRGB'),
    dict(type='DeterministicCrops', crop_size=crop, num_crops=5),
    dict(type='PackQualityInputs'),
]
train_dataloader = dict(
    batch_size=16, num_workers=0, persistent_workers=False,
    dataset=dict(data_root='', pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root='', pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(data_root='', pipeline=test_pipeline))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
max_iters = 300
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-2, by_epoch=False, begin=0,
         end=30),
    dict(type='CosineAnnealingLR', T_max=max_iters - 30, eta_min=1e-6,
         by_epoch=False, begin=30, end=max_iters),
]
train_cfg = dict(max_iters=max_iters, val_interval=100)
default_hooks = dict(checkpoint=dict(interval=100))
