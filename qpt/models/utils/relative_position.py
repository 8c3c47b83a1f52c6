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
