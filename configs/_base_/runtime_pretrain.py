# Runtime of the QPT V2 pretraining recipe (configs/qptv2/pretrain_hivit.py,
# its file-based twin pretrain_hivit_files.py and the ablations built on
# them): default_runtime.py, a checkpoint every
# sample_schedule.checkpoint_interval_samples / 2048 = 6,250 iterations
# (12.8 M samples; tools/train.py rescales it with the iterations), the 3
# latest kept, and a reconstruction picture of 8 held-out images.
_base_ = ['./default_runtime.py']

default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(by_epoch=False, interval=6_250, max_keep_ckpts=3))
custom_hooks = [dict(type='ReconstructionVisualizationHook', num_images=8)]
