"""Differentiable 1 - Pearson correlation over the batch."""
from typing import Optional

import torch
import torch.nn as nn

from qpt.registry import MODELS
from ._checks import check_scores, zero_loss
from ._gather import ddp_grad_scale, gather_scores, world_size

__all__ = ['PLCCLoss']


@MODELS.register_module()
class PLCCLoss(nn.Module):
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

    Distributed training: with ``gather=True`` (the default) and an
    initialised process group, r is the correlation of the *global* batch:
    every rank gathers all ranks' predictions and targets (the other ranks'
    as detached copies, its own with its graph; unequal batch sizes are
    padded), so every rank returns the same value, the loss on the global
    batch. Its gradient with respect to the local predictions is multiplied
    by the world size, so that DDP's averaging of the gradients over ranks
    yields exactly the gradient of the global-batch loss (the logged value
    is not scaled). Only use it under a wrapper that averages gradients
    over ranks (MMDistributedDataParallel, DDP, FSDP). In a single process
    it changes nothing. ``gather=False`` computes the loss per rank (on
    each GPU's own batch, the FAST-VQA recipes' behaviour): a different,
    noisier loss when the per-GPU batch is small.

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
        super().__init__()
        self.loss_weight = float(loss_weight)
        self.eps = float(eps)
        self.gather = bool(gather)
        self.loss_name = loss_name

    def forward(self,
                pred: torch.Tensor,
                target: torch.Tensor,
                pred_hist: Optional[torch.Tensor] = None,
                target_hist: Optional[torch.Tensor] = None) -> torch.Tensor:
        """pred, target: (B,) normalised scores (this rank's batch); the
        histogram arguments are accepted and ignored. Returns a scalar."""
        target = check_scores(pred, target, type(self).__name__)
        n_ranks = world_size() if self.gather else 1
        local = pred
        if n_ranks > 1:
            pred, target = gather_scores(pred, target)
        if pred.numel() < 2:
            return zero_loss(local)
        p = pred - pred.mean()
        t = target - target.mean()
        r = (p * t).sum() / torch.sqrt(
            ((p * p).sum() + self.eps) * ((t * t).sum() + self.eps))
        return ddp_grad_scale(self.loss_weight * (1 - r), n_ranks)

    def extra_repr(self) -> str:
        return (f'loss_weight={self.loss_weight}, eps={self.eps}, '
                f'gather={self.gather}, loss_name={self.loss_name!r}')
