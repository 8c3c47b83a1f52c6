"""Transformer building blocks shared by HiViT and the MIM decoder.

Attention always goes through ``F.scaled_dot_product_attention``; a relative
position bias (or any additive bias) is passed as its float ``attn_mask``.
Parameter names follow the official HiViT release (``norm1``, ``attn.qkv``,
``attn.proj``, ``attn.relative_position_bias_table``, ``norm2``,
``mlp.fc1``, ``mlp.fc2``) so released weights load without renaming.
"""
from functools import partial
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from timm.layers import DropPath, trunc_normal_

#: LayerNorm as in the HiViT release (eps 1e-6).
LayerNorm = partial(nn.LayerNorm, eps=1e-6)


class Mlp(nn.Module):
    """Two-layer MLP ``fc1 -> GELU -> fc2``: (..., C) -> (..., C_out)."""

    def __init__(self,
                 in_features: int,
                 hidden_features: int,
                 out_features: Optional[int] = None,
                 drop: float = 0.) -> None:
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden_features, out_features or in_features)
        self.drop = nn.Dropout(drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.fc2(self.drop(self.act(self.fc1(x)))))


class Attention(nn.Module):
    """Multi-head self-attention with an optional relative position bias.

    Args:
        dim: channels C.
        num_heads: heads h.
        qkv_bias: bias on the qkv projection.
        rel_pos_table_size: rows of the learned relative position bias table
            (``(2*Wh-1)*(2*Ww-1)`` for a Wh x Ww grid); ``None`` for no table.
        attn_drop: attention dropout (training only).
        proj_drop: dropout after the output projection.
    """

    def __init__(self,
                 dim: int,
                 num_heads: int,
                 qkv_bias: bool = True,
                 rel_pos_table_size: Optional[int] = None,
                 attn_drop: float = 0.,
                 proj_drop: float = 0.) -> None:
        super().__init__()
        assert dim % num_heads == 0, f'dim {dim} not divisible by {num_heads}'
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.attn_drop = attn_drop
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)
        if rel_pos_table_size is not None:
            self.relative_position_bias_table = nn.Parameter(
                torch.zeros(rel_pos_table_size, num_heads))
            trunc_normal_(self.relative_position_bias_table, std=.02)
        else:
            self.relative_position_bias_table = None

    def relative_position_bias(self,
                               rel_pos_index: torch.Tensor) -> torch.Tensor:
        """Look up the bias: index (N, N) or (B, N, N) -> (1|B, h, N, N)."""
        bias = self.relative_position_bias_table[rel_pos_index]
        if bias.dim() == 3:
            bias = bias.unsqueeze(0)
        return bias.permute(0, 3, 1, 2)

    def forward(self,
                x: torch.Tensor,
                rel_pos_index: Optional[torch.Tensor] = None,
                attn_bias: Optional[torch.Tensor] = None) -> torch.Tensor:
        """x: (B, N, C); rel_pos_index: (N, N) or (B, N, N) long indices into
        the bias table; attn_bias: extra additive bias broadcastable to
        (B, h, N, N). Returns (B, N, C)."""
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, C // self.num_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        mask = None
        if rel_pos_index is not None:
            mask = self.relative_position_bias(rel_pos_index).to(q.dtype)
        if attn_bias is not None:
            mask = attn_bias if mask is None else mask + attn_bias
        x = F.scaled_dot_product_attention(
            q, k, v,
            attn_mask=mask,
            dropout_p=self.attn_drop if self.training else 0.)
        x = x.transpose(1, 2).reshape(B, N, C)
        return self.proj_drop(self.proj(x))


class TransformerBlock(nn.Module):
    """Pre-norm transformer block ``x + attn(norm1(x))``, ``x + mlp(norm2(x))``.

    With ``num_heads=0`` the block is MLP-only (HiViT's stem blocks: only
    ``norm2`` and ``mlp`` exist). Input and output: (B, ..., C); the
    attention variant needs (B, N, C).
    """

    def __init__(self,
                 dim: int,
                 num_heads: int,
                 mlp_ratio: float = 4.,
                 qkv_bias: bool = True,
                 rel_pos_table_size: Optional[int] = None,
                 drop: float = 0.,
                 attn_drop: float = 0.,
                 drop_path: float = 0.) -> None:
        super().__init__()
        self.with_attn = num_heads > 0
        if self.with_attn:
            self.norm1 = LayerNorm(dim)
            self.attn = Attention(dim, num_heads, qkv_bias,
                                  rel_pos_table_size, attn_drop, drop)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else \
            nn.Identity()
        self.norm2 = LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), drop=drop)

    def forward(self,
                x: torch.Tensor,
                rel_pos_index: Optional[torch.Tensor] = None,
                attn_bias: Optional[torch.Tensor] = None) -> torch.Tensor:
        if self.with_attn:
            x = x + self.drop_path(
                self.attn(self.norm1(x), rel_pos_index, attn_bias))
        return x + self.drop_path(self.mlp(self.norm2(x)))
