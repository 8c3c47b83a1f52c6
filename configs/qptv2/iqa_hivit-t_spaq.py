# SPAQ: fine-tune the QPT V2 HiViT-T encoder for image quality.
# Recipe: 1 GPU x 32, AdamW lr 1e-3 x 32/256, layer decay 0.75, 30 epochs (3
# warm-up + cosine), drop-path 0.1, L1 loss on normalised scores, 224 crops, 5
# test crops.
# Data, protocol and input policy: configs/_base_/datasets/spaq.py.
#   python tools/train.py configs/qptv2/iqa_hivit-t_spaq.py
#   python tools/test.py configs/qptv2/iqa_hivit-t_spaq.py \
#       work_dirs/iqa_hivit-t_spaq/best_SRCC_epoch_N.pth
#       (one split; all 10: python tools/run_splits.py
#        configs/qptv2/iqa_hivit-t_spaq.py --splits 10)
_base_ = [
    '../_base_/models/qptv2_hivit-t_quality.py',
    '../_base_/datasets/spaq.py',
    '../_base_/schedules/finetune_adamw_llrd.py',
    '../_base_/default_runtime.py',
]

# The QPT V2 pretraining checkpoint (tools/train.py
# configs/qptv2/pretrain_hivit.py); only the encoder weights are loaded.
pretrained = 'work_dirs/pretrain_hivit'  # its last checkpoint (StrictPretrained)
model = dict(
    backbone=dict(
        # strict: every encoder tensor loaded, or an error listing them
        init_cfg=dict(type='StrictPretrained', checkpoint=pretrained)),
    # predictions on the dataset's scale and direction
    score_range={{_base_.score_range}},
    lower_better={{_base_.lower_better}})

# Keep the checkpoint with the best validation SRCC (never the test part).
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(
        interval=1, max_keep_ckpts=1, save_best='SRCC', rule='greater'))
