"""Swin-style relative position indices and bias-table resizing.

A learned relative position bias keeps one row per relative offset between
two tokens of a grid. For a grid of sizes ``(g_0, ..., g_{d-1})`` (row-major
token order, last axis fastest) the offsets along axis ``a`` range over
``2 * g_a - 1`` values, so the table has ``prod(2 * g_a - 1)`` rows and the
index of the pair (i, j) is the mixed-radix number of
``coord_i - coord_j + (g - 1)``, most significant axis first. For a 2-D grid
this is exactly the Swin Transformer / HiViT index
``(dy + h - 1) * (2w - 1) + (dx + w - 1)``.

The index is written for any number of axes so that a spatio-temporal
(3-D) variant can reuse it; the table resizing is 2-D only (bicubic).
"""
from typing import Sequence, Tuple

import torch
import torch.nn.functional as F


def relative_position_table_size(grid: Sequence[int]) -> int:
    """Number of rows of the bias table of a grid: ``prod(2 * g - 1)``."""
    size = 1
    for g in grid:
        size *= 2 * int(g) - 1
    return size


def relative_position_index(grid: Sequence[int]) -> torch.Tensor:
    """Swin-style relative position index of a grid.

    Args:
        grid: grid sizes, e.g. ``(h, w)`` (tokens in row-major order).

    Returns:
        (N, N) int64 with ``N = prod(grid)``; entry (i, j) indexes the row of
        the bias table for the offset ``coord_i - coord_j``.
    """
    grid = [int(g) for g in grid]
    axes = torch.meshgrid(*[torch.arange(g) for g in grid], indexing='ij')
    coords = torch.stack([a.flatten() for a in axes], dim=-1)  # (N, d)
    rel = coords[:, None, :] - coords[None, :, :]  # (N, N, d)
    index = torch.zeros(rel.shape[:2], dtype=torch.long)
    for axis, g in enumerate(grid):
        index = index * (2 * g - 1) + (rel[..., axis] + g - 1)
    return index


def resize_relative_position_table(table: torch.Tensor,
                                   src_grid: Tuple[int, int],
                                   dst_grid: Tuple[int, int],
                                   mode: str = 'bicubic') -> torch.Tensor:
    """Resize a 2-D relative position bias table to another grid.

    The table is viewed as a ``(2h-1) x (2w-1)`` image per head and resized
    with ``F.interpolate`` (``align_corners=False``; both sizes are odd, so
    the zero offset stays at the centre). Offsets are thereby stretched by the
    same factor as an interpolated absolute position embedding.

    Args:
        table: (prod(2 * src_grid - 1), num_heads).
        src_grid: (h, w) the table was learned for.
        dst_grid: (h', w') to resize to.
        mode: interpolation mode.

    Returns:
        ((2h'-1) * (2w'-1), num_heads); ``table`` itself when the grids match.
    """
    src_h, src_w = (2 * int(g) - 1 for g in src_grid)
    dst_h, dst_w = (2 * int(g) - 1 for g in dst_grid)
    num_rows, num_heads = table.shape
    if num_rows != src_h * src_w:
        raise ValueError(f'table has {num_rows} rows, expected {src_h * src_w}'
                         f' for a {tuple(src_grid)} grid')
    if (src_h, src_w) == (dst_h, dst_w):
        return table
    img = table.t().reshape(1, num_heads, src_h, src_w)
    img = F.interpolate(
        img.float(), size=(dst_h, dst_w), mode=mode, align_corners=False)
    return img.reshape(num_heads, dst_h * dst_w).t().to(table.dtype)


def gather_relative_position_biases(tables: Sequence[torch.Tensor],
                                    index: torch.Tensor,
                                    ref: torch.Tensor
                                    ) -> Tuple[torch.Tensor, ...]:
    """The bias of several attention blocks from their tables, gathered at
    once.

    The tables are concatenated along the heads and indexed once, so a
    forward costs one gather (and its backward one scatter) instead of one
    per block; each block's bias comes out contiguous, in the dtype its
    attention computes in (the autocast dtype under autocast), so that no
    block copies or casts it again. The values are exactly those of
    ``table[index]`` per block.

    Args:
        tables: one (rows, heads) table per block, all the same shape.
        index: (N, N) or, for kept units, (B, L, L) long indices into the
            tables.
        ref: a tensor on the input's device in its dtype.

    Returns:
        One (1, heads, N, N) or (B, heads, L, L) tensor per table.
    """
    heads = tables[0].shape[1]
    dtype = ref.dtype
    if torch.is_autocast_enabled(ref.device.type):
        dtype = torch.get_autocast_dtype(ref.device.type)
    # cast the small table, not the gathered bias (the same values)
    table = torch.cat(list(tables), dim=1).to(dtype)  # (rows, blocks * h)
    bias = table[index]  # (N, N, blocks * h) or (B, L, L, blocks * h)
    if bias.dim() == 3:
        bias = bias.unsqueeze(0)
    B, L, L2, _ = bias.shape
    bias = bias.view(B, L, L2, len(tables), heads).permute(3, 0, 4, 1, 2)
    return bias.contiguous().unbind(0)
