# AVA: fine-tune the QPT V2 HiViT-T encoder for image aesthetics.
# Recipe: 1 GPU x 64, AdamW lr 1e-3 x 64/256, layer decay 0.75, 10 epochs (1
# warm-up + cosine), drop-path 0.1, L1 loss on the normalised mean vote, 224
# crops, 5 test crops.
# EMD on the vote histogram instead: iaa_hivit-t_ava_emd.py.
# Data, protocol and input policy: configs/_base_/datasets/ava.py.
#   python tools/train.py configs/qptv2/iaa_hivit-t_ava.py
#   python tools/test.py configs/qptv2/iaa_hivit-t_ava.py \
#       work_dirs/iaa_hivit-t_ava/best_SRCC_epoch_N.pth
_base_ = [
    '../_base_/models/qptv2_hivit-t_quality_finetune.py',
    '../_base_/datasets/ava.py',
    '../_base_/schedules/finetune_adamw_llrd.py',
    '../_base_/runtime_finetune.py',
]

# AVA is large: 1 GPU x 64 and 10 epochs (1 warm-up + cosine).
optim_wrapper = dict(optimizer=dict(lr=1e-3 * 64 / 256))
auto_scale_lr = dict(base_batch_size=64)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=9, eta_min=0., by_epoch=True,
         begin=1, end=10, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=10, val_interval=1)
default_hooks = dict(logger=dict(interval=100))
