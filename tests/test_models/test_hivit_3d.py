"""HiViT3D (HiViT inflated to space-time) and weight inflation.

The central property: after inflation a static clip (one frame repeated)
gets exactly the score the source image model gives that frame.
"""
import math
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from qpt.apis import init_model
from qpt.datasets.transforms import FragmentSample
from qpt.datasets.video_io import load_video_frames
from qpt.models.backbones import HiViT, HiViT3D
from qpt.models.converters import (StateDictMismatchError,
                                   inflate_hivit_state_dict,
                                   load_image_checkpoint_into_video_model)
from qpt.models.utils.relative_position import relative_position_index
from qpt.registry import MODELS

VQA_MODEL_CFG = Path(__file__).resolve().parents[2] / 'configs' / \
    '_base_' / 'models' / 'qptv2_hivit-t_vqa.py'
TINY = dict(embed_dims=64, depths=[1, 1, 2], num_heads=2)
HEAD = dict(type='QualityRegressionHead', in_channels=64, hidden_channels=16,
            dropout=0.1)
SCORE_RANGE = (1., 5.)


def scorer_cfg(video: bool, **backbone) -> dict:
    bb = dict(type='HiViT3D' if video else 'HiViT', arch=TINY, img_size=224)
    bb.update(backbone)
    return dict(type='QualityScorer', video=video, backbone=bb, head=HEAD)


