"""Strict comparison of a state dict with a model, with a readable report."""
from typing import Dict, List, Mapping, Tuple

import torch
import torch.nn as nn

__all__ = ['StateDictMismatchError', 'compare_state_dict', 'check_state_dict']

Shape = Tuple[int, ...]


class StateDictMismatchError(RuntimeError):
    """A state dict does not match a model; the message lists every missing,
    unexpected and mis-shaped key."""

    def __init__(self, message: str, missing: List[str],
                 unexpected: List[str],
                 mismatched: List[Tuple[str, Shape, Shape]]) -> None:
        super().__init__(message)
        self.missing = missing
        self.unexpected = unexpected
        self.mismatched = mismatched


def compare_state_dict(
    model: nn.Module, state_dict: Mapping[str, torch.Tensor]
) -> Tuple[List[str], List[str], List[Tuple[str, Shape, Shape]]]:
    """Keys of ``model.state_dict()`` vs ``state_dict``.

    Returns:
        (missing, unexpected, mismatched): sorted key lists; ``mismatched``
        holds (key, model shape, checkpoint shape).
    """
    expected: Dict[str, torch.Tensor] = model.state_dict()
    missing = sorted(set(expected) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(expected))
    mismatched = []
    for key in sorted(set(expected) & set(state_dict)):
        want = tuple(expected[key].shape)
        got = tuple(getattr(state_dict[key], 'shape', ()))
        if want != got:
            mismatched.append((key, want, got))
    return missing, unexpected, mismatched


def check_state_dict(model: nn.Module,
                     state_dict: Mapping[str, torch.Tensor],
                     source: str = 'the checkpoint') -> None:
    """Raise unless ``state_dict`` matches ``model`` key for key and shape
    for shape (what ``load_state_dict(strict=True)`` needs, checked before
    loading so that the report is complete and nothing is half-loaded).

    Args:
        model: the target model.
        state_dict: name -> tensor.
        source: what to call the state dict in the message (a file name).

    Raises:
        StateDictMismatchError: naming every missing key, unexpected key and
            mis-shaped key (with the model's and the checkpoint's shapes).
    """
    missing, unexpected, mismatched = compare_state_dict(model, state_dict)
    if not (missing or unexpected or mismatched):
        return
    lines = [f'{source} does not match {type(model).__name__}: '
             f'{len(missing)} missing, {len(unexpected)} unexpected, '
             f'{len(mismatched)} mis-shaped keys']
    lines += [f'  missing in checkpoint: {k}' for k in missing]
    lines += [f'  unexpected in checkpoint: {k}' for k in unexpected]
    lines += [
        f'  shape mismatch: {k}: model {list(want)}, checkpoint {list(got)}'
        for k, want, got in mismatched
    ]
    raise StateDictMismatchError('\n'.join(lines), missing, unexpected,
                                 mismatched)
