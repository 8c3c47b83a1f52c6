# A tiny image scorer for CPU tests of the tools (qpt score, ONNX export):
# the released scorer layout with a small HiViT and 64x64 inputs.
_base_ = [
    '../../configs/_base_/models/qptv2_hivit-t_quality.py',
    '../../configs/_base_/default_runtime.py',
]
crop = 64
model = dict(
    backbone=dict(
        arch=dict(_delete_=True, embed_dims=64, depths=[1, 1, 2],
                  num_heads=2),
        img_size=crop,
        drop_path_rate=0.),
    head=dict(in_channels=64, hidden_channels=16, dropout=0.))
test_pipeline = [
    dict(type='LoadImageRGB'),
    dict(type='ResizeEdge', scale=80, edge='short', interpolation='area'),
    dict(type='DeterministicCrops', crop_size=crop, num_crops=2),
    dict(type='PackQualityInputs'),
]
test_dataloader = dict(
    batch_size=4,
    num_workers=0,
    # the scale scores are reported on (no checkpoint meta says otherwise)
    dataset=dict(
        type='QualityDataset', score_range=(1., 5.), pipeline=test_pipeline))
