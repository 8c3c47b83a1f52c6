# Ablation: the "advanced" (Real-ESRGAN-like) degradation composition. On
# the file-based CPU pipeline (pretrain_hivit_files.py: same schedule and
# seeds, slower data): DegradationDataPreprocessor, the recipe's fast
# path, has device forms only for blur and CST and refuses
# AdvancedDegradation.
_base_ = './pretrain_hivit_files.py'
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline_advanced}}))  # noqa: E501
# validated on the same kind of pair it trains on
val_dataloader = dict(dataset=dict(pipeline={{_base_.test_pipeline_advanced}}))  # noqa: E501
test_dataloader = val_dataloader
