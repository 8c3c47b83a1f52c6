# Ablation: reconstruct the degraded pixels instead of the clean ones. On
# the fast path of the recipe: the device preprocessor returns the
# degraded crop as the target.
_base_ = './pretrain_hivit.py'
model = dict(data_preprocessor=dict(target='degraded'))
# validated on the same kind of pair it trains on
val_dataloader = dict(dataset=dict(pipeline={{_base_.test_pipeline_degraded_target}}))  # noqa: E501
test_dataloader = val_dataloader
