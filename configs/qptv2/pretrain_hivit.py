# QPT V2 pretraining, the full recipe: HiViT-T with multi-scale fusion,
# blur <-> CST degradation, clean targets, 75% masking, 8 GPUs x 256, AMP,
# AdamW lr 1.5e-4 x 2048/256, on the curated SA-1B list
# (data/sa1b/sa1b_curated.txt, held-out data/sa1b/sa1b_heldout.txt).
# Schedule in samples (configs/_base_/schedules/mim_adamw_cosine_1024m.py):
# 1.024 B samples (~186 passes over an assumed 5.5 M curated images), 5%
# warm-up; at 8 x 256 that is 500,000 iterations with 25,000 of warm-up.
# Other GPU counts or batch sizes keep the samples (tools/train.py
# rescales the iterations); `--auto-scale-lr` keeps lr / batch.
# Expected wall time: docs/pretraining.md.
#   bash tools/dist_train.sh configs/qptv2/pretrain_hivit.py 8
_base_ = [
    '../_base_/models/qptv2_hivit-t.py',
    '../_base_/datasets/sa1b_pretrain.py',
    '../_base_/schedules/mim_adamw_cosine_1024m.py',
    '../_base_/default_runtime.py',
]

train_dataloader = dict(sampler=dict(type='InfiniteSampler', shuffle=True))
default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(
        by_epoch=False,
        # sample_schedule.checkpoint_interval_samples / 2048 (12.8 M
        # samples; rescaled with the iterations)
        interval=6_250,
        max_keep_ckpts=3))
custom_hooks = [dict(type='ReconstructionVisualizationHook', num_images=8)]
