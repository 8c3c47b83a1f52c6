# CPU demo of QPT V2 pretraining on scikit-image's bundled photos.
#   python tools/data/make_demo_images.py && \
#   python tools/train.py configs/qptv2/pretrain_hivit_demo.py
# The real HiViT-T encoder, fusion, degradation and loss; a lighter decoder
# (256 wide, 2 blocks) and a short schedule so it runs in minutes on 2 cores.
_base_ = [
    '../_base_/models/qptv2_hivit-t.py',
    '../_base_/datasets/sa1b_pretrain.py',
    '../_base_/default_runtime.py',
]

data_root = 'data/demo/pretrain/'
model = dict(
    neck=dict(out_channels=256),
    decoder=dict(in_channels=256, embed_dims=256, depth=2, num_heads=8))

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=False,
    pin_memory=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(data_root=data_root, ann_file='',
                 data_prefix=dict(img_path='train')))
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, ann_file='',
                 data_prefix=dict(img_path='val')))
test_dataloader = val_dataloader

# float32 on the CPU; `tools/train.py --amp` switches to AMP on a GPU.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=5e-4, betas=(0.9, 0.95), weight_decay=0.05),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={
            'absolute_pos_embed': dict(decay_mult=0.),
            'relative_position_bias_table': dict(decay_mult=0.),
            'mask_token': dict(decay_mult=0.),
        }))
max_iters = 300
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=30),
    dict(type='CosineAnnealingLR', T_max=max_iters - 30, eta_min=1e-5,
         by_epoch=False, begin=30, end=max_iters),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=max_iters)
val_cfg = dict()
test_cfg = dict()

default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(by_epoch=False, interval=100, max_keep_ckpts=2))
custom_hooks = [
    dict(type='ReconstructionVisualizationHook', interval=100, num_images=4)
]
log_processor = dict(by_epoch=False)
