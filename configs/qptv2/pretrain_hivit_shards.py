# QPT V2 pretraining, the full recipe on lossless tiles (the fast data
# path): as pretrain_hivit.py, but the training data are the tile shards
# of the curated SA-1B list, 4 crops per tile read, blur <-> CST applied on
# the GPU. Make the shards first:
#   python tools/data/make_pretrain_tiles.py data/sa1b \
#       --ann-file data/sa1b/sa1b_curated.txt --out data/sa1b_tiles
#   bash tools/dist_train.sh configs/qptv2/pretrain_hivit_shards.py 8
#
# Schedule in samples (iteration based: an "epoch" of the tile set is
# every tile x 4 crops, about 160 samples per 1500x2250 image, not one):
#   800 image-epochs x 5.5e6 curated images = 4.4e9 samples
#   / (8 GPUs x 256) = 2,148,437 iterations; warm-up 40 image-epochs
#   = 107,421 iterations. Set `num_images` to the length of your
#   sa1b_curated.txt.
_base_ = [
    '../_base_/models/qptv2_hivit-t.py',
    '../_base_/datasets/sa1b_pretrain_shards.py',
    '../_base_/schedules/mim_adamw_cosine_800e.py',
    '../_base_/default_runtime.py',
]

num_images = 5_500_000
total_batch = 8 * 256
max_iters = 800 * num_images // total_batch
warmup_iters = 40 * num_images // total_batch

model = dict(data_preprocessor={{_base_.data_preprocessor_shards}})

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=False,
        begin=0,
        end=warmup_iters),
    dict(
        type='CosineAnnealingLR',
        T_max=max_iters - warmup_iters,
        eta_min=0.,
        by_epoch=False,
        begin=warmup_iters,
        end=max_iters),
]
train_cfg = dict(
    _delete_=True,
    type='IterBasedTrainLoop',
    max_iters=max_iters,
    val_interval=max_iters // 16)
train_dataloader = dict(sampler=dict(type='InfiniteSampler', shuffle=True))
log_processor = dict(by_epoch=False)
default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(by_epoch=False, interval=max_iters // 80,
                    max_keep_ckpts=3))
custom_hooks = [dict(type='ReconstructionVisualizationHook', num_images=8)]
