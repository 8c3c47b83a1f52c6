"""Loading a checkpoint into a quality scorer: our format, a released QPT V2
file or a QPT V2 pretraining checkpoint (encoder only)."""
import os
from collections import OrderedDict
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Union

import torch
import torch.nn as nn
from mmengine.logging import print_log

from qpt.models.converters import (check_state_dict,
                                   convert_qptv2_release, is_qptv2_release)
from qpt.models.converters.inflate import (
    load_image_checkpoint_into_video_model, needs_inflation)
from qpt.models.initializers import load_backbone_strictly
from qpt.utils.checkpoint_compat import register_checkpoint_safe_globals

__all__ = [
    'read_checkpoint', 'extract_state_dict', 'is_pretrain_state_dict',
    'load_scorer_checkpoint'
]

#: Key prefixes that only a QPT V2 (MIM) pretraining model has.
PRETRAIN_ONLY_PREFIXES = ('neck.', 'decoder.')


def read_checkpoint(path: Union[str, Path]) -> Any:
    """``torch.load`` on the CPU with ``weights_only=True`` (the types of an
    MMEngine Runner checkpoint are allow-listed).

    Raises:
        FileNotFoundError / RuntimeError: naming the file.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: no such checkpoint file')
    register_checkpoint_safe_globals()
    try:
        return torch.load(path, map_location='cpu', weights_only=True)
    except Exception as e:  # noqa: BLE001 (re-raised with the file name)
        raise RuntimeError(f'{path}: cannot read the checkpoint '
                           f'({type(e).__name__}: {e})') from e


def extract_state_dict(checkpoint: Any,
                       source: str = 'the checkpoint'
                       ) -> 'OrderedDict[str, torch.Tensor]':
    """The state dict of a loaded checkpoint in our (MMEngine) format:
    ``checkpoint['state_dict']``, or the checkpoint itself when it is a bare
    name -> tensor mapping. A ``module.`` prefix on every key (a state dict
    saved from a DDP wrapper) is removed."""
    if isinstance(checkpoint, Mapping) and isinstance(
            checkpoint.get('state_dict'), Mapping):
        state_dict = checkpoint['state_dict']
    elif isinstance(checkpoint, Mapping) and checkpoint and all(
            isinstance(v, torch.Tensor) for v in checkpoint.values()):
        state_dict = checkpoint
    else:
        keys = list(checkpoint)[:8] if isinstance(checkpoint, Mapping) \
            else type(checkpoint).__name__
        raise ValueError(
            f'{source}: not a qpt checkpoint (no "state_dict"), a released '
            f'QPT V2 file ({{"params": ...}}) or a state dict; found {keys}')
    keys = list(state_dict)
    if keys and all(k.startswith('module.') for k in keys):
        state_dict = {k[len('module.'):]: v for k, v in state_dict.items()}
    return OrderedDict(state_dict)


def is_pretrain_state_dict(state_dict: Mapping[str, Any]) -> bool:
    """True for a QPT V2 pretraining state dict (it has a fusion neck or a
    MIM decoder, which a scorer never has)."""
    return any(k.startswith(PRETRAIN_ONLY_PREFIXES) for k in state_dict)


def _load_encoder_only(model: nn.Module, state_dict: Mapping[str, Any],
                       source: str) -> Dict[str, List[str]]:
    """Load the ``backbone.*`` tensors of a pretraining state dict, strictly
    (:func:`qpt.models.initializers.load_backbone_strictly`: any backbone
    key missing, unexpected or mis-shaped is an error listing them all)."""
    if not any(k.startswith('backbone.') for k in state_dict):
        raise ValueError(f'{source}: a pretraining checkpoint without any '
                         'backbone.* tensor')
    loaded = load_backbone_strictly(model, state_dict, source=source)
    report = dict(
        loaded=sorted('backbone.' + k for k in loaded.loaded),
        not_loaded=sorted(k for k in model.state_dict()
                          if not k.startswith('backbone.')),
        ignored=sorted(k for k in state_dict
                       if not k.startswith('backbone.')))
    if report['not_loaded']:
        print_log(
            f'{source}: not in a pretraining checkpoint, left at '
            f'initialisation ({len(report["not_loaded"])}): '
            + ', '.join(report['not_loaded']),
            logger='current')
    return report


def load_scorer_checkpoint(model: nn.Module,
                           checkpoint: Union[str, Path, Mapping],
                           source: Optional[str] = None) -> Dict[str, Any]:
    """Load weights into a ``QualityScorer`` (or any model with our names).

    Accepted, detected in this order:

    1. a released QPT V2 image file ``{'params': ...}``
       (:func:`qpt.models.converters.is_qptv2_release`): converted, then
       loaded strictly;
    2. a QPT V2 pretraining checkpoint (it has ``neck.*`` / ``decoder.*``):
       only ``backbone.*`` is loaded, strictly (every backbone key of the
       model, no other, same shapes); the head stays at its
       initialisation; what was loaded and skipped is logged;
    3. our format (``{'meta': ..., 'state_dict': ...}``, a Runner checkpoint
       or a bare state dict): loaded strictly.

    A strict load checks every key and shape first and raises
    :class:`qpt.models.converters.StateDictMismatchError` listing all
    differences; nothing is loaded then.

    Args:
        model: the model (unwrapped).
        checkpoint: a file path or an already loaded checkpoint.
        source: the name errors and logs give an already loaded checkpoint
            (default: its path, or 'the checkpoint').

    Returns:
        dict(kind='qptv2_release' | 'pretrain_encoder' | 'qpt',
        loaded=[...], not_loaded=[...], ignored=[...]).
    """
    if isinstance(checkpoint, Mapping):
        source, ckpt = source or 'the checkpoint', checkpoint
    else:
        source = os.fspath(checkpoint)
        ckpt = read_checkpoint(source)
    if needs_inflation(model, ckpt):
        # 2-D patch kernel in the file, 3-D in the model: image weights for
        # a video model, inflated (qpt.models.converters.inflate).
        report = load_image_checkpoint_into_video_model(
            model, ckpt, source=source)
        return dict(
            kind=f'inflated_{report.kind}',
            loaded=report.copied + [k for k, _, _ in report.inflated],
            not_loaded=report.missing,
            ignored=report.unexpected)
    if is_qptv2_release(ckpt):
        kind = 'qptv2_release'
        state_dict = convert_qptv2_release(ckpt)
    else:
        state_dict = extract_state_dict(ckpt, source)
        if is_pretrain_state_dict(state_dict):
            report = _load_encoder_only(model, state_dict, source)
            return dict(kind='pretrain_encoder', **report)
        kind = 'qpt'
    check_state_dict(model, state_dict, source=source)
    model.load_state_dict(state_dict, strict=True)
    print_log(f'{source}: loaded {len(state_dict)} tensors strictly '
              f'({kind})', logger='current')
    return dict(kind=kind, loaded=list(state_dict), not_loaded=[], ignored=[])
