"""Multi-scale feature fusion for MIM pretraining (the figure's P1, P2, P3, F~).

For every visible unit (one 16x16 patch), HiViT produces features at three
scales: the 4x4 inner tokens of stage 1, the 2x2 of stage 2 and the single
stage-3 token. They are flattened per unit and fused into one decoder token.
Pretraining only: fine-tuned models carry no fusion weights.
"""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from qpt.registry import MODELS
from ..utils import LayerNorm


@MODELS.register_module()
class MultiScaleFusionNeck(BaseModule):
    """Fuse per-unit stage features into decoder tokens.

    Args:
        in_channels: channels of the three stages, e.g. (96, 192, 384).
        unit_sizes: inner tokens per unit side of each stage, (4, 2, 1).
        out_channels: decoder width D.
        fusion: how the scales are combined:

            - ``'sum'`` (default): ``LN(sum_i Linear_i(LN_i(x_i)))``, one
              projection P_i per stage;
            - ``'concat'``: ``LN(Linear(LN(cat_i x_i)))``, the official
              HiViT-MAE "hifeat" form (one joint LayerNorm over the
              concatenated 4*4*96 + 2*2*192 + 384 = 2688 features);
            - ``'none'``: the multi-scale ablation, stage 3 only:
              ``LN(Linear(LN(x_3)))``.
    """

    FUSIONS = ('sum', 'concat', 'none')

    def __init__(self,
                 in_channels: Sequence[int] = (96, 192, 384),
                 unit_sizes: Sequence[int] = (4, 2, 1),
                 out_channels: int = 512,
                 fusion: str = 'sum',
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        if fusion not in self.FUSIONS:
            raise ValueError(f'fusion must be one of {self.FUSIONS}, '
                             f'got {fusion!r}')
        self.fusion = fusion
        self.flat_dims = [c * s * s for c, s in zip(in_channels, unit_sizes)]
        if fusion == 'sum':
            self.projections = nn.ModuleList(
                nn.Sequential(LayerNorm(d), nn.Linear(d, out_channels))
                for d in self.flat_dims)
        elif fusion == 'concat':
            total = sum(self.flat_dims)
            self.projections = nn.Sequential(
                LayerNorm(total), nn.Linear(total, out_channels))
        else:
            d = self.flat_dims[-1]
            self.projections = nn.Sequential(
                LayerNorm(d), nn.Linear(d, out_channels))
        self.norm = LayerNorm(out_channels)

    def init_weights(self) -> None:
        super().init_weights()
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        """feats: stage features of L visible units,
        ((B, L, 4, 4, C1), (B, L, 2, 2, C2), (B, L, C3)).

        Returns:
            (B, L, out_channels) fused tokens.
        """
        B, L = feats[-1].shape[:2]
        flat = [f.reshape(B, L, -1) for f in feats]
        if self.fusion == 'sum':
            fused = sum(proj(f) for proj, f in zip(self.projections, flat))
        elif self.fusion == 'concat':
            fused = self.projections(torch.cat(flat, dim=-1))
        else:
            fused = self.projections(flat[-1])
        return self.norm(fused)
