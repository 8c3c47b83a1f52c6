"""HiViT gathers the relative position bias of all main blocks at once.

The reference is the per-block lookup ``table[index]`` (Swin / the official
HiViT), which ``Attention.relative_position_bias`` still implements: the
one-gather path must give the same biases, the same encoder output and the
same gradients of every table.
"""
import pytest
import torch

from qpt.models.backbones.hivit import HiViT
from qpt.models.utils import gather_units

ARCH = dict(embed_dims=64, depths=[1, 1, 3], num_heads=2)


def tiny(img_size=64):
    torch.manual_seed(0)
    model = HiViT(arch=ARCH, img_size=img_size)
    for i in model.stage_block_indices[2]:  # distinct, non-zero tables
        torch.nn.init.normal_(
            model.blocks[i].attn.relative_position_bias_table)
    return model


def per_block_forward(model, x, ids_keep, resize_tables: bool = False):
    """The per-block path: every block looks its bias up itself, from its
    own table, or (``resize_tables``, another grid) from its table resized
    to the grid first."""
    units, grid = model.embed_units(x)
    units = gather_units(units, ids_keep)
    for stage in range(2):
        for i in model.stage_block_indices[stage]:
            units = model.blocks[i](units)
        units = model.blocks[model.merge_indices[stage]](units)
    y = units.flatten(2) + gather_units(model.get_pos_embed(grid), ids_keep)
    index = model.get_rel_pos_index(grid)
    index = index[ids_keep[:, :, None], ids_keep[:, None, :]]
    for i in model.stage_block_indices[2]:
        blk = model.blocks[i]
        if resize_tables:
            table = model.resize_rel_pos_table(
                blk.attn.relative_position_bias_table, grid)
            y = blk(y, attn_bias=table[index].permute(0, 3, 1, 2))
        else:
            y = blk(y, rel_pos_index=index)
    return model.norm(y)


def test_biases_equal_the_per_block_lookup():
    model = tiny()
    blocks = [model.blocks[i] for i in model.stage_block_indices[2]]
    full = model.get_rel_pos_index((4, 4))
    ids = torch.tensor([[0, 5, 3], [15, 2, 9]])
    kept = full[ids[:, :, None], ids[:, None, :]]
    for index, shape in ((full, (1, 2, 16, 16)), (kept, (2, 2, 3, 3))):
        biases = model.relative_position_biases(index, (4, 4),
                                                torch.zeros(1))
        assert len(biases) == len(blocks)
        for blk, bias in zip(blocks, biases):
            assert bias.shape == shape and bias.is_contiguous()
            torch.testing.assert_close(
                bias, blk.attn.relative_position_bias(index), rtol=0, atol=0)


def test_biases_come_in_the_autocast_dtype():
    model = tiny()
    index = model.get_rel_pos_index((4, 4))
    with torch.autocast('cpu', dtype=torch.bfloat16):
        biases = model.relative_position_biases(index, (4, 4),
                                                torch.zeros(1))
    assert all(b.dtype == torch.bfloat16 for b in biases)


@pytest.mark.parametrize('size', [64, 96])  # construction grid, resized
def test_masked_forward_and_table_gradients_equal_per_block(size):
    model = tiny().train()
    torch.manual_seed(1)
    x = torch.randn(2, 3, size, size)
    n = (size // 16)**2
    ids_keep = torch.stack([torch.randperm(n)[:n // 4 + 1] for _ in range(2)])

    def grads(forward):
        out = forward()
        out.pow(2).sum().backward()
        g = {n: p.grad.clone() for n, p in model.named_parameters()
             if p.grad is not None}
        model.zero_grad(set_to_none=True)
        return out.detach(), g

    ours, g_ours = grads(lambda: model.forward_masked(x, ids_keep)[-1])
    # another grid (96): each table resized, then looked up per block
    ref, g_ref = grads(lambda: per_block_forward(
        model, x, ids_keep, resize_tables=size != 64))
    torch.testing.assert_close(ours, ref, rtol=1e-5, atol=1e-6)
    assert g_ours.keys() == g_ref.keys()
    for name in g_ref:
        torch.testing.assert_close(g_ours[name], g_ref[name], rtol=1e-5,
                                   atol=1e-6, msg=name)
    assert any('relative_position_bias_table' in n for n in g_ref)
