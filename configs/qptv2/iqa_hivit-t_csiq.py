# CSIQ: fine-tune the QPT V2 HiViT-T encoder for image quality.
# Recipe: 1 GPU x 32, AdamW lr 1e-3 x 32/256, layer decay 0.75, 30 epochs (3
# warm-up + cosine), drop-path 0.1, L1 loss on normalised scores, 224 crops, 5
# test crops.
# Data, protocol and input policy: configs/_base_/datasets/csiq.py.
#   python tools/train.py configs/qptv2/iqa_hivit-t_csiq.py
#   python tools/test.py configs/qptv2/iqa_hivit-t_csiq.py \
#       work_dirs/iqa_hivit-t_csiq/best_SRCC_epoch_N.pth
#       (one split; all 10: python tools/run_splits.py
#        configs/qptv2/iqa_hivit-t_csiq.py --splits 10)
_base_ = [
    '../_base_/models/qptv2_hivit-t_quality_finetune.py',
    '../_base_/datasets/csiq.py',
    '../_base_/schedules/finetune_adamw_llrd.py',
    '../_base_/runtime_finetune.py',
]

default_hooks = dict(logger=dict(interval=20))
