"""Input checks shared by the score losses."""
from typing import Optional

import torch


def check_scores(pred: torch.Tensor, target: torch.Tensor,
                 loss: str) -> torch.Tensor:
    """Validate a score pair and return ``target`` as ``pred``'s dtype.

    Args:
        pred: (B,) predicted normalised scores.
        target: (B,) target normalised scores.
        loss: the loss's name, for the error message.

    Returns:
        ``target`` (B,) on ``pred``'s device and dtype.
    """
    if pred.dim() != 1:
        raise ValueError(f'{loss}: pred must be (B,) scores, got shape '
                         f'{tuple(pred.shape)} (a histogram head gives its '
                         'expected score as pred and its bins as pred_hist)')
    target = target.to(device=pred.device, dtype=pred.dtype).reshape(-1)
    if target.shape != pred.shape:
        raise ValueError(f'{loss}: target has {target.numel()} values, pred '
                         f'has {pred.numel()}')
    return target


def zero_loss(pred: torch.Tensor) -> torch.Tensor:
    """A zero that stays attached to ``pred``'s graph (so DDP sees every
    parameter used) for batches on which a loss is undefined."""
    return pred.sum() * 0.


def check_hist(hist: Optional[torch.Tensor], what: str,
               batch: int) -> torch.Tensor:
    """Validate a (B, K) histogram argument; ``what`` names it."""
    if hist is None:
        raise ValueError(f'EMDLoss needs {what}')
    if hist.dim() != 2 or hist.shape[0] != batch:
        raise ValueError(f'EMDLoss: {what.split(":")[0]} must be (B, K) with '
                         f'B = {batch}, got shape {tuple(hist.shape)}')
    return hist
