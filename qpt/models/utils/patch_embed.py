"""HiViT's patch embedding: 4x4-pixel tokens grouped into 16x16 units."""
from typing import Tuple

import torch
import torch.nn as nn

from .transformer import LayerNorm

__all__ = ['PatchEmbed']

Grid = Tuple[int, ...]


class PatchEmbed(nn.Module):
    """Patch embedding grouped into units of ``inner x inner`` tokens.

    Args:
        in_channels: image channels.
        embed_dims: C1, channels of the inner tokens.
        inner_patches: inner tokens per unit side (4).
        inner_patch_size: pixels per inner token side (4); a unit is
            ``inner_patches * inner_patch_size`` pixels wide (16).
    """

    def __init__(self,
                 in_channels: int = 3,
                 embed_dims: int = 96,
                 inner_patches: int = 4,
                 inner_patch_size: int = 4) -> None:
        super().__init__()
        self.inner_patches = inner_patches
        self.proj = self._make_proj(in_channels, embed_dims, inner_patch_size)
        self.norm = LayerNorm(embed_dims)

    def _make_proj(self, in_channels: int, embed_dims: int,
                   inner_patch_size: int) -> nn.Module:
        """The projection: a Conv2d with kernel = stride = the inner patch
        size, (B, 3, H, W) -> (B, C1, H/4, W/4)."""
        return nn.Conv2d(
            in_channels,
            embed_dims,
            kernel_size=inner_patch_size,
            stride=inner_patch_size)

    def group_units(self, feat: torch.Tensor) -> Tuple[torch.Tensor, Grid]:
        """(B, C, h*s, w*s) map -> ((B, h*w, s, s, C) units, (h, w)).

        Units are in row-major order; inside a unit the inner tokens are
        indexed (row, col).
        """
        B, C, Hs, Ws = feat.shape
        s = self.inner_patches
        h, w = Hs // s, Ws // s
        units = feat.reshape(B, C, h, s, w, s).permute(0, 2, 4, 3, 5, 1)
        return units.reshape(B, h * w, s, s, C), (h, w)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Grid]:
        """(B, 3, H, W) -> ((B, N, 4, 4, C1) normed units, (H/16, W/16))."""
        units, grid = self.group_units(self.proj(x))
        return self.norm(units), grid
