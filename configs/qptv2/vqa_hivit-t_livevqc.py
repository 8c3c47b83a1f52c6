# LIVE-VQC: fine-tune the QPT V2 HiViT-T encoder, inflated to space-time
# (HiViT3D), for video quality.
# Recipe: 1 GPU x 16 clips, AdamW lr 1e-3 x 16/256, layer decay 0.75, 30
# epochs (3 warm-up + cosine), drop-path 0.1, L1 loss on normalised scores;
# clips of 32 frames (every 2nd) of 7x7 fragments of 32x32 (224x224); 4 test
# clips averaged.
# Data, protocol and input policy: configs/_base_/datasets/livevqc.py.
#   python tools/train.py configs/qptv2/vqa_hivit-t_livevqc.py
#   python tools/test.py configs/qptv2/vqa_hivit-t_livevqc.py \
#       work_dirs/vqa_hivit-t_livevqc/best_SRCC_epoch_N.pth
#   (split 0 of 10; split I: set split_index=I in the three dataloaders,
#    e.g. --cfg-options train_dataloader.dataset.split_index=I
#    val_dataloader.dataset.split_index=I
#    test_dataloader.dataset.split_index=I)
_base_ = [
    '../_base_/models/qptv2_hivit-t_vqa.py',
    '../_base_/datasets/livevqc.py',
    '../_base_/schedules/finetune_adamw_llrd.py',
    '../_base_/default_runtime.py',
]

# Image weights, inflated to 3-D when the model is initialised: the QPT V2
# pretraining checkpoint (encoder only), a released QPT V2 image checkpoint
# or one of our image scorer checkpoints (encoder and head). See
# qpt/models/converters/inflate.py. To start from the LSVQ-trained video
# model instead, set init_cfg=None and load_from=<its checkpoint>.
image_checkpoint = 'work_dirs/pretrain_hivit'  # its last checkpoint
model = dict(
    init_cfg=dict(type='InflatedPretrained', checkpoint=image_checkpoint),
    # predictions on the dataset's scale and direction
    score_range={{_base_.score_range}},
    lower_better={{_base_.lower_better}})

# lr = 1e-3 x total_batch / 256 (1 GPU x 16 clips); --auto-scale-lr
# rescales it for another total batch size.
optim_wrapper = dict(optimizer=dict(lr=1e-3 * 16 / 256))
auto_scale_lr = dict(base_batch_size=16)

# Keep the checkpoint with the best validation SRCC (never the test part).
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(
        interval=1, max_keep_ckpts=1, save_best='SRCC', rule='greater'))
