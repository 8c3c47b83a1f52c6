"""HiViT checkpoint converters: official HiViT MAE and mmpretrain layouts.

The official layouts come from key lists written out independently of our
code (tests/data/official_hivit_mae_tiny_keys.json from the official HiViT
model definition; ../shared/fixtures for the released QPT V2 checkpoint),
so drift on either side fails. Random-weight checkpoints in each source
layout convert, load strictly into
our HiViT (or a QualityScorer with the ``backbone.`` prefix), and an
mmpretrain backbone computes the same features after conversion. Dropped,
missing and generated keys are reported.
"""
import argparse
import json
from pathlib import Path

import pytest
import torch

from qpt.models.backbones import HiViT
from qpt.models.converters import (check_state_dict, compare_state_dict,
                                   convert_hivit_mae,
                                   convert_mmpretrain_hivit)

ROOT = Path(__file__).resolve().parents[3]
ARCH = dict(embed_dims=64, depths=[1, 1, 2], num_heads=2)
# mmpretrain's HiViT mistakes a stem block for an output when the main
# depth is <= 6 (out_indices[-1] = depth - 1 also indexes stem blocks)
MM_ARCH = dict(embed_dims=64, depths=[1, 1, 7], num_heads=2)
#: the official HiViT MAE key list (names, shapes) of a tiny model with
#: ARCH at 64x64, written out from the official model definition
OFFICIAL_KEYS = ROOT / 'tests' / 'data' / 'official_hivit_mae_tiny_keys.json'
MAE_DECODER = tuple(
    t['name'] for t in json.loads(OFFICIAL_KEYS.read_text())['tensors']
    if t['name'].startswith(('decoder_', 'mask_token')))


def _randomize(module: torch.nn.Module, seed: int = 0) -> None:
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.1)


def _official_index(side: int) -> torch.Tensor:
    """The index as the official HiViT builds it (meshgrid, scaled rows)."""
    coords = torch.stack(
        torch.meshgrid(torch.arange(side), torch.arange(side),
                       indexing='ij')).flatten(1)
    rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0)
    rel = rel + (side - 1)
    return rel[..., 0] * (2 * side - 1) + rel[..., 1]


def _official_layout() -> dict:
    """The official HiViT MAE key list (name -> (shape, dtype)), written out
    from the official model definition in tests/data (not from our
    code)."""
    spec = json.loads(OFFICIAL_KEYS.read_text())
    assert spec['count'] == len(spec['tensors'])
    return {t['name']: (tuple(t['shape']), t['dtype'])
            for t in spec['tensors']}


def _official_mae_checkpoint(rpe: bool, hifeat: bool = False,
                             pos_name: str = 'absolute_pos_embed') -> dict:
    """A random MAE-pretraining checkpoint in the official layout:
    ``{'model': encoder + decoder, 'optimizer', 'epoch', 'args'}``, every
    name and shape from the official key list (``rpe=False`` drops the
    relative position tables and index, as the official model does)."""
    gen = torch.Generator().manual_seed(0)
    sd = {}
    for name, (shape, dtype) in _official_layout().items():
        if not rpe and 'relative_position' in name:
            continue
        if name == 'relative_position_index':
            value = _official_index(int(round(shape[0]**0.5)))
            assert tuple(value.shape) == shape and dtype == 'int64'
        else:
            value = torch.randn(shape, generator=gen) * 0.1
        if hifeat and name in ('norm.weight', 'norm.bias'):
            # the norm over the 7C-wide concatenated stages
            value = torch.randn(7 * shape[0], generator=gen)
        sd[pos_name if name == 'absolute_pos_embed' else name] = value
    return dict(model=sd, optimizer={}, epoch=3,
                args=argparse.Namespace(model='mae_hivit', mask_ratio=0.75))


def test_official_layout_maps_key_for_key_onto_our_hivit():
    """Every official encoder tensor lands, unchanged, under its official
    name in our HiViT (strict load); every decoder tensor is dropped as
    such; nothing is generated. A renamed key on either side (converter or
    model) fails here."""
    ckpt = _official_mae_checkpoint(rpe=True)
    src = ckpt['model']
    decoder = {k for k in src if k.startswith(('decoder_', 'mask_token'))}
    encoder = set(src) - decoder
    sd, report = convert_hivit_mae(ckpt)
    assert set(sd) == encoder
    assert sorted(report.mapped) == sorted((k, k) for k in encoder)
    assert set(report.unexpected) == decoder
    assert report.missing == [] and report.generated == {}
    assert report.hivit_kwargs == dict(
        arch=ARCH, img_size=64, qkv_bias=True, use_rel_pos_bias=True,
        use_abs_pos_embed=True, final_norm=True)
    model = HiViT(ARCH, img_size=64)
    check_state_dict(model, sd)
    model.load_state_dict(sd, strict=True)
    state = model.state_dict()
    for key in encoder:
        assert torch.equal(state[key], src[key]), key


