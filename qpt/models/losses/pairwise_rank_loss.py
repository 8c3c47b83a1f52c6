"""Margin ranking loss over every ordered pair of the batch."""
from typing import Optional

import torch

from qpt.registry import MODELS
from .batch_score_loss import BatchScoreLoss

__all__ = ['PairwiseRankLoss']


@MODELS.register_module()
class PairwiseRankLoss(BatchScoreLoss):
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
    O(B^2) in memory, negligible at fine-tuning batch sizes (B is the global
    batch when gathering).

    Distributed training: with ``gather=True`` (the default) P is the set
    of pairs of the *global* batch, pairs across GPUs included (see
    :class:`BatchScoreLoss`); ``gather=False`` ranks only the pairs within
    each GPU's batch (the FAST-VQA recipes' behaviour), a different loss.

    Args:
        loss_weight: factor on the loss.
        margin: the required score gap (normalised-score units).
        scale_margin: multiply the margin by the target gap.
        tie_eps: target gaps up to this are ties.
        gather: compute over the global batch in distributed runs.
        loss_name: the log key becomes ``loss_{loss_name}``.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 margin: float = 0.,
                 scale_margin: bool = False,
                 tie_eps: float = 0.,
                 gather: bool = True,
                 loss_name: str = 'rank') -> None:
        super().__init__(loss_weight, gather, loss_name)
        if margin < 0 or tie_eps < 0:
            raise ValueError('margin and tie_eps must be >= 0')
        self.margin = float(margin)
        self.scale_margin = bool(scale_margin)
        self.tie_eps = float(tie_eps)

    def _batch_loss(self, pred: torch.Tensor,
                    target: torch.Tensor) -> Optional[torch.Tensor]:
        pred_gap = pred[:, None] - pred[None, :]  # (B, B): pred_i - pred_j
        target_gap = target[:, None] - target[None, :]
        ordered = target_gap > self.tie_eps
        if not bool(ordered.any()):
            return None
        margin = self.margin * target_gap if self.scale_margin \
            else pred.new_tensor(self.margin)
        hinge = torch.relu(margin - pred_gap)
        return hinge[ordered].mean()
