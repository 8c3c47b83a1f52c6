# QPT V2 image scorer (IQA / IAA): HiViT-T encoder, final LayerNorm, mean over
# the 196 main-stage tokens, Linear(384, 64) -> GELU -> Dropout ->
# Linear(64, 1). This is the layout of the released fine-tuned checkpoints;
# tools/model_converters/qptv2_release_to_qpt.py converts them to it.
model = dict(
    type='QualityScorer',
    backbone=dict(
        type='HiViT',
        arch='tiny',
        img_size=224,  # construction grid 14x14; other sizes interpolate
        out_indices=(2, ),
        final_norm=True,
        pos_embed_type='learnable',  # loads the sin-cos pretraining table
        drop_path_rate=0.1),
    # Leaf configs load the pretraining encoder with
    # backbone.init_cfg=dict(type='StrictPretrained', checkpoint=...):
    # every backbone tensor, or an error listing what is missing,
    # unexpected or mis-shaped (mmengine's 'Pretrained' is not strict).
    head=dict(
        type='QualityRegressionHead',
        in_channels=384,
        hidden_channels=64,
        # The reference does not state the dropout; 0.1 is our default.
        dropout=0.1,
        num_bins=None,  # scalar score, as released (AVA too)
        # L1 on normalised scores; leaf configs may use a list, e.g.
        # [dict(type='ScoreL1Loss'), dict(type='PLCCLoss'),
        #  dict(type='PairwiseRankLoss')], or EMDLoss with num_bins=10.
        # PLCCLoss and PairwiseRankLoss are batch-level: in distributed runs
        # they gather every rank's scores and are the loss of the global
        # batch (gather=True, their default; gather=False: per GPU, as in
        # FAST-VQA). L1 / MSE / EMD are per-sample means (per GPU, which
        # DDP's gradient averaging makes the global mean).
        loss=dict(type='ScoreL1Loss', loss_weight=1.0)),
    # No score scale here: the dataset states it (its class's METAINFO) and
    # the model reports on it (model.dataset_meta: DatasetMetaHook in runs,
    # a checkpoint's meta.dataset_meta at inference).
    data_preprocessor=dict(
        type='QualityDataPreprocessor',
        mean=[123.675, 116.28, 103.53],  # ImageNet, RGB, 0-255
        std=[58.395, 57.12, 57.375]),
)
