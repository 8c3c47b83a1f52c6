"""Mean squared error between predicted and target normalised scores."""
from typing import Optional

import torch
import torch.nn as nn

from qpt.registry import MODELS
from ._checks import check_scores

__all__ = ['ScoreMSELoss']


@MODELS.register_module()
class ScoreMSELoss(nn.Module):
    """``loss_weight * mean_i (pred_i - target_i) ** 2``.

    Args:
        loss_weight: factor on the loss.
        loss_name: the log key becomes ``loss_{loss_name}``.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 loss_name: str = 'score_mse') -> None:
        super().__init__()
        self.loss_weight = float(loss_weight)
        self.loss_name = loss_name

    def forward(self,
                pred: torch.Tensor,
                target: torch.Tensor,
                pred_hist: Optional[torch.Tensor] = None,
                target_hist: Optional[torch.Tensor] = None) -> torch.Tensor:
        """pred, target: (B,) normalised scores; the histogram arguments are
        accepted and ignored. Returns a scalar."""
        target = check_scores(pred, target, type(self).__name__)
        return self.loss_weight * (pred - target).pow(2).mean()

    def extra_repr(self) -> str:
        return f'loss_weight={self.loss_weight}, loss_name={self.loss_name!r}'
