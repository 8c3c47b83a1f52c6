# QPT V2 video scorer (VQA): HiViT-T inflated to space-time (HiViT3D), then
# the image scorer's pooling and head. Clips of 32 frames of 224x224
# fragments, temporal patch 2 -> 16 x 14 x 14 = 3136 main-stage tokens with
# global attention and a 3-D relative position bias; the final LayerNorm's
# output is averaged over all 3136 positions, then Linear(384, 64) -> GELU
# -> Dropout -> Linear(64, 1) (the image head, unchanged). Test inputs of K
# clips (B, K, 3, T, H, W) are scored clip by clip and averaged.
#
# Image weights (a QPT V2 pretraining checkpoint, a released QPT V2 image
# checkpoint or our image scorer) are inflated on load: leaf configs set
# model.init_cfg = dict(type='InflatedPretrained', checkpoint=...); see
# qpt/models/converters/inflate.py. `load_from` is for video checkpoints.
_base_ = ['./qptv2_hivit-t_quality.py']

num_frames = 32  # frames per clip, T
model = dict(
    video=True,
    backbone=dict(
        type='HiViT3D',
        num_frames=num_frames,  # construction size with img_size=224
        temporal_patch_size=2),  # T' = 16 tokens along time
    data_preprocessor=dict(video=True))
