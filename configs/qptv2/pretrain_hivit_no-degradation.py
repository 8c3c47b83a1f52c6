# Ablation: plain MIM, the encoder sees the clean crop.
_base_ = './pretrain_hivit.py'
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline_no_degradation}}))  # noqa: E501
