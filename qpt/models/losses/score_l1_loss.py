"""L1 distance between predicted and target normalised scores."""
import torch

from qpt.registry import MODELS
from .base_score_loss import BaseScoreLoss

__all__ = ['ScoreL1Loss']


@MODELS.register_module()
class ScoreL1Loss(BaseScoreLoss):
    """``loss_weight * mean_i |pred_i - target_i|`` over (B,) scores.

    The arguments are :class:`BaseScoreLoss`'s (``loss_weight``,
    ``loss_name``, default ``'score_l1'``); histograms are ignored.
    """

    default_loss_name = 'score_l1'

    def _score_loss(self, pred: torch.Tensor,
                    target: torch.Tensor) -> torch.Tensor:
        return (pred - target).abs().mean()
