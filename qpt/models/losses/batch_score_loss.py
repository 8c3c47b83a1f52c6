"""The base of the losses that are functions of the whole batch."""
from typing import Optional

import torch

from ._checks import check_scores, zero_loss
from ._gather import ddp_grad_scale, gather_scores, world_size
from .base_score_loss import BaseScoreLoss

__all__ = ['BatchScoreLoss']


class BatchScoreLoss(BaseScoreLoss):
    """A score loss over the whole (optionally global) batch.

    Distributed training: with ``gather=True`` (the default) and an
    initialised process group, the loss is computed on the *global* batch:
    every rank gathers all ranks' predictions and targets (the other ranks'
    as detached copies, its own with its graph; unequal batch sizes are
    padded), so every rank returns the same value, the loss on the global
    batch. Its gradient with respect to the local predictions is multiplied
    by the world size, so that DDP's averaging of the gradients over ranks
    yields exactly the gradient of the global-batch loss (the logged value
    is not scaled). Only use it under a wrapper that averages gradients
    over ranks (MMDistributedDataParallel, DDP, FSDP). In a single process
    it changes nothing. ``gather=False`` computes the loss on each GPU's own
    batch (the FAST-VQA recipes' behaviour): a different, noisier loss when
    the per-GPU batch is small.

    Subclasses implement :meth:`_batch_loss`; a batch on which the loss is
    undefined gives 0, kept on the graph. The histogram arguments are
    accepted and ignored.

    Args:
        loss_weight: factor on the loss.
        gather: compute over the global batch in distributed runs.
        loss_name: the log key becomes ``loss_{loss_name}``; None: the
            class's ``default_loss_name``.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 gather: bool = True,
                 loss_name: Optional[str] = None) -> None:
        super().__init__(loss_weight, loss_name)
        self.gather = bool(gather)

    def forward(self,
                pred: torch.Tensor,
                target: torch.Tensor,
                pred_hist: Optional[torch.Tensor] = None,
                target_hist: Optional[torch.Tensor] = None) -> torch.Tensor:
        """pred, target: (B,) normalised scores (this rank's batch). Returns
        a scalar."""
        target = check_scores(pred, target, type(self).__name__)
        n_ranks = world_size() if self.gather else 1
        local = pred
        if n_ranks > 1:
            pred, target = gather_scores(pred, target)
        loss = self._batch_loss(pred, target)
        if loss is None:
            return zero_loss(local)
        return ddp_grad_scale(self.loss_weight * loss, n_ranks)

    def _batch_loss(self, pred: torch.Tensor,
                    target: torch.Tensor) -> Optional[torch.Tensor]:
        """The unweighted loss of the (gathered) batch: (B,), (B,) -> a
        scalar, or None where it is undefined (too few samples)."""
        raise NotImplementedError
