# QPT V2 pretraining model: HiViT-T encoder, multi-scale fusion, MIM decoder.
model = dict(
    type='QPTV2',
    mask_ratio=0.75,  # random 75% of the 16x16 units
    backbone=dict(
        type='HiViT',
        arch='tiny',
        img_size=224,
        out_indices=(2, ),
        pos_embed_type='sincos',  # fixed 2-D sin-cos, MAE convention
        drop_path_rate=0.),
    neck=dict(
        type='MultiScaleFusionNeck',
        in_channels=(96, 192, 384),  # stage widths of HiViT-T
        unit_sizes=(4, 2, 1),  # inner tokens per unit side
        out_channels=512,
        fusion='sum'),  # 'sum' | 'hifeat' (official) | 'concat' | 'none'
    decoder=dict(
        type='HiViTMIMDecoder',
        in_channels=512,
        embed_dims=512,
        depth=6,
        num_heads=16,
        mlp_ratio=4.,
        patch_size=16,
        grid_size=(14, 14)),
    head=dict(type='MIMReconstructionHead', patch_size=16, norm_pix=True),
)
