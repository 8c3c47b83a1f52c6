"""Differentiable 1 - Pearson correlation over the batch."""
from typing import Optional

import torch

from qpt.registry import MODELS
from .batch_score_loss import BatchScoreLoss

__all__ = ['PLCCLoss']


@MODELS.register_module()
class PLCCLoss(BatchScoreLoss):
    """``loss_weight * (1 - r)``, r the Pearson correlation of the batch.

    With centred vectors ``p = pred - mean(pred)``, ``t = target -
    mean(target)``::

        r = <p, t> / sqrt((<p, p> + eps) * (<t, t> + eps))

    ``eps`` keeps the loss and its gradient finite when the predictions (at
    initialisation) or the targets of a batch are constant. It shrinks r by
    the relative amount of about ``eps / (2 <p, p>) + eps / (2 <t, t>)``:
    negligible unless a batch's scores are nearly constant (default 1e-8:
    under 1e-4 once both sums of squares exceed 1e-4). The loss
    lies in [0, 2]; it ignores the scale and offset of the predictions, so
    it is meant to be combined with an L1 / MSE / rank loss. A batch of
    fewer than two samples has no correlation: the loss is 0 (kept on the
    graph).

    Distributed training: with ``gather=True`` (the default) r is the
    correlation of the *global* batch (see :class:`BatchScoreLoss`);
    ``gather=False`` computes it on each GPU's own batch.

    Args:
        loss_weight: factor on the loss.
        eps: added to both sums of squares.
        gather: compute over the global batch in distributed runs.
        loss_name: the log key becomes ``loss_{loss_name}``.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 eps: float = 1e-8,
                 gather: bool = True,
                 loss_name: str = 'plcc') -> None:
        super().__init__(loss_weight, gather, loss_name)
        self.eps = float(eps)

    def _batch_loss(self, pred: torch.Tensor,
                    target: torch.Tensor) -> Optional[torch.Tensor]:
        if pred.numel() < 2:
            return None
        p = pred - pred.mean()
        t = target - target.mean()
        r = (p * t).sum() / torch.sqrt(
            ((p * p).sum() + self.eps) * ((t * t).sum() + self.eps))
        return 1 - r
