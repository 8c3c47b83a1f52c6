# Ablation: the "advanced" (Real-ESRGAN-like) degradation composition.
_base_ = './pretrain_hivit.py'
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline_advanced}}))  # noqa: E501
# validated on the same kind of pair it trains on
val_dataloader = dict(dataset=dict(pipeline={{_base_.test_pipeline_advanced}}))  # noqa: E501
test_dataloader = val_dataloader
