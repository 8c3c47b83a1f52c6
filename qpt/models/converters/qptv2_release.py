"""The authors' released QPT V2 fine-tuned image checkpoints -> our names.

A released file (``iqa.pth``, ``iaa.pth``) is ``{'params': state_dict}``
(the BasicSR / pyiqa convention). Its encoder keys (``patch_embed.*``,
``blocks.N.*``, ``absolute_pos_embed``, ``relative_position_index``,
``norm.*``) are already the names of :class:`qpt.models.backbones.HiViT`,
and its head ``quality_regressor.fc_cls.{0,3}`` is the ``fc_cls`` of
:class:`qpt.models.heads.QualityRegressionHead`. So the conversion is a
prefix rename into :class:`qpt.models.algorithms.QualityScorer`::

    <encoder key>              -> backbone.<encoder key>
    quality_regressor.fc_cls.* -> head.fc_cls.*
"""
from typing import Any, Dict, Mapping

import torch

from .state_dict_check import check_state_dict  # noqa: F401 (re-export)

__all__ = [
    'RELEASE_WRAPPER_KEY', 'RELEASE_HEAD_PREFIX', 'is_qptv2_release',
    'convert_qptv2_release', 'check_state_dict'
]

#: Top-level key of a released file.
RELEASE_WRAPPER_KEY = 'params'
#: Prefix of the released head.
RELEASE_HEAD_PREFIX = 'quality_regressor.'
#: Encoder key prefixes / names of a released file (HiViT names).
_ENCODER_PREFIXES = ('patch_embed.', 'blocks.', 'norm.')
_ENCODER_NAMES = ('absolute_pos_embed', 'relative_position_index')


def _is_encoder_key(key: str) -> bool:
    return key in _ENCODER_NAMES or key.startswith(_ENCODER_PREFIXES)


def is_qptv2_release(checkpoint: Any) -> bool:
    """True for a loaded released file: ``{'params': state_dict}`` whose
    keys are unprefixed HiViT encoder keys plus ``quality_regressor.*``.

    Args:
        checkpoint: what ``torch.load`` returned.
    """
    if not isinstance(checkpoint, Mapping):
        return False
    params = checkpoint.get(RELEASE_WRAPPER_KEY)
    if not isinstance(params, Mapping) or not params:
        return False
    keys = list(params)
    return (any(k.startswith(RELEASE_HEAD_PREFIX) for k in keys)
            and any(k.startswith('blocks.') for k in keys)
            and all(_is_encoder_key(k) or k.startswith(RELEASE_HEAD_PREFIX)
                    for k in keys))


def convert_qptv2_release(
        state_dict: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Rename a released state dict (the value of ``'params'``, or the whole
    loaded file) into ``QualityScorer`` keys.

    Args:
        state_dict: released name -> tensor.

    Returns:
        Our name -> the same tensor, in the input order.

    Raises:
        KeyError: for a key that is neither an encoder nor a head key (the
            file is not a released image checkpoint).
    """
    if RELEASE_WRAPPER_KEY in state_dict and isinstance(
            state_dict[RELEASE_WRAPPER_KEY], Mapping):
        state_dict = state_dict[RELEASE_WRAPPER_KEY]
    out: Dict[str, torch.Tensor] = {}
    for key, value in state_dict.items():
        if key.startswith(RELEASE_HEAD_PREFIX):
            out['head.' + key[len(RELEASE_HEAD_PREFIX):]] = value
        elif _is_encoder_key(key):
            out['backbone.' + key] = value
        else:
            raise KeyError(f'{key!r} is not a key of a released QPT V2 image '
                           'checkpoint (expected HiViT encoder keys and '
                           f'{RELEASE_HEAD_PREFIX}fc_cls.*)')
    return out