def test_released_qptv2_layout_loads_strictly_into_the_scorer(
        release_layout, release_params):
    """The authors' released image checkpoint layout (names and shapes from
    ../shared/fixtures) converts and loads strictly into the HiViT-T
    scorer the configs build, tensor for tensor."""
    from mmengine.config import Config

    from qpt.models.converters import convert_qptv2_release
    from qpt.registry import MODELS
    params = release_params(index=_official_index)
    assert len(params) == release_layout['count']
    sd = convert_qptv2_release({release_layout['wrapper_key']: params})
    cfg = Config.fromfile(
        str(ROOT / 'configs/_base_/models/qptv2_hivit-t_quality.py'))
    scorer = MODELS.build(cfg.model)
    check_state_dict(scorer, sd)
    scorer.load_state_dict(sd, strict=True)
    state = scorer.state_dict()
    for name, value in params.items():
        ours = ('head.' + name[len('quality_regressor.'):]
                if name.startswith('quality_regressor.') else
                'backbone.' + name)
        assert torch.equal(state[ours], value), name


def test_official_mae_rpe_converts_and_loads_strictly():
    ckpt = _official_mae_checkpoint(rpe=True)
    sd, report = convert_hivit_mae(ckpt)
    assert report.missing == [] and report.strict_loadable and report.exact
    assert set(report.unexpected) == set(MAE_DECODER)
    assert all('decoder' in why for why in report.unexpected.values())
    model = HiViT(ARCH, img_size=64)  # the standard QPT layout
    check_state_dict(model, sd)
    model.load_state_dict(sd, strict=True)
    assert torch.equal(model.blocks[6].attn.relative_position_bias_table,
                       ckpt['model']['blocks.6.attn.'
                                     'relative_position_bias_table'])


def test_official_mae_without_rpe_reports_and_fills(tmp_path):
    ckpt = _official_mae_checkpoint(rpe=False, pos_name='pos_embed')
    sd, report = convert_hivit_mae(ckpt)
    assert ('pos_embed', 'absolute_pos_embed') in report.mapped
    assert report.missing == [
        'relative_position_index',
        'blocks.6.attn.relative_position_bias_table',
        'blocks.7.attn.relative_position_bias_table'
    ]
    assert report.hivit_kwargs['use_rel_pos_bias'] is False
    assert any('num_heads cannot be read' in n for n in report.notes)
    HiViT(**report.hivit_kwargs).load_state_dict(sd, strict=True)

    sd, report = convert_hivit_mae(ckpt, prefix='backbone.', num_heads=2,
                                   fill_missing=True)
    assert report.missing == [] and report.exact
    assert 'zeros' in report.generated[
        'blocks.6.attn.relative_position_bias_table']
    assert all(k.startswith('backbone.') for k in sd)
    scorer = _tiny_scorer()
    missing, unexpected, mismatched = compare_state_dict(scorer, sd)
    assert unexpected == [] and mismatched == []
    assert missing and all(k.startswith('head.') for k in missing)


def test_official_mae_hifeat_norm_is_dropped():
    sd, report = convert_hivit_mae(_official_mae_checkpoint(rpe=True,
                                                            hifeat=True))
    assert 'hifeat' in report.unexpected['norm.weight']
    assert report.missing == ['norm.weight', 'norm.bias']
    assert report.hivit_kwargs['final_norm'] is False
    HiViT(**report.hivit_kwargs).load_state_dict(sd, strict=True)


def test_bad_weights_raise_readable_errors():
    ckpt = _official_mae_checkpoint(rpe=True)
    bad = dict(ckpt['model'])
    bad['relative_position_index'] = bad['relative_position_index'].t() + 0
    bad['relative_position_index'][0, 1] += 1
    with pytest.raises(ValueError, match='Swin-style'):
        convert_hivit_mae(bad)
    bad = dict(ckpt['model'])
    bad['blocks.0.mlp.fc2.weight'] = torch.zeros(3, 3)
    with pytest.raises(ValueError, match='blocks.0.mlp.fc2.weight'):
        convert_hivit_mae(bad)
    missing = dict(ckpt['model'])
    del missing['blocks.3.mlp.fc2.bias']
    _, report = convert_hivit_mae(missing)
    assert report.missing == ['blocks.3.mlp.fc2.bias']
    assert not report.strict_loadable
    with pytest.raises(ValueError, match='not a HiViT'):
        convert_hivit_mae({'model': {'head.weight': torch.zeros(2, 2)}})


