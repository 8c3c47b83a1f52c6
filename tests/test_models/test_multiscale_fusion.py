"""MultiScaleFusionNeck: ``fusion='hifeat'`` is the official HiViT-MAE
layout -- the stage-1, stage-2 and stage-3 unit features concatenated in
that order (7C), one LayerNorm over them, then the decoder embedding."""
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

from qpt.models import MultiScaleFusionNeck
from qpt.registry import MODELS

ROOT = Path(__file__).resolve().parents[2]
C = 384  # HiViT-T stage-3 width
STAGES = dict(in_channels=(96, 192, 384), unit_sizes=(4, 2, 1))


def unit_features(batch: int, units: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(batch, units, 4, 4, 96, generator=g) * 2 + 1,
            torch.randn(batch, units, 2, 2, 192, generator=g) * 3 - 1,
            torch.randn(batch, units, 384, generator=g) * 5)


def hifeat_neck(out_channels: int = 512) -> MultiScaleFusionNeck:
    torch.manual_seed(0)
    neck = MultiScaleFusionNeck(**STAGES, out_channels=out_channels,
                                fusion='hifeat')
    neck.init_weights()
    with torch.no_grad():  # a non-trivial affine LayerNorm
        neck.projections[0].weight.uniform_(0.5, 1.5)
        neck.projections[0].bias.normal_(0, 0.1)
        neck.projections[1].bias.normal_(0, 0.1)
    return neck


def reference_hifeat(feats, ln_weight, ln_bias, weight, bias, eps=1e-6):
    """numpy, float64, from the description: per unit, cat(stage 1 (4x4xC1
    row-major), stage 2 (2x2xC2), stage 3) -> LayerNorm(7C) -> Linear."""
    f1, f2, f3 = (f.double().numpy() for f in feats)
    B, L = f3.shape[:2]
    x = np.concatenate(
        [f1.reshape(B, L, -1), f2.reshape(B, L, -1), f3], axis=-1)
    assert x.shape[-1] == 7 * C == 2688
    mean = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)  # biased, as LayerNorm
    x = (x - mean) / np.sqrt(var + eps) * ln_weight + ln_bias
    return x @ weight.T + bias


def numpy_params(neck):
    norm, linear = neck.projections
    return [t.detach().double().numpy() for t in
            (norm.weight, norm.bias, linear.weight, linear.bias)]


def test_hifeat_matches_the_official_recomputation():
    neck = hifeat_neck()
    feats = unit_features(2, 5)
    out = neck(feats)
    assert out.shape == (2, 5, 512)
    ref = reference_hifeat(feats, *numpy_params(neck))
    np.testing.assert_allclose(out.detach().double().numpy(), ref,
                               rtol=1e-4, atol=1e-4)


def test_hifeat_has_one_norm_and_one_linear_only():
    neck = hifeat_neck()
    shapes = {n: tuple(p.shape) for n, p in neck.named_parameters()}
    assert shapes == {
        'projections.0.weight': (2688, ),
        'projections.0.bias': (2688, ),
        'projections.1.weight': (512, 2688),
        'projections.1.bias': (512, ),
    }
    assert isinstance(neck.norm, torch.nn.Identity)
    assert neck.projections[0].eps == 1e-6  # the official factory's norm


def test_hifeat_depends_on_the_stage_order():
    """A re-computation that concatenates in another order disagrees, so
    the test above pins the order (not only the shapes)."""
    neck = hifeat_neck()
    f1, f2, f3 = unit_features(1, 3)
    out = neck((f1, f2, f3)).detach().double().numpy()
    B, L = f3.shape[:2]
    ln_w, ln_b, w, b = numpy_params(neck)
    swapped = np.concatenate([f3.double().numpy(),
                              f2.double().numpy().reshape(B, L, -1),
                              f1.double().numpy().reshape(B, L, -1)], -1)
    x = (swapped - swapped.mean(-1, keepdims=True)) / np.sqrt(
        swapped.var(-1, keepdims=True) + 1e-6) * ln_w + ln_b
    assert not np.allclose(out, x @ w.T + b, atol=1e-2)


def test_concat_is_not_hifeat():
    """``concat`` keeps its extra LayerNorm on the decoder tokens."""
    feats = unit_features(2, 4)
    torch.manual_seed(0)
    concat = MultiScaleFusionNeck(**STAGES, out_channels=64,
                                  fusion='concat')
    torch.manual_seed(0)
    hifeat = MultiScaleFusionNeck(**STAGES, out_channels=64,
                                  fusion='hifeat')
    hifeat.load_state_dict(concat.state_dict(), strict=False)
    out = concat(feats)
    torch.testing.assert_close(out, concat.norm(hifeat(feats)))
    assert not torch.allclose(out, hifeat(feats), atol=1e-3)


def test_hifeat_recipe_feeds_unnormalised_stage3_to_the_decoder():
    """configs/qptv2/pretrain_hivit_hifeat.py: HiViT-T without its final
    norm, the neck's Linear(7C, 512) is the decoder embedding (the decoder
    adds none), and the decoder's tokens equal the re-computation from the
    encoder's raw stage features."""
    cfg = Config.fromfile(str(ROOT / 'configs/qptv2/pretrain_hivit_hifeat.py'))
    assert cfg.model.neck.fusion == 'hifeat'
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    model.init_weights()
    assert isinstance(model.backbone.norm, torch.nn.Identity)
    assert isinstance(model.decoder.embed, torch.nn.Identity)
    img = torch.randn(1, 3, 224, 224)
    ids_keep = torch.tensor([[0, 5, 17, 100, 195]])
    with torch.no_grad():
        feats = model.backbone.forward_masked(img, ids_keep)
        tokens = model.neck(feats)
    # stage 3 is the last block's raw output, not layer-normalised
    normed = torch.nn.functional.layer_norm(feats[2], (C, ), eps=1e-6)
    assert not torch.allclose(feats[2], normed, atol=1e-2)
    ref = reference_hifeat(feats, *numpy_params(model.neck))
    np.testing.assert_allclose(tokens.double().numpy(), ref, rtol=1e-4,
                               atol=1e-4)


def test_sum_stays_the_default():
    cfg = Config.fromfile(str(ROOT / 'configs/_base_/models/qptv2_hivit-t.py'))
    assert cfg.model.neck.fusion == 'sum'
    assert MultiScaleFusionNeck().fusion == 'sum'


def test_unknown_fusion_raises():
    with pytest.raises(ValueError, match="'hifeat'"):
        MultiScaleFusionNeck(fusion='official')
