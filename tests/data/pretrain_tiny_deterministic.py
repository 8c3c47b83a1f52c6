# pretrain_tiny without per-sample randomness in the data (centre crops,
# degradations seeded by sample index), so runs with different process
# counts see the same batches.
_base_ = './pretrain_tiny.py'
train_dataloader = dict(
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(pipeline={{_base_.test_pipeline}}))
