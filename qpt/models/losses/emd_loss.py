"""Earth mover's distance between score histograms (NIMA)."""
from typing import Optional

import torch

from qpt.registry import MODELS
from ._checks import check_hist
from .base_score_loss import BaseScoreLoss

__all__ = ['EMDLoss']


@MODELS.register_module()
class EMDLoss(BaseScoreLoss):
    """Normalised EMD of ordered K-bin histograms (Talebi & Milanfar, NIMA).

    For each sample, with CDFs ``P_k = sum_{j<=k} p_j`` of the predicted and
    ``T_k`` of the target histogram::

        EMD = (1/K * sum_k |P_k - T_k| ** r + eps) ** (1/r)

    averaged over the batch and multiplied by ``loss_weight``; ``r = 2`` as
    in NIMA. ``eps`` (added inside the root) keeps the gradient finite where
    the two CDFs coincide. Both histograms are divided by their sums, so
    vote counts work as targets.

    It needs histograms, not scores: ``pred_hist`` (B, K) probabilities from
    a head with ``num_bins=K``, and ``target_hist`` (B, K) from the dataset's
    ``gt_hist`` (AVA). The scalar ``pred`` / ``target`` are only used to
    check the batch size.

    Args:
        loss_weight: factor on the loss.
        r: the norm of the CDF difference.
        eps: added inside the r-th root.
        loss_name: the log key becomes ``loss_{loss_name}``.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 r: float = 2.,
                 eps: float = 1e-12,
                 loss_name: str = 'emd') -> None:
        super().__init__(loss_weight, loss_name)
        if r <= 0:
            raise ValueError(f'r must be > 0, got {r}')
        self.r = float(r)
        self.eps = float(eps)

    def _loss(self, pred: torch.Tensor, target: torch.Tensor,
              pred_hist: Optional[torch.Tensor],
              target_hist: Optional[torch.Tensor]) -> torch.Tensor:
        """pred, target: (B,) scores (only the batch size is used);
        pred_hist: (B, K) probabilities; target_hist: (B, K) histogram."""
        B = pred.shape[0]
        pred_hist = check_hist(
            pred_hist, 'pred_hist: a (B, K) predicted histogram (build the '
            'head with num_bins=K)', B)
        target_hist = check_hist(
            target_hist, 'target_hist: a (B, K) target histogram (the '
            "dataset must provide 'gt_hist', e.g. AVA's vote counts)", B)
        if pred_hist.shape != target_hist.shape:
            raise ValueError(f'EMDLoss: pred_hist {tuple(pred_hist.shape)} '
                             f'and target_hist {tuple(target_hist.shape)} '
                             'differ in shape')
        target_hist = target_hist.to(pred_hist)
        p = pred_hist / pred_hist.sum(-1, keepdim=True).clamp_min(1e-12)
        t = target_hist / target_hist.sum(-1, keepdim=True).clamp_min(1e-12)
        cdf_gap = (p.cumsum(-1) - t.cumsum(-1)).abs()
        emd = (cdf_gap.pow(self.r).mean(-1) + self.eps).pow(1. / self.r)
        return emd.mean()
