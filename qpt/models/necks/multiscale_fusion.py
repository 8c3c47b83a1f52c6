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
        fusion: how the scales are combined (x_i: the flattened stage-i
            features of a unit, 4*4*C1, 2*2*C2 and C3 wide):

            - ``'sum'`` (default): ``LN(sum_i Linear_i(LN_i(x_i)))``, one
              projection P_i per stage;
            - ``'hifeat'``: the official HiViT-MAE ``hifeat=True`` layout,
              ``Linear(LN(cat(x_1, x_2, x_3)))``: the stage-1, stage-2 and
              stage-3 features of a unit concatenated in that order
              (4*4*96 + 2*2*192 + 384 = 2688 = 7C for HiViT-T), ONE
              LayerNorm over the 7C vector, then the decoder embedding
              Linear(7C, D); nothing else. In the official code that
              LayerNorm is the encoder's norm and stage 3 enters it
              un-normalised, so pair it with the backbone's
              ``final_norm=False`` (``configs/qptv2/pretrain_hivit_hifeat.py``
              does); with a final norm, stage 3 is normalised twice;
            - ``'concat'``: ``LN(Linear(LN(cat_i x_i)))``, our variant of
              ``hifeat`` with an extra LayerNorm on the decoder tokens (and,
              with the backbone's default ``final_norm=True``, a stage-3
              norm before the joint one); not the official layout;
            - ``'none'``: the multi-scale ablation, stage 3 only:
              ``LN(Linear(LN(x_3)))``.

    State-dict keys: ``projections.{i}.{0,1}`` per stage (``sum``),
    ``projections.{0,1}`` (``hifeat``, ``concat``, ``none``: the LayerNorm
    and the Linear), ``norm`` (Identity for ``hifeat``).
    """

    FUSIONS = ('sum', 'hifeat', 'concat', 'none')

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
        elif fusion in ('hifeat', 'concat'):
            total = sum(self.flat_dims)
            self.projections = nn.Sequential(
                LayerNorm(total), nn.Linear(total, out_channels))
        else:
            d = self.flat_dims[-1]
            self.projections = nn.Sequential(
                LayerNorm(d), nn.Linear(d, out_channels))
        self.norm = nn.Identity() if fusion == 'hifeat' else \
            LayerNorm(out_channels)

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
        elif self.fusion in ('hifeat', 'concat'):
            fused = self.projections(torch.cat(flat, dim=-1))
        else:
            fused = self.projections(flat[-1])
        return self.norm(fused)
