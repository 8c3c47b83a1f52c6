"""Tests of the HiViT backbone (layout, reference equivalence, masking)."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from qpt.models.backbones.hivit import HiViT
from qpt.models.utils.relative_position import (relative_position_index,
                                                resize_relative_position_table)
from qpt.registry import MODELS

HEAD_PREFIX = 'quality_regressor.'


def swin_index_numpy(h: int, w: int) -> np.ndarray:
    """Swin relative position index written out pair by pair."""
    n = h * w
    out = np.empty((n, n), dtype=np.int64)
    for i in range(n):
        yi, xi = divmod(i, w)
        for j in range(n):
            yj, xj = divmod(j, w)
            out[i, j] = (yi - yj + h - 1) * (2 * w - 1) + (xi - xj + w - 1)
    return out


@pytest.fixture(scope='module')
def release_state_dict(release_params):
    """Random tensors with the released names/shapes, minus the head; the
    index is the Swin index written out pair by pair."""
    return release_params(
        head=False, index=lambda h: torch.from_numpy(swin_index_numpy(h, h)))


@pytest.fixture(scope='module')
def tiny(release_state_dict):
    """HiViT-T in eval mode holding the random 'released' weights."""
    model = HiViT(arch='tiny', out_indices=(0, 1, 2))
    model.load_state_dict(release_state_dict, strict=True)
    return model.eval()


# 1. released layout ---------------------------------------------------------
def test_release_layout_loads_strictly(release_layout, release_state_dict):
    model = HiViT(arch='tiny')
    ours = model.state_dict()
    assert set(ours) == set(release_state_dict)
    for name, tensor in release_state_dict.items():
        assert ours[name].shape == tensor.shape, name
    # our freshly built buffer is the Swin index, computed independently
    assert torch.equal(model.relative_position_index,
                       release_state_dict['relative_position_index'])
    assert model.relative_position_index.dtype == torch.long
    model.load_state_dict(release_state_dict, strict=True)

    head = sum(
        math.prod(t['shape']) for t in release_layout['tensors']
        if t['name'].startswith(HEAD_PREFIX))
    index = math.prod(release_state_dict['relative_position_index'].shape)
    expected = release_layout['elements'] - head - index
    assert sum(p.numel() for p in model.parameters()) == expected
    assert expected == 18_796_668


def test_registry_and_attributes():
    model = MODELS.build(dict(type='HiViT', arch='tiny'))
    assert isinstance(model, HiViT)
    assert model.embed_dims == 384
    assert model.stage_dims == (96, 192, 384)
    assert model.num_main_blocks == 10 and model.patch_size == 16
    assert model.merge_indices == [2, 5]
    assert model.get_unit_grid((256, 320)) == (16, 20)


@pytest.mark.parametrize('arch, dims, blocks, heads', [
    ('small', 384, 30, 6),
    ('base', 512, 30, 8),
    (dict(embed_dims=512, depths=[2, 2, 24], num_heads=8), 512, 34, 8),
])
def test_other_archs(arch, dims, blocks, heads):
    with torch.device('meta'):
        model = HiViT(arch=arch)
    assert model.embed_dims == dims and len(model.blocks) == blocks
    assert model.merge_indices == [4, 9]
    assert model.blocks[10].attn.num_heads == heads
    assert model.blocks[0].mlp.fc1.out_features == 3 * dims // 4
    assert model.blocks[10].mlp.fc1.out_features == 4 * dims


def test_relative_position_index_util():
    for h, w in [(14, 14), (3, 5)]:
        np.testing.assert_array_equal(
            relative_position_index((h, w)).numpy(), swin_index_numpy(h, w))


# 2. independent reference ---------------------------------------------------
def test_matches_mmpretrain_hivit(tiny, release_state_dict):
    from mmpretrain.models.backbones.hivit import HiViT as MMHiViT
    ref = MMHiViT(
        arch='tiny',
        img_size=224,
        out_indices=[9],
        rpe=True,
        ape=True,
        norm_cfg=dict(type='LN', eps=1e-6))
    ref.eval()  # mmpretrain's train() returns None
    sd = {}
    for name, tensor in release_state_dict.items():
        if name.startswith('norm.'):
            continue  # mmpretrain's HiViT has no final norm
        sd['pos_embed' if name == 'absolute_pos_embed' else name] = tensor
    for i in range(6, 16):
        sd[f'blocks.{i}.attn.relative_position_index'] = \
            release_state_dict['relative_position_index']
    ref.load_state_dict(sd, strict=True)

    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        theirs = ref(x)[-1]  # (B, C, 14, 14), before any final norm
        ours = tiny(x)[2]
    theirs = F.layer_norm(
        theirs.permute(0, 2, 3, 1), (384, ),
        release_state_dict['norm.weight'], release_state_dict['norm.bias'],
        eps=1e-6).permute(0, 3, 1, 2)
    torch.testing.assert_close(ours, theirs, atol=2e-5, rtol=1e-5)


# 3. unit locality / masking -------------------------------------------------
@pytest.mark.parametrize('size', [(224, 224), (64, 96)])
def test_forward_masked_unit_locality(tiny, size):
    B = 2
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(B, 3, *size, generator=gen)
    h, w = tiny.get_unit_grid(size)
    N = h * w
    with torch.no_grad():
        full = tiny.forward_units(x)
        assert full[0].shape == (B, N, 4, 4, 96)
        assert full[1].shape == (B, N, 2, 2, 192)
        assert full[2].shape == (B, N, 384)

        # a random subset: the stem outputs are those of the kept units
        L = max(1, N // 4)
        ids = torch.stack([torch.randperm(N, generator=gen)[:L]
                           for _ in range(B)])
        masked = tiny.forward_masked(x, ids)
        assert masked[0].shape == (B, L, 4, 4, 96)
        assert masked[1].shape == (B, L, 2, 2, 192)
        assert masked[2].shape == (B, L, 384)
        for b in range(B):
            torch.testing.assert_close(masked[0][b], full[0][b, ids[b]])
            torch.testing.assert_close(masked[1][b], full[1][b, ids[b]])

        # a permutation of all units: attention over the same set with
        # gathered positions gives the permuted dense output
        perm = torch.stack([torch.randperm(N, generator=gen)
                            for _ in range(B)])
        permuted = tiny.forward_masked(x, perm)[2]
        for b in range(B):
            torch.testing.assert_close(
                permuted[b], full[2][b, perm[b]], atol=1e-5, rtol=1e-5)


def test_forward_masked_bad_ids(tiny):
    with pytest.raises(ValueError, match='ids_keep'):
        tiny.forward_masked(
            torch.randn(2, 3, 32, 32), torch.zeros(4, 1, dtype=torch.long))


# 4. attention path ----------------------------------------------------------
def test_sdpa_attention_matches_explicit(tiny):
    attn = tiny.blocks[6].attn
    gen = torch.Generator().manual_seed(3)
    B, N, C, heads = 2, 196, 384, 6
    x = torch.randn(B, N, C, generator=gen)
    index = tiny.relative_position_index
    ids = torch.stack([torch.randperm(N, generator=gen)[:50]
                       for _ in range(B)])
    for idx, xin in [(index, x), (index[ids[:, :, None], ids[:, None, :]],
                                  torch.gather(x, 1, ids[..., None].expand(
                                      -1, -1, C)))]:
        n = xin.shape[1]
        with torch.no_grad():
            out = attn(xin, rel_pos_index=idx)
            q, k, v = attn.qkv(xin).reshape(B, n, 3, heads,
                                            C // heads).permute(2, 0, 3, 1, 4)
            bias = attn.relative_position_bias_table[idx]  # (.., n, n, h)
            bias = bias.reshape(-1, n, n, heads).permute(0, 3, 1, 2)
            logits = q @ k.transpose(-2, -1) / math.sqrt(C // heads) + bias
            ref = (logits.softmax(-1) @ v).transpose(1, 2).reshape(B, n, C)
            ref = attn.proj(ref)
        torch.testing.assert_close(out, ref, atol=1e-5, rtol=1e-5)


# 5. outputs, sizes ----------------------------------------------------------
def test_out_indices_shapes(tiny):
    x224 = torch.randn(1, 3, 224, 224)
    x_rect = torch.randn(1, 3, 256, 320)
    with torch.no_grad():
        outs = tiny(x224)
        assert [o.shape for o in outs] == [(1, 96, 56, 56), (1, 192, 28, 28),
                                           (1, 384, 14, 14)]
        outs = tiny(x_rect)
        assert [o.shape for o in outs] == [(1, 96, 64, 80), (1, 192, 32, 40),
                                           (1, 384, 16, 20)]
        # NCHW maps agree with the unit features
        units = tiny.forward_units(x_rect)
        torch.testing.assert_close(outs[0][0, :, 4:8, 8:12],
                                   units[0][0, 22].permute(2, 0, 1))
        torch.testing.assert_close(outs[2][0, :, 1, 2], units[2][0, 22])
    assert HiViT(out_indices=-1).out_indices == (2, )
    with pytest.raises(ValueError):
        HiViT(out_indices=3)


def test_final_norm_off(tiny, release_state_dict):
    model = HiViT(arch='tiny', final_norm=False).eval()
    assert not any(k.startswith('norm.') for k in model.state_dict())
    sd = {k: v for k, v in release_state_dict.items()
          if not k.startswith('norm.')}
    model.load_state_dict(sd, strict=True)
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        raw = model(x)[0]
        normed = tiny(x)[2]
    ref = tiny.norm(raw.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
    torch.testing.assert_close(normed, ref, atol=1e-5, rtol=1e-5)
    assert not torch.allclose(raw, normed)


def test_224_uses_stored_tensors(tiny, monkeypatch):
    assert tiny.get_pos_embed((14, 14)) is tiny.absolute_pos_embed
    assert tiny.get_rel_pos_index((14, 14)) is tiny.relative_position_index

    def fail(*args, **kwargs):
        raise AssertionError('resize called at the construction size')

    monkeypatch.setattr(tiny, 'resize_pos_embed', fail)
    monkeypatch.setattr(tiny, 'resize_rel_pos_table', fail)
    monkeypatch.setattr(tiny, 'build_rel_pos_index', fail)
    with torch.no_grad():
        tiny(torch.randn(1, 3, 224, 224))
        with pytest.raises(AssertionError, match='resize'):
            tiny(torch.randn(1, 3, 256, 320))


def test_resizing_other_grids(tiny):
    pos = tiny.get_pos_embed((16, 20))
    assert pos.shape == (1, 320, 384)
    # a constant embedding stays constant, and the index is cached
    const = torch.full((1, 196, 8), 0.5)
    torch.testing.assert_close(
        tiny.resize_pos_embed(const, (14, 14), (16, 20)),
        torch.full((1, 320, 8), 0.5))
    idx = tiny.get_rel_pos_index((16, 20))
    assert idx.shape == (320, 320)
    assert tiny.get_rel_pos_index((16, 20)) is idx
    table = tiny.blocks[6].attn.relative_position_bias_table
    resized = resize_relative_position_table(table, (14, 14), (16, 20))
    assert resized.shape == (31 * 39, 6)
    # the zero offset stays at the centre of the table
    torch.testing.assert_close(resized[15 * 39 + 19], table[13 * 27 + 13])
    assert resize_relative_position_table(table, (14, 14), (14, 14)) is table


def test_bad_size_raises(tiny):
    with pytest.raises(ValueError, match='multiples of 16'):
        tiny(torch.randn(1, 3, 224, 230))
    with pytest.raises(ValueError, match='multiples of 16'):
        HiViT(img_size=100)


def test_position_options():
    model = HiViT(pos_embed_type='sincos')
    assert isinstance(model.absolute_pos_embed, torch.nn.Parameter)
    assert not model.absolute_pos_embed.requires_grad
    assert 'absolute_pos_embed' in model.state_dict()
    from qpt.models.utils import sincos_pos_embed_2d
    torch.testing.assert_close(model.absolute_pos_embed.data,
                               sincos_pos_embed_2d(384, 14, 14))
    model = HiViT(use_rel_pos_bias=False, use_abs_pos_embed=False).eval()
    keys = model.state_dict().keys()
    assert 'relative_position_index' not in keys
    assert 'absolute_pos_embed' not in keys
    assert not any('relative_position_bias_table' in k for k in keys)
    with torch.no_grad():
        assert model(torch.randn(1, 3, 64, 48))[0].shape == (1, 384, 4, 3)
    with pytest.raises(ValueError):
        HiViT(pos_embed_type='rope')


# 6. layer depth, freezing, drop path ----------------------------------------
def test_get_layer_depth(tiny):
    expected = {
        'patch_embed.proj.weight': 0,
        'patch_embed.norm.bias': 0,
        'absolute_pos_embed': 0,
        'blocks.0.mlp.fc1.weight': 1,
        'blocks.1.norm2.weight': 2,
        'blocks.2.reduction.weight': 2,
        'blocks.3.mlp.fc2.bias': 3,
        'blocks.4.mlp.fc1.weight': 4,
        'blocks.5.norm.weight': 4,
        'blocks.6.attn.qkv.weight': 5,
        'blocks.6.attn.relative_position_bias_table': 5,
        'blocks.10.norm1.weight': 9,
        'blocks.15.mlp.fc2.weight': 14,
        'norm.weight': 15,
        'norm.bias': 15,
    }
    for name, depth in expected.items():
        assert tiny.get_layer_depth(name) == (depth, 16), name
        assert tiny.get_layer_depth('backbone.' + name,
                                    'backbone.') == (depth, 16), name
    assert tiny.get_layer_depth('head.fc.weight', 'backbone.') == (15, 16)

    # the rule, for every parameter name
    plain = [i for i in range(16) if i not in (2, 5)]
    for name, _ in tiny.named_parameters():
        if name.startswith('blocks.'):
            i = int(name.split('.')[1])
            want = plain.index(i if i in plain else i - 1) + 1
        elif name.startswith(('patch_embed', 'absolute_pos_embed')):
            want = 0
        else:
            want = 15
        assert tiny.get_layer_depth(name) == (want, 16), name


@pytest.mark.parametrize('frozen', [0, 1, 2])
def test_frozen_stages(frozen):
    model = HiViT(arch='tiny', frozen_stages=frozen)
    last_frozen = [2, 5, 15][frozen]
    model.train()
    for name, param in model.named_parameters():
        if name.startswith('patch_embed'):
            should_freeze = True
        elif name.startswith('blocks.'):
            should_freeze = int(name.split('.')[1]) <= last_frozen
        else:  # absolute_pos_embed, norm
            should_freeze = frozen == 2
        assert param.requires_grad != should_freeze, name
    assert not model.patch_embed.training
    for i, blk in enumerate(model.blocks):
        assert blk.training == (i > last_frozen), i
    assert model.norm.training == (frozen < 2)
    with pytest.raises(ValueError):
        HiViT(frozen_stages=3)


def test_drop_path_only_in_training():
    torch.manual_seed(4)
    model = HiViT(arch='tiny', img_size=32, drop_path_rate=0.5)
    rates = [getattr(b.drop_path, 'drop_prob', 0.)
             for i, b in enumerate(model.blocks) if i not in (2, 5)]
    np.testing.assert_allclose(rates, np.linspace(0, 0.5, 14), atol=1e-7)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        model.eval()
        a, b = model(x)[0], model(x)[0]
        torch.testing.assert_close(a, b)
        model.train()
        c, d = model(x)[0], model(x)[0]
    assert not torch.allclose(c, d)
    assert not torch.allclose(a, c)
