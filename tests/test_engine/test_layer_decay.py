"""Layer-wise lr decay: every param group's lr and weight decay vs the rule."""
import socket

import pytest
import torch
import torch.distributed as dist
import torch.nn as nn

from qpt.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS

TINY_ARCH = dict(embed_dims=64, depths=[1, 1, 2], num_heads=2)
BASE_LR, WD, RATE = 1e-3, 0.05, 0.75


def scorer(arch=TINY_ARCH, **backbone):
    embed = arch['embed_dims'] if isinstance(arch, dict) else 384
    return MODELS.build(
        dict(
            type='QualityScorer',
            backbone=dict(type='HiViT', arch=arch, img_size=64, **backbone),
            head=dict(type='QualityRegressionHead', in_channels=embed)))


def build_optim(model, **paramwise):
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(
            type='LayerDecayOptimWrapperConstructor',
            optim_wrapper_cfg=dict(
                optimizer=dict(type='AdamW', lr=BASE_LR, weight_decay=WD)),
            paramwise_cfg=dict(layer_decay_rate=RATE, **paramwise)))
    return constructor(model).optimizer


def expected_depth(name: str, depths) -> tuple:
    """The reference's rule written out independently of HiViT's code:
    patch_embed / absolute_pos_embed -> 0; each non-merge block (stem
    included) one layer in order; a PatchMerge shares the depth of the block
    before it; everything else (final norm, head) -> the last layer."""
    stem0, stem1, main = 2 * depths[0], 2 * depths[1], depths[2]
    merges = {stem0, stem0 + 1 + stem1}  # blocks.2 and blocks.5 for HiViT-T
    num_layers = stem0 + stem1 + main + 2
    if name.startswith('backbone.patch_embed.') or \
            name == 'backbone.absolute_pos_embed':
        return 0, num_layers
    if name.startswith('backbone.blocks.'):
        idx = int(name.split('.')[2])
        return sum(1 for i in range(idx + 1) if i not in merges), num_layers
    return num_layers - 1, num_layers


def expected_wd(name: str, param: torch.Tensor) -> float:
    no_decay = param.ndim <= 1 or name.endswith(
        ('absolute_pos_embed', 'relative_position_bias_table'))
    return 0. if no_decay else WD


def check_every_group(optimizer, model, depths):
    trainable = {n: p for n, p in model.named_parameters() if p.requires_grad}
    seen = []
    for group in optimizer.param_groups:
        assert len(group['params']) == len(group['param_names'])
        for name, param in zip(group['param_names'], group['params']):
            assert param is trainable[name]
            depth, num_layers = expected_depth(name, depths)
            assert group['layer_id'] == depth, name
            assert group['lr'] == pytest.approx(
                BASE_LR * RATE**(num_layers - 1 - depth)), name
            assert group['weight_decay'] == expected_wd(name, param), name
            seen.append(name)
    assert sorted(seen) == sorted(trainable)  # each parameter exactly once


def test_every_group_follows_the_rule_tiny():
    model = scorer()
    optimizer = build_optim(model)
    check_every_group(optimizer, model, TINY_ARCH['depths'])
    lrs = {g['layer_id']: g['lr'] for g in optimizer.param_groups}
    assert len(lrs) == 8  # 6 non-merge blocks + embedding + top
    assert lrs[7] == pytest.approx(BASE_LR)  # head and final norm


def test_every_group_follows_the_rule_hivit_t():
    model = scorer(arch='tiny')
    optimizer = build_optim(model)
    check_every_group(optimizer, model, [1, 1, 10])
    names = {n: g for g in optimizer.param_groups for n in g['param_names']}
    assert names['backbone.patch_embed.proj.weight']['lr'] == pytest.approx(
        BASE_LR * RATE**15)
    assert names['backbone.blocks.2.reduction.weight']['layer_id'] == 2
    assert names['backbone.blocks.5.reduction.weight']['layer_id'] == 4
    assert names['backbone.blocks.15.mlp.fc1.weight']['layer_id'] == 14
    assert names['head.fc_cls.3.weight']['lr'] == pytest.approx(BASE_LR)
    assert names['backbone.blocks.6.attn.relative_position_bias_table'][
        'weight_decay'] == 0.


