"""HiViT's PatchMerge: 2x2 inner neighbours of a unit into one token."""
import torch
import torch.nn as nn

from .transformer import LayerNorm

__all__ = ['PatchMerge']


class PatchMerge(nn.Module):
    """Merge 2x2 inner neighbours: (B, N, 2a, 2a, C) -> (B, N, a, a, 2C).

    Concatenation order (row 0, col 0), (row 1, col 0), (row 0, col 1),
    (row 1, col 1), as the official HiViT code does, then ``norm``
    LayerNorm(4C) and ``reduction`` Linear(4C -> 2C, no bias).
    """

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.norm = LayerNorm(4 * dim)
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (B, N, 2a, 2a, C). Returns (B, N, a, a, 2C)."""
        x = torch.cat([
            x[..., 0::2, 0::2, :], x[..., 1::2, 0::2, :],
            x[..., 0::2, 1::2, :], x[..., 1::2, 1::2, :]
        ],
                      dim=-1)
        return self.reduction(self.norm(x))
