# Ablation: reconstruct the degraded pixels instead of the clean ones.
_base_ = './pretrain_hivit.py'
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline_degraded_target}}))  # noqa: E501
