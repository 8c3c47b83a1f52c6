# Ablation: the "advanced" (Real-ESRGAN-like) degradation composition.
_base_ = './pretrain_hivit.py'
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline_advanced}}))  # noqa: E501
