# LSVQ: fine-tune the QPT V2 HiViT-T encoder, inflated to space-time
# (HiViT3D), for video quality.
# Recipe: 1 GPU x 16 clips, AdamW lr 1e-3 x 16/256, layer decay 0.75, 30
# epochs (3 warm-up + cosine), drop-path 0.1, L1 loss on normalised scores;
# clips of 32 frames (every 2nd) of 7x7 fragments of 32x32 (224x224); 4 test
# clips averaged.
# Data, protocol and input policy: configs/_base_/datasets/lsvq.py.
#   python tools/train.py configs/qptv2/vqa_hivit-t_lsvq.py
#   python tools/test.py configs/qptv2/vqa_hivit-t_lsvq.py \
#       work_dirs/vqa_hivit-t_lsvq/best_SRCC_epoch_N.pth
#   (test-1080p: configs/qptv2/vqa_hivit-t_lsvq-test1080p.py)
_base_ = [
    '../_base_/models/qptv2_hivit-t_vqa_finetune.py',
    '../_base_/datasets/lsvq.py',
    '../_base_/schedules/finetune_adamw_llrd_16clips.py',
    '../_base_/runtime_finetune.py',
]

default_hooks = dict(logger=dict(interval=50))
