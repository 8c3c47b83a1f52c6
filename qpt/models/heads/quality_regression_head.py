"""Score regression head, in the layout of the released QPT V2 models."""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from qpt.registry import MODELS


@MODELS.register_module()
class QualityRegressionHead(BaseModule):
    """Pooled features -> one score (or a score histogram).

    ``fc_cls = Linear(C, hidden) -> GELU -> Dropout -> Linear(hidden, out)``,
    exactly the released ``quality_regressor.fc_cls.{0,3}``. The features it
    receives are the mean over all tokens after the encoder's final
    LayerNorm (the scorer model does the pooling).

    Args:
        in_channels: C (384 for HiViT-T).
        hidden_channels: 64 in the release.
        dropout: dropout between the two layers.
        num_bins: ``None`` for a scalar score (the release); K to predict a
            K-bin score histogram (AVA votes), whose expectation, mapped to
            [0, 1], is the score.
        loss: one loss config or a list (their weighted values are summed);
            each is called as ``loss(pred, target, pred_hist=..,
            target_hist=..)`` on normalised scores.
    """

    def __init__(self,
                 in_channels: int = 384,
                 hidden_channels: int = 64,
                 dropout: float = 0.1,
                 num_bins: Optional[int] = None,
                 loss: Union[dict, Sequence[dict]] = dict(type='ScoreL1Loss'),
                 init_cfg=dict(type='TruncNormal', layer='Linear', std=.02)
                 ) -> None:
        super().__init__(init_cfg)
        self.num_bins = num_bins
        self.fc_cls = nn.Sequential(
            nn.Linear(in_channels, hidden_channels), nn.GELU(),
            nn.Dropout(dropout), nn.Linear(hidden_channels, num_bins or 1))
        losses = [loss] if isinstance(loss, dict) else list(loss)
        self.losses = nn.ModuleList(MODELS.build(cfg) for cfg in losses)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        """feats: (B, C) pooled features. Returns the raw output: (B,) score,
        or (B, num_bins) histogram logits."""
        out = self.fc_cls(feats)
        return out.squeeze(-1) if self.num_bins is None else out

    def to_score(self, raw: torch.Tensor) -> torch.Tensor:
        """Raw output -> (B,) normalised score (expected bin / (K-1) for a
        histogram head)."""
        if self.num_bins is None:
            return raw
        bins = torch.arange(self.num_bins, dtype=raw.dtype, device=raw.device)
        return (raw.softmax(-1) * bins).sum(-1) / (self.num_bins - 1)

    def loss(self, raw: torch.Tensor, target: torch.Tensor,
             target_hist: Optional[torch.Tensor] = None
             ) -> Dict[str, torch.Tensor]:
        """raw: head output; target: (B,) normalised scores; target_hist:
        (B, K) vote histograms (for EMD)."""
        pred_hist = raw.softmax(-1) if self.num_bins is not None else None
        score = self.to_score(raw)
        out: Dict[str, torch.Tensor] = {}
        for module in self.losses:
            name = f'loss_{getattr(module, "loss_name", type(module).__name__)}'
            value = module(score, target, pred_hist=pred_hist,
                           target_hist=target_hist)
            out[name] = out[name] + value if name in out else value
        return out