def test_frozen_and_fixed_parameters_are_left_out():
    model = scorer(frozen_stages=0, pos_embed_type='sincos')
    optimizer = build_optim(model)
    names = [n for g in optimizer.param_groups for n in g['param_names']]
    assert 'backbone.absolute_pos_embed' not in names
    assert not any(n.startswith(('backbone.patch_embed.',
                                 'backbone.blocks.0.')) for n in names)
    check_every_group(optimizer, model, TINY_ARCH['depths'])


def test_extra_no_decay_keys_and_unknown_keys():
    model = scorer()
    optimizer = build_optim(model, no_decay_keys=('head.',
                                                  'absolute_pos_embed'))
    for g in optimizer.param_groups:
        if any(n.startswith('head.') for n in g['param_names']):
            assert g['weight_decay'] == 0.
    with pytest.raises(ValueError, match='bias_decay_mult'):
        build_optim(model, bias_decay_mult=0.)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_ddp_wrapped_model_gets_the_same_groups():
    model = scorer()
    plain = build_optim(model)
    dist.init_process_group(
        'gloo',
        init_method=f'tcp://127.0.0.1:{_free_port()}',
        rank=0,
        world_size=1)
    try:
        wrapped = nn.parallel.DistributedDataParallel(model)
        optimizer = build_optim(wrapped)
    finally:
        dist.destroy_process_group()
    assert [g['param_names'] for g in optimizer.param_groups] == \
        [g['param_names'] for g in plain.param_groups]
    check_every_group(optimizer, model, TINY_ARCH['depths'])


class _MMPretrainHiViTModel(nn.Module):
    """mmpretrain's HiViT with the depth hook mmpretrain's classifiers
    provide."""

    def __init__(self):
        super().__init__()
        from mmpretrain.models.backbones import HiViT as MMPretrainHiViT
        self.backbone = MMPretrainHiViT(arch=TINY_ARCH, img_size=64)
        self.head = nn.Linear(64, 1)

    def get_layer_depth(self, name):
        return self.backbone.get_layer_depth(name, 'backbone.')


def test_mmpretrain_constructor_does_not_decay_hivit_blocks():
    """Why we have our own constructor: mmpretrain's looks for
    ``layers.*``, so every HiViT block trains at the full lr."""
    from mmpretrain.engine.optimizers import \
        LearningRateDecayOptimWrapperConstructor
    model = _MMPretrainHiViTModel()
    constructor = LearningRateDecayOptimWrapperConstructor(
        dict(optimizer=dict(type='AdamW', lr=BASE_LR, weight_decay=WD)),
        dict(layer_decay_rate=RATE))
    groups = constructor(model).optimizer.param_groups
    block_lrs = [g['lr'] for g in groups
                 if g['param_name'].startswith('backbone.blocks.')]
    assert block_lrs and block_lrs == pytest.approx([BASE_LR] *
                                                    len(block_lrs))
    # ours refuses that depth function instead of silently not decaying
    with pytest.raises(RuntimeError, match='layers'):
        build_optim(model)


def test_built_by_mmengine_from_a_config_name():
    """What a Runner does with ``optim_wrapper=dict(constructor=...)``; an
    optimiser without ``weight_decay`` keeps its own default on weights."""
    from mmengine.optim import build_optim_wrapper
    model = scorer()
    wrapper = build_optim_wrapper(
        model,
        dict(
            optimizer=dict(type='AdamW', lr=BASE_LR),
            constructor='LayerDecayOptimWrapperConstructor',
            paramwise_cfg=dict(layer_decay_rate=RATE)))
    for g in wrapper.optimizer.param_groups:
        flat = all(p.ndim <= 1 for p in g['params'])
        default = torch.optim.AdamW([torch.zeros(1)]).defaults['weight_decay']
        assert g['weight_decay'] == (0. if flat or any(
            'pos_embed' in n or 'bias_table' in n
            for n in g['param_names']) else default)
    assert len({g['lr'] for g in wrapper.optimizer.param_groups}) == 8
