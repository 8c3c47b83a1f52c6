# Runtime shared by every qpt config.
default_scope = 'qpt'

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Checkpoints (and `last_checkpoint`) are written atomically: a crash
    # while saving never leaves a truncated file behind.
    checkpoint=dict(
        type='CheckpointHook',
        interval=1,
        max_keep_ckpts=3,
        backend_args=dict(backend='atomic_local')),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

# Add dict(type='TensorboardVisBackend') to also log to TensorBoard.
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
# `diff_rank_seed=True`: rank r seeds its RNGs with seed + r, so every GPU
# draws its own training masks (QPTV2 `mask_seed=None` uses torch's global
# RNG) and its own degradation parameters in the main process; data workers
# get seed + r + num_workers * r + worker_id (MMEngine's worker_init_fn).
# Runs stay reproducible: the same command gives the same checkpoint. The
# samplers share one seed that rank 0 draws from its seeded RNG and
# broadcasts (MMEngine), so ranks still read disjoint shards of one
# permutation, and DDP copies rank 0's initial weights to every rank.
randomness = dict(seed=0, diff_rank_seed=True, deterministic=False)
