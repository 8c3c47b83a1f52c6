"""Gather a batch's scores from every rank for the batch-level losses.

``PLCCLoss`` and ``PairwiseRankLoss`` are functions of the whole batch (a
correlation, all pairs), so computed per GPU they are a different loss from
the one on the global batch. :func:`gather_scores` builds the global batch
on every rank; :func:`ddp_grad_scale` corrects the gradient for DDP's
averaging.
"""
from typing import Tuple

import torch
import torch.distributed as dist


def world_size() -> int:
    """The default process group's size; 1 without an initialised group."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    return 1


def gather_scores(pred: torch.Tensor,
                  target: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Concatenate every rank's (pred, target) in rank order.

    The other ranks' values are detached copies; this rank's ``pred`` sits in
    its slot with its graph, so the gradient flows to the local predictions
    only (each rank back-propagates into its own part). Ranks may hold
    different batch sizes (including 0): the sizes are gathered first and
    every rank pads to the largest. A no-op (the inputs are returned) in a
    single process. Every rank must call it (a collective).

    Args:
        pred: (B_r,) this rank's predictions.
        target: (B_r,) this rank's targets, same dtype and device as pred.

    Returns:
        ``(pred_all, target_all)``, both (sum_r B_r,).
    """
    n_ranks = world_size()
    if n_ranks == 1:
        return pred, target
    rank = dist.get_rank()
    size = torch.tensor([pred.numel()], device=pred.device, dtype=torch.long)
    sizes = [torch.zeros_like(size) for _ in range(n_ranks)]
    dist.all_gather(sizes, size)
    sizes = [int(s.item()) for s in sizes]
    longest = max(sizes)
    if longest == 0:
        return pred, target
    local = torch.stack([pred.detach(), target.detach()])  # (2, B_r)
    padded = local.new_zeros(2, longest)
    padded[:, :local.shape[1]] = local
    slots = [torch.empty_like(padded) for _ in range(n_ranks)]
    dist.all_gather(slots, padded.contiguous())
    preds = [slot[0, :n] for slot, n in zip(slots, sizes)]
    targets = [slot[1, :n] for slot, n in zip(slots, sizes)]
    preds[rank] = pred
    targets[rank] = target
    return torch.cat(preds), torch.cat(targets)


def ddp_grad_scale(loss: torch.Tensor, n_ranks: int) -> torch.Tensor:
    """``loss`` with its value unchanged and its gradient times ``n_ranks``.

    Every rank computes the same global loss L and back-propagates
    dL/d(its own predictions). DDP then *averages* the parameter gradients
    over ranks, which gives ``1 / n_ranks`` of dL/dtheta; scaling each
    rank's gradient by ``n_ranks`` makes the averaged gradient exactly the
    gradient of the global-batch loss. The logged value stays L
    (``loss - loss.detach()`` is exactly 0 in the forward pass).
    """
    if n_ranks == 1:
        return loss
    return loss + (n_ranks - 1) * (loss - loss.detach())