def _tiny_scorer(arch: dict = ARCH):
    from qpt.registry import MODELS
    return MODELS.build(
        dict(
            type='QualityScorer',
            backbone=dict(type='HiViT', arch=dict(arch), img_size=64),
            head=dict(type='QualityRegressionHead', in_channels=64,
                      hidden_channels=8)))


@pytest.mark.parametrize('layer_scale', [0., 0.5])
def test_mmpretrain_classifier_converts_to_identical_features(layer_scale):
    from mmpretrain.models.backbones.hivit import HiViT as MMHiViT

    mm = MMHiViT(arch=dict(MM_ARCH), img_size=64, rpe=True, out_indices=[6],
                 norm_cfg=dict(type='LN', eps=1e-6),
                 layer_scale_init_value=layer_scale)
    _randomize(mm, seed=1)
    mm.eval()
    ckpt = dict(meta=dict(), state_dict={
        **{f'backbone.{k}': v for k, v in mm.state_dict().items()},
        'head.fc.weight': torch.zeros(10, 64), 'head.fc.bias': torch.zeros(10)
    })
    sd, report = convert_mmpretrain_hivit(ckpt)
    assert ('backbone.pos_embed', 'absolute_pos_embed') in report.mapped
    assert 'head.fc.weight' in report.unexpected
    per_block = [k for k in report.unexpected
                 if k.endswith('attn.relative_position_index')]
    assert len(per_block) == 7 and all(
        'verified' in report.unexpected[k] for k in per_block)
    assert report.missing == ['norm.weight', 'norm.bias']
    if layer_scale:
        assert any('folded' in n for n in report.notes)
    kwargs = report.hivit_kwargs
    assert kwargs['final_norm'] is False and kwargs['arch'] == MM_ARCH
    ours = HiViT(**kwargs)
    check_state_dict(ours, sd)
    ours.load_state_dict(sd, strict=True)
    ours.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(ours(x)[-1], mm(x)[-1], atol=1e-5,
                                   rtol=1e-5)


def test_mmpretrain_mae_layout_and_scripts(tmp_path, load_tool):
    from mmpretrain.models.selfsup.mae import MAEHiViT

    mm = MAEHiViT(arch=dict(MM_ARCH), img_size=64, out_indices=[6])
    _randomize(mm, seed=2)
    state = {f'backbone.{k}': v for k, v in mm.state_dict().items()}
    state['neck.mask_token'] = torch.zeros(1, 1, 8)
    state['neck.decoder_pred.weight'] = torch.zeros(768, 8)
    src = tmp_path / 'mae_hivit.pth'
    torch.save(dict(meta=dict(epoch=1), state_dict=state), src)

    tool = load_tool('tools/model_converters/mmpretrain_hivit_to_qpt.py')
    dst = tmp_path / 'out' / 'converted.pth'
    assert tool.main([str(src), str(dst), '--strict']) == 1
    assert not dst.exists()
    assert tool.main([str(src), str(dst), '--target', 'scorer',
                      '--fill-missing', '--num-heads', '2']) == 0
    out = torch.load(dst, map_location='cpu', weights_only=True)
    meta = out['meta']['conversion']
    assert meta['missing'] == [] and meta['exact'] is False
    assert 'neck.mask_token' in meta['unexpected']
    assert out['meta']['target'] == 'scorer'
    scorer = _tiny_scorer(MM_ARCH)
    missing, unexpected, mismatched = compare_state_dict(
        scorer, out['state_dict'])
    assert unexpected == [] and mismatched == []
    assert missing and all(k.startswith('head.') for k in missing)

    # the official MAE script reads a file with argparse.Namespace inside
    src = tmp_path / 'official.pth'
    torch.save(_official_mae_checkpoint(rpe=True), src)
    tool = load_tool('tools/model_converters/hivit_mae_to_qpt.py')
    assert tool.main([str(src), str(dst)]) == 0
    out = torch.load(dst, map_location='cpu', weights_only=True)
    HiViT(ARCH, img_size=64).load_state_dict(out['state_dict'], strict=True)
    assert out['meta']['source'] == 'official.pth'
