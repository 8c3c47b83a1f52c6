"""The base of the score losses: weight, log name, input check, repr."""
import inspect
from typing import Optional

import torch
import torch.nn as nn

from ._checks import check_scores

__all__ = ['BaseScoreLoss']


class BaseScoreLoss(nn.Module):
    """A loss on (B,) normalised scores, optionally with (B, K) histograms.

    Every score loss is called the same way by ``QualityRegressionHead``:
    ``loss(pred, target, pred_hist, target_hist)`` returns
    ``loss_weight * value`` as a scalar, logged as ``loss_{loss_name}``.
    ``forward`` checks the scores (``pred`` must be (B,), ``target`` is cast
    to ``pred``'s dtype and device); subclasses implement :meth:`_loss`
    or, when they ignore the histograms, :meth:`_score_loss`.

    Args:
        loss_weight: factor on the loss.
        loss_name: the log key becomes ``loss_{loss_name}``; None: the
            class's ``default_loss_name``.
    """

    #: ``loss_name`` when none is given.
    default_loss_name: str = 'score'
    def __init__(self,
                 loss_weight: float = 1.0,
                 loss_name: Optional[str] = None) -> None:
        super().__init__()
        self.loss_weight = float(loss_weight)
        self.loss_name = self.default_loss_name if loss_name is None \
            else loss_name

    def forward(self,
                pred: torch.Tensor,
                target: torch.Tensor,
                pred_hist: Optional[torch.Tensor] = None,
                target_hist: Optional[torch.Tensor] = None) -> torch.Tensor:
        """pred, target: (B,) normalised scores; pred_hist, target_hist:
        optional (B, K) histograms. Returns a scalar."""
        target = check_scores(pred, target, type(self).__name__)
        return self.loss_weight * self._loss(pred, target, pred_hist,
                                             target_hist)

    def _loss(self, pred: torch.Tensor, target: torch.Tensor,
              pred_hist: Optional[torch.Tensor],
              target_hist: Optional[torch.Tensor]) -> torch.Tensor:
        """The unweighted loss (a scalar) of checked inputs; by default
        :meth:`_score_loss`, for losses that ignore the histograms."""
        return self._score_loss(pred, target)

    def _score_loss(self, pred: torch.Tensor,
                    target: torch.Tensor) -> torch.Tensor:
        """The unweighted loss of (B,) scores: a scalar."""
        raise NotImplementedError

    def extra_repr(self) -> str:
        """The constructor's arguments, as the attributes of the same names
        hold them."""
        names = inspect.signature(type(self).__init__).parameters
        return ', '.join(f'{k}={getattr(self, k)!r}' for k in names
                         if k != 'self')
