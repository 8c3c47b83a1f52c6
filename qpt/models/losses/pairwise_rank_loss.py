"""Margin ranking loss over every ordered pair of the batch."""
from typing import Optional

import torch
import torch.nn as nn

from qpt.registry import MODELS
from ._checks import check_scores, zero_loss

__all__ = ['PairwiseRankLoss']


@MODELS.register_module()
class PairwiseRankLoss(nn.Module):
    """Hinge on the score differences of all pairs ordered by the targets.

    Over the set P of ordered pairs (i, j) with
    ``target_i - target_j > tie_eps`` (i should score higher than j)::

        loss = loss_weight * mean_{(i,j) in P} max(0, m_ij - (pred_i - pred_j))

    with ``m_ij = margin`` or, with ``scale_margin=True``,
    ``m_ij = margin * (target_i - target_j)`` (a wider gap asks for a wider
    score gap). The default ``margin=0`` penalises only wrongly ordered pairs
    by how far they are inverted (the FAST-VQA rank loss up to its
    normalisation). Tied pairs do not count. A batch without an ordered pair
    (one sample, or all targets tied) gives 0 (kept on the graph). Cost is
    O(B^2) in memory, negligible at fine-tuning batch sizes.

    Args:
        loss_weight: factor on the loss.
        margin: the required score gap (normalised-score units).
        scale_margin: multiply the margin by the target gap.
        tie_eps: target gaps up to this are ties.
        loss_name: the log key becomes ``loss_{loss_name}``.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 margin: float = 0.,
                 scale_margin: bool = False,
                 tie_eps: float = 0.,
                 loss_name: str = 'rank') -> None:
        super().__init__()
        if margin < 0 or tie_eps < 0:
            raise ValueError('margin and tie_eps must be >= 0')
        self.loss_weight = float(loss_weight)
        self.margin = float(margin)
        self.scale_margin = bool(scale_margin)
        self.tie_eps = float(tie_eps)
        self.loss_name = loss_name

    def forward(self,
                pred: torch.Tensor,
                target: torch.Tensor,
                pred_hist: Optional[torch.Tensor] = None,
                target_hist: Optional[torch.Tensor] = None) -> torch.Tensor:
        """pred, target: (B,) normalised scores; the histogram arguments are
        accepted and ignored. Returns a scalar."""
        target = check_scores(pred, target, type(self).__name__)
        pred_gap = pred[:, None] - pred[None, :]  # (B, B): pred_i - pred_j
        target_gap = target[:, None] - target[None, :]
        ordered = target_gap > self.tie_eps
        if not bool(ordered.any()):
            return zero_loss(pred)
        margin = self.margin * target_gap if self.scale_margin \
            else pred.new_tensor(self.margin)
        hinge = torch.relu(margin - pred_gap)
        return self.loss_weight * hinge[ordered].mean()

    def extra_repr(self) -> str:
        return (f'loss_weight={self.loss_weight}, margin={self.margin}, '
                f'scale_margin={self.scale_margin}, tie_eps={self.tie_eps}, '
                f'loss_name={self.loss_name!r}')
