# MAE-style pretraining schedule, stated in samples: AdamW, linear warm-up
# over the first 5% of the samples, then cosine to 0.
#
#   assumed data        5.5 M images (the curated SA-1B list of the README's
#                       curation example, half of SA-1B's ~11 M)
#   total samples       1,024,000,000  (~ MAE's 800 epochs of ImageNet-1k,
#                       800 x 1.28 M = 1.025 B; ~186 passes over 5.5 M)
#   warm-up samples     51,200,000     (5%, MAE's 40 of 800 epochs)
#   at 8 GPUs x 256 = 2048 samples per iteration:
#                       500,000 iterations, warm-up 25,000 iterations,
#                       a validation every 31,250 and a checkpoint every
#                       6,250 iterations (16 and 80 in the run)
#
# The iteration counts below are written for 2048 samples per iteration;
# tools/train.py rescales them for the real world size x batch size
# (qpt.engine.sample_schedule): 4 GPUs x 256 run 1,000,000 iterations with
# a 50,000-iteration warm-up, the same samples. The length of the run is
# `sample_schedule.total_samples`, not the size of the dataset: another
# dataset size changes the number of passes, not the budget.
#
# lr = 1.5e-4 x total_batch / 256 (2048 -> 1.2e-3); `--auto-scale-lr`
# rescales it for another total batch size (MMEngine's linear rule).
total_samples = 1_024_000_000
warmup_samples = total_samples // 20
val_interval_samples = total_samples // 16
checkpoint_interval_samples = total_samples // 80
base_batch_size = 8 * 256  # samples per iteration of the counts below

sample_schedule = dict(
    dataset_size=5_500_000,  # assumed, for the arithmetic above only
    total_samples=total_samples,
    warmup_samples=warmup_samples,
    val_interval_samples=val_interval_samples,
    checkpoint_interval_samples=checkpoint_interval_samples,
    base_batch_size=base_batch_size,
)
max_iters = total_samples // base_batch_size  # 500,000
warmup_iters = warmup_samples // base_batch_size  # 25,000

optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(
        type='AdamW', lr=1.5e-4 * base_batch_size / 256, betas=(0.9, 0.95),
        weight_decay=0.05),
    # No weight decay on norms, biases, position embeddings, mask token.
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={
            'absolute_pos_embed': dict(decay_mult=0.),
            'relative_position_bias_table': dict(decay_mult=0.),
            'mask_token': dict(decay_mult=0.),
        }))
auto_scale_lr = dict(base_batch_size=base_batch_size)

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
    type='IterBasedTrainLoop',
    max_iters=max_iters,
    val_interval=val_interval_samples // base_batch_size)  # 31,250
val_cfg = dict()
test_cfg = dict()
log_processor = dict(by_epoch=False)
# (../runtime_pretrain.py sets `default_hooks.checkpoint`: by_epoch=False,
# checkpoint_interval_samples // base_batch_size = 6,250)