def randomise(model: torch.nn.Module, seed: int = 0) -> None:
    """Weights far from their init (bias tables, head), so that a wrong
    inflation shows in the score."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if 'norm' in name and name.endswith('weight'):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(0.3 * torch.randn(p.shape, generator=gen) /
                        math.sqrt(max(p.shape[-1], 1)) if p.dim() > 1 else
                        0.1 * torch.randn(p.shape, generator=gen))
            if 'relative_position_bias_table' in name:
                p.copy_(torch.randn(p.shape, generator=gen))


def raw_score(model, inputs: torch.Tensor) -> torch.Tensor:
    """Raw head output of a uint8 batch (clips averaged)."""
    x = model.data_preprocessor(dict(inputs=inputs))['inputs']
    with torch.no_grad():
        return model(x, mode='tensor')


def score_and_feat(model, inputs: torch.Tensor):
    """(raw head output, pooled features) of a uint8 batch."""
    x = model.data_preprocessor(dict(inputs=inputs))['inputs']
    with torch.no_grad():
        return model(x, mode='tensor'), model.extract_feat(x)


@pytest.fixture(scope='module')
def real_frame(shared_data):
    """A real 224x224 fragment frame (7x7 patches of 32x32, native
    resolution) of bikes.mp4, as the video test pipeline makes it:
    (3, 224, 224) uint8."""
    frames = load_video_frames(shared_data / 'videos' / 'bikes.mp4', [120])
    out = FragmentSample(test_mode=True)(dict(imgs=frames))
    return torch.from_numpy(out['imgs'][0]).permute(2, 0, 1).contiguous()


@pytest.fixture(scope='module')
def image_model():
    model = MODELS.build(scorer_cfg(video=False))
    randomise(model)
    return model.eval()


@pytest.fixture(scope='module')
def image_checkpoint(tmp_path_factory, image_model):
    """Our image scorer checkpoint (Runner layout)."""
    path = tmp_path_factory.mktemp('ckpt') / 'image_scorer.pth'
    torch.save(dict(meta=dict(), state_dict=image_model.state_dict()), path)
    return path


# 1. the inflation property, end to end --------------------------------------
def test_static_clip_scores_like_its_frame(real_frame, image_model,
                                           image_checkpoint):
    """Image QualityScorer (random weights) -> checkpoint -> video
    QualityScorer with the registered InflatedPretrained init -> a real
    frame repeated 32 times gets the frame's score."""
    video_model = MODELS.build(
        dict(
            scorer_cfg(video=True, num_frames=32),
            init_cfg=dict(
                type='InflatedPretrained',
                checkpoint=str(image_checkpoint))))
    video_model.init_weights()
    video_model.eval()
    # 32 frames, temporal patch 2: 16 x 14 x 14 = 3136 global-attention
    # tokens with the 3-D bias
    assert video_model.backbone.base_grid == (16, 14, 14)
    # the head came from the checkpoint (not re-initialised after loading)
    torch.testing.assert_close(video_model.head.state_dict(),
                               image_model.head.state_dict())

    frame = real_frame[None]  # (1, 3, 224, 224)
    clip = frame[:, :, None].expand(1, 3, 32, 224, 224).contiguous()
    img_score, img_feat = score_and_feat(image_model, frame)
    vid_score, vid_feat = score_and_feat(video_model, clip)
    assert img_score.abs().item() > 1e-2  # a score worth comparing
    torch.testing.assert_close(vid_feat, img_feat, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(vid_score, img_score, rtol=1e-4, atol=1e-5)
    # on a dataset's 1-5 scale (the facts a dataset's metainfo gives)
    image_model.dataset_meta = video_model.dataset_meta = dict(
        score_range=SCORE_RANGE)
    pred_img = image_model.predict(
        image_model.data_preprocessor(dict(inputs=frame))['inputs'])
    pred_vid = video_model.predict(
        video_model.data_preprocessor(dict(inputs=clip))['inputs'])
    torch.testing.assert_close(pred_vid[0].pred_score,
                               pred_img[0].pred_score, rtol=1e-4, atol=1e-4)

    # K static clips (B, K, 3, T, H, W): the same score
    clips = torch.stack([clip[0], clip[0]])[None]
    torch.testing.assert_close(
        raw_score(video_model, clips), img_score, rtol=1e-4, atol=1e-5)
    # a clip that moves is scored differently: time is seen
    moving = clip.clone()
    moving[:, :, 16:] = torch.flip(moving[:, :, 16:], dims=[-1])
    assert not torch.allclose(
        raw_score(video_model, moving), img_score, atol=1e-4)

    # the public API: init_model(video config, image checkpoint) inflates
    api_model = init_model(
        Config(dict(model=scorer_cfg(video=True, num_frames=32))),
        str(image_checkpoint))
    torch.testing.assert_close(
        raw_score(api_model, clip), img_score, rtol=1e-4, atol=1e-5)


def test_loader_accepts_pretraining_and_bare_encoder_checkpoints(
        image_model):
    """A QPT V2 pretraining state dict (backbone + neck + decoder) loads the
    encoder only; a bare HiViT state dict works too; the report says what
    was inflated."""
    sd = image_model.state_dict()
    backbone = {k[len('backbone.'):]: v for k, v in sd.items()
                if k.startswith('backbone.')}
    pretrain = {f'backbone.{k}': v for k, v in backbone.items()}
    pretrain['neck.proj.weight'] = torch.zeros(3, 3)
    pretrain['decoder.mask_token'] = torch.zeros(1, 1, 8)
    video_model = MODELS.build(scorer_cfg(video=True, num_frames=4))
    head_before = {k: v.clone() for k, v in
                   video_model.head.state_dict().items()}
    report = load_image_checkpoint_into_video_model(
        video_model, dict(meta=dict(), state_dict=pretrain), logger=None)
    assert report.kind == 'pretrain'
    assert sorted(k for k, _, _ in report.inflated) == sorted([
        'backbone.absolute_pos_embed', 'backbone.patch_embed.proj.weight',
        'backbone.blocks.6.attn.relative_position_bias_table',
        'backbone.blocks.7.attn.relative_position_bias_table'
    ])
    assert report.rebuilt == ['backbone.relative_position_index']
    assert all(k.startswith('head.') for k in report.missing)
    torch.testing.assert_close(video_model.head.state_dict(), head_before)
    assert 'inflated backbone.patch_embed.proj.weight: [16, 3, 4, 4] -> ' \
        '[16, 3, 2, 4, 4]' in report.summary()

    bare = HiViT3D(arch=TINY, num_frames=4)
    report = load_image_checkpoint_into_video_model(bare, backbone,
                                                    logger=None)
    assert report.kind == 'backbone' and not report.missing
    torch.testing.assert_close(bare.patch_embed.proj.weight.sum(2),
                               backbone['patch_embed.proj.weight'])


# 2. shapes, tokens, the 3-D index --------------------------------------------
def test_shapes_tokens_and_dense_forward():
    model = HiViT3D(arch=TINY, img_size=64, num_frames=8,
                    out_indices=(0, 1, 2)).eval()
    assert model.base_grid == (4, 4, 4)
    assert model.absolute_pos_embed.shape == (1, 64, 64)
    assert model.relative_position_index.shape == (64, 64)
    table = model.blocks[6].attn.relative_position_bias_table
    assert table.shape == (7 * 7 * 7, 2)
    assert model.patch_embed.proj.weight.shape == (16, 3, 2, 4, 4)
    x = torch.randn(2, 3, 8, 64, 64)
    with torch.no_grad():
        outs = model(x)
        units = model.forward_units(x)
    assert [tuple(o.shape) for o in outs] == [(2, 16, 4, 16, 16),
                                              (2, 32, 4, 8, 8),
                                              (2, 64, 4, 4, 4)]
    # NCTHW maps are the (t, row, col)-ordered units
    assert units[2].shape == (2, 64, 64)
    torch.testing.assert_close(outs[2].flatten(2).transpose(1, 2), units[2])
    # time slice t of the stage-0 map comes from frames 2t, 2t+1 only
    y = x.clone()
    y[:, :, 6:] = 0
    with torch.no_grad():
        outs_y = model(y)
    torch.testing.assert_close(outs_y[0][:, :, :3], outs[0][:, :, :3])
    # keeping every unit (MIM path) is the dense forward
    ids = torch.arange(64).expand(2, 64)
    with torch.no_grad():
        kept = model.forward_masked(x, ids)
    torch.testing.assert_close(kept[2], units[2])
    with pytest.raises(ValueError, match='clips'):
        model(torch.randn(1, 3, 64, 64))
    with pytest.raises(ValueError, match='multiple of 2'):
        model(torch.randn(1, 3, 7, 64, 64))


def test_relative_position_index_3d():
    """Row (dt + t-1)(2h-1)(2w-1) + (dy + h-1)(2w-1) + (dx + w-1), pair by
    pair; tokens (t, row, col), time slowest."""
    t, h, w = 2, 2, 3
    index = HiViT3D(arch=TINY, img_size=(32, 48),
                    num_frames=4).relative_position_index
    coords = [(a, b, c) for a in range(t) for b in range(h) for c in range(w)]
    for i, (ti, yi, xi) in enumerate(coords):
        for j, (tj, yj, xj) in enumerate(coords):
            expect = ((ti - tj + t - 1) * (2 * h - 1) +
                      (yi - yj + h - 1)) * (2 * w - 1) + (xi - xj + w - 1)
            assert index[i, j] == expect


def test_other_clip_sizes_resize_positions():
    model = HiViT3D(arch=TINY, img_size=64, num_frames=8).eval()
    randomise(model)
    with torch.no_grad():
        out = model(torch.randn(1, 3, 4, 96, 80))[-1]
    assert out.shape == (1, 64, 2, 6, 5)
    # at the construction grid the stored tensors are used untouched
    table = model.blocks[6].attn.relative_position_bias_table
    torch.testing.assert_close(
        model.resize_rel_pos_table(table, model.base_grid), table)
    # a table constant over time stays constant when resized in time
    tiled = table.reshape(7, 49, 2)[:1].repeat(7, 1, 1).reshape(-1, 2)
    resized = model.resize_rel_pos_table(tiled, (8, 4, 4)).reshape(15, 49, 2)
    torch.testing.assert_close(resized, resized[:1].expand(15, 49, 2))
    pos = model.resize_pos_embed(model.absolute_pos_embed, (4, 4, 4),
                                 (2, 6, 5))
    assert pos.shape == (1, 60, 64)


# 3. official names, the real HiViT-T layout ----------------------------------
@pytest.fixture(scope='module')
def release_encoder(release_params):
    """Random tensors with the released HiViT-T encoder names and shapes."""
    return release_params(head=False)


def test_official_names_map_and_inflate(release_encoder):
    """The released 2-D encoder inflates, name by name and strictly, into
    the HiViT3D-T of the VQA config."""
    cfg = Config.fromfile(str(VQA_MODEL_CFG))
    model = MODELS.build(cfg.model.backbone)
    assert isinstance(model, HiViT3D) and model.base_grid == (16, 14, 14)
    assert set(model.state_dict()) == set(release_encoder)
    sd3 = inflate_hivit_state_dict(release_encoder, model, strict=True)
    model.load_state_dict(sd3, strict=True)

    k2 = release_encoder['patch_embed.proj.weight']
    assert sd3['patch_embed.proj.weight'].shape == (96, 3, 2, 4, 4)
    torch.testing.assert_close(sd3['patch_embed.proj.weight'].sum(2), k2)
    assert sd3['absolute_pos_embed'].shape == (1, 3136, 384)
    torch.testing.assert_close(
        sd3['absolute_pos_embed'].reshape(16, 196, 384),
        release_encoder['absolute_pos_embed'].expand(16, 196, 384))
    for i in range(6, 16):
        name = f'blocks.{i}.attn.relative_position_bias_table'
        assert sd3[name].shape == (31 * 27 * 27, 6)
        # the same spatial table for every temporal offset
        torch.testing.assert_close(
            sd3[name].reshape(31, 729, 6),
            release_encoder[name].expand(31, 729, 6))
    assert sd3['relative_position_index'].shape == (3136, 3136)
    assert torch.equal(sd3['relative_position_index'],
                       relative_position_index((16, 14, 14)))
    for name, value in release_encoder.items():
        if sd3[name].shape == value.shape and 'index' not in name:
            assert torch.equal(sd3[name], value), name


def test_init_model_inflates_a_released_image_checkpoint(
        release_encoder, tmp_path):
    """init_model(VQA config, released image file {'params': ...}): the
    encoder is inflated and the released head is loaded."""
    gen = torch.Generator().manual_seed(1)
    head = {
        'quality_regressor.fc_cls.0.weight': torch.randn(64, 384,
                                                         generator=gen),
        'quality_regressor.fc_cls.0.bias': torch.randn(64, generator=gen),
        'quality_regressor.fc_cls.3.weight': torch.randn(1, 64,
                                                         generator=gen),
        'quality_regressor.fc_cls.3.bias': torch.randn(1, generator=gen),
    }
    path = tmp_path / 'iqa.pth'
    torch.save(dict(params={**release_encoder, **head}), path)
    cfg = Config.fromfile(str(VQA_MODEL_CFG))
    model = init_model(cfg, str(path))
    assert model.video and model.backbone.base_grid == (16, 14, 14)
    torch.testing.assert_close(
        model.backbone.patch_embed.proj.weight.sum(2),
        release_encoder['patch_embed.proj.weight'])
    torch.testing.assert_close(model.head.fc_cls[3].weight,
                               head['quality_regressor.fc_cls.3.weight'])
    torch.testing.assert_close(model.backbone.blocks[15].mlp.fc2.bias,
                               release_encoder['blocks.15.mlp.fc2.bias'])


def test_inflation_is_strict():
    image = HiViT(arch=TINY, img_size=224).state_dict()
    small = HiViT3D(arch=TINY, img_size=96, num_frames=4)
    with pytest.raises(StateDictMismatchError, match='absolute_pos_embed'):
        inflate_hivit_state_dict(image, small)
    video = HiViT3D(arch=TINY, img_size=224, num_frames=4)
    partial = {k: v for k, v in image.items() if not k.startswith('norm.')}
    with pytest.raises(StateDictMismatchError, match='missing'):
        inflate_hivit_state_dict(partial, video, strict=True)
    out = inflate_hivit_state_dict(partial, video, strict=False)
    assert 'norm.weight' not in out
    with pytest.raises(StateDictMismatchError, match='unexpected'):
        inflate_hivit_state_dict({**image, 'extra': torch.zeros(1)}, video)
