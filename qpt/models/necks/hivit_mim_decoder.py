"""MAE-style decoder for HiViT: no class-token slot.

mmpretrain's ``MAEPretrainDecoder`` reserves position 0 for a class token;
HiViT has none, so reusing it puts every visible token one slot off. Here the
sequence is exactly the N units in row-major order.
"""
from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from timm.layers import trunc_normal_

from qpt.registry import MODELS
from ..utils import LayerNorm, TransformerBlock, sincos_pos_embed_2d


@MODELS.register_module()
class HiViTMIMDecoder(BaseModule):
    """Reconstruct every unit's pixels from the visible tokens.

    Args:
        in_channels: width of the incoming visible tokens (a Linear maps it to
            ``embed_dims`` unless both are equal).
        embed_dims: decoder width D (512).
        depth: number of transformer blocks (6).
        num_heads: attention heads (16).
        mlp_ratio: MLP hidden ratio (4).
        patch_size: pixels per unit side (16).
        in_chans: image channels (3).
        grid_size: (h, w) unit grid the fixed position table is built for;
            other grids get a sin-cos table computed on the fly.
    """

    def __init__(self,
                 in_channels: int = 512,
                 embed_dims: int = 512,
                 depth: int = 6,
                 num_heads: int = 16,
                 mlp_ratio: float = 4.,
                 patch_size: int = 16,
                 in_chans: int = 3,
                 grid_size: Tuple[int, int] = (14, 14),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.embed_dims = embed_dims
        self.grid_size = tuple(grid_size)
        self.embed = nn.Identity() if in_channels == embed_dims else \
            nn.Linear(in_channels, embed_dims)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.register_buffer(
            'pos_embed',
            sincos_pos_embed_2d(embed_dims, *self.grid_size),
            persistent=False)
        self.blocks = nn.ModuleList(
            TransformerBlock(embed_dims, num_heads, mlp_ratio)
            for _ in range(depth))
        self.norm = LayerNorm(embed_dims)
        self.pred = nn.Linear(embed_dims, patch_size * patch_size * in_chans)

    def init_weights(self) -> None:
        super().init_weights()
        trunc_normal_(self.mask_token, std=.02)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def position_embedding(self, grid: Tuple[int, int],
                           ref: torch.Tensor) -> torch.Tensor:
        """(1, h*w, D) fixed sin-cos positions for a (h, w) unit grid."""
        if tuple(grid) == self.grid_size:
            return self.pos_embed.to(ref.dtype)
        return sincos_pos_embed_2d(self.embed_dims, *grid).to(ref)

    def restore_sequence(self, x: torch.Tensor,
                         ids_restore: torch.Tensor) -> torch.Tensor:
        """Put visible tokens and mask tokens at their true positions.

        Args:
            x: (B, L, D) visible tokens, in the order of ``ids_keep``.
            ids_restore: (B, N) with ``ids_restore[b, n]`` the slot of unit n
                in ``[visible tokens, mask tokens]``.

        Returns:
            (B, N, D), token n belonging to unit n (row-major).
        """
        B, L, D = x.shape
        N = ids_restore.shape[1]
        x = torch.cat([x, self.mask_token.to(x.dtype).expand(B, N - L, D)],
                      dim=1)
        return torch.gather(x, 1, ids_restore.unsqueeze(-1).expand(-1, -1, D))

    def forward(self, x: torch.Tensor, ids_restore: torch.Tensor,
                grid: Optional[Tuple[int, int]] = None) -> torch.Tensor:
        """x: (B, L, in_channels) visible tokens; ids_restore: (B, N);
        grid: (h, w) with h*w = N (default ``grid_size``).

        Returns:
            (B, N, patch_size**2 * in_chans) per-unit pixel predictions.
        """
        grid = grid or self.grid_size
        x = self.restore_sequence(self.embed(x), ids_restore)
        x = x + self.position_embedding(grid, x)
        for block in self.blocks:
            x = block(x)
        return self.pred(self.norm(x))
