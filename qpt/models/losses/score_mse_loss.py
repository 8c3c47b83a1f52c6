"""Mean squared error between predicted and target normalised scores."""
import torch

from qpt.registry import MODELS
from .base_score_loss import BaseScoreLoss

__all__ = ['ScoreMSELoss']


@MODELS.register_module()
class ScoreMSELoss(BaseScoreLoss):
    """The mean squared error ``loss_weight * mean_i (pred_i - target_i)
    ** 2`` of (B,) scores, with :class:`BaseScoreLoss`'s arguments
    (``loss_name`` defaults to ``'score_mse'``); histograms are ignored.
    """

    default_loss_name = 'score_mse'

    def _score_loss(self, pred: torch.Tensor,
                    target: torch.Tensor) -> torch.Tensor:
        return (pred - target).pow(2).mean()
