# Epoch-based variant, kept for configs that still inherit it and override
# the schedule (pretrain_hivit_shards.py). "800 epochs" of an unstated
# dataset size is not a budget: the full recipe uses the schedule in
# samples, mim_adamw_cosine_1024m.py.
# MAE-style pretraining schedule: AdamW, 40 warm-up epochs, cosine to 0.
# lr = 1.5e-4 x total_batch / 256 (8 GPUs x 256 = 2048 -> 1.2e-3);
# `--auto-scale-lr` rescales it for another total batch size.
optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(
        type='AdamW', lr=1.5e-4 * 2048 / 256, betas=(0.9, 0.95),
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
auto_scale_lr = dict(base_batch_size=2048)

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=40,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=760,
        eta_min=0.,
        by_epoch=True,
        begin=40,
        end=800,
        convert_to_iter_based=True),
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=800, val_interval=50)
val_cfg = dict()
test_cfg = dict()
