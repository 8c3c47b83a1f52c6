# Ablation: plain MIM, the encoder sees the clean crop. On the file-based
# CPU pipeline (pretrain_hivit_files.py: same schedule and seeds, slower
# data): DegradationDataPreprocessor, the recipe's fast path, applies
# degradation parameters drawn on the data side, and there are none here.
_base_ = './pretrain_hivit_files.py'
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline_no_degradation}}))  # noqa: E501
# validated on the same kind of pair it trains on
val_dataloader = dict(dataset=dict(pipeline={{_base_.test_pipeline_no_degradation}}))  # noqa: E501
test_dataloader = val_dataloader
