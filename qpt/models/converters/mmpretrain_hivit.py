"""mmpretrain HiViT checkpoints -> our HiViT.

Source layout (mmpretrain 1.2 ``models/backbones/hivit.py`` and
``MAEHiViT`` in ``models/selfsup/mae.py``; MMEngine checkpoints
``{'meta': ..., 'state_dict': ...}``): the backbone under ``backbone.``
(an ``ImageClassifier`` adds ``head.*``, an ``MAE`` model ``neck.*`` with
the decoder), named

- ``patch_embed.proj``, ``patch_embed.norm``;
- ``pos_embed`` (1, N, C) (ours: ``absolute_pos_embed``);
- with ``rpe=True``: a model-level buffer ``relative_position_index`` and
  one per main block, ``blocks.N.attn.relative_position_index`` (all the
  same Swin-style index), and ``blocks.N.attn.relative_position_bias_table``;
- ``blocks.N`` as in the official release (stem MLP blocks, PatchMerges
  ``norm``/``reduction``, main blocks ``norm1``, ``attn.qkv``,
  ``attn.proj``, ``norm2``, ``mlp.fc1``, ``mlp.fc2``), plus ``gamma_1`` /
  ``gamma_2`` when ``layer_scale_init_value > 0``;
- no final LayerNorm (mmpretrain's HiViT returns the last block's output;
  its ``_freeze_stages`` refers to an ``fc_norm`` that is never built).

Conversion: ``pos_embed`` is renamed; the per-block index copies are
verified and dropped; layer scales are folded exactly into the preceding
projection (``attn.proj`` for ``gamma_1``, ``mlp.fc2`` for ``gamma_2``);
everything outside ``backbone.`` is dropped. A dict without any
``backbone.`` key is taken as a bare backbone state dict.

Caveat not visible in the weights: mmpretrain's classification configs use
LayerNorm eps 1e-5 (``MAEHiViT``: 1e-6); ours is 1e-6, so features of a
converted classifier backbone differ slightly (about 1e-5 relative).
"""
from collections import OrderedDict
from typing import Any, Dict, Optional, Tuple

import torch

from .hivit_conversion import (ConversionReport, finalize_hivit_state_dict,
                               map_encoder_key, unwrap_state_dict)

__all__ = ['convert_mmpretrain_hivit']

#: layer scale -> the Linear whose output it scales.
_LAYER_SCALE_TARGET = {'gamma_1': 'attn.proj', 'gamma_2': 'mlp.fc2'}


def _fold_layer_scales(sd: Dict[str, torch.Tensor],
                       report: ConversionReport) -> None:
    """Fold ``blocks.N.gamma_k`` into the Linear that precedes it, in
    place: ``gamma * (W x + b) == (gamma[:, None] * W) x + gamma * b``."""
    folded = []
    for key in [k for k in sd if k.split('.')[-1] in _LAYER_SCALE_TARGET]:
        block, name = key.rsplit('.', 1)
        gamma = sd.pop(key).float()
        linear = f'{block}.{_LAYER_SCALE_TARGET[name]}'
        for suffix, scale in (('weight', gamma[:, None]), ('bias', gamma)):
            target = f'{linear}.{suffix}'
            if target not in sd:
                raise ValueError(f'cannot fold {key}: {target} is absent')
            sd[target] = (sd[target].float() * scale).to(sd[target].dtype)
        folded.append(key)
    if folded:
        report.notes.append(
            f'folded {len(folded)} layer scales exactly into the preceding '
            f'Linear (gamma_1 -> attn.proj, gamma_2 -> mlp.fc2): '
            f'{", ".join(folded[:4])}' + (', ...' if len(folded) > 4 else ''))


def convert_mmpretrain_hivit(
        checkpoint: Any,
        prefix: str = '',
        num_heads: Optional[int] = None,
        fill_missing: bool = False
) -> Tuple['OrderedDict[str, Any]', ConversionReport]:
    """Convert an mmpretrain HiViT (classifier, MAE or bare backbone)
    checkpoint.

    Args:
        checkpoint: the loaded checkpoint (``{'state_dict': ...}``) or a
            bare state dict.
        num_heads: heads of the main blocks when the weights cannot tell
            (``rpe=False``, the mmpretrain default).
        prefix, fill_missing: as for
            :func:`~qpt.models.converters.convert_hivit_mae` (the two
            converters are called the same way).

    Returns:
        (state dict in our names, report).

    Raises:
        ValueError: as :func:`~qpt.models.converters.convert_hivit_mae`.
    """
    src = unwrap_state_dict(checkpoint, ('state_dict', 'model', 'module'))
    report = ConversionReport(source_layout='mmpretrain HiViT')
    src_prefix = 'backbone.' if any(
        k.startswith('backbone.') for k in src) else ''
    sd: Dict[str, torch.Tensor] = OrderedDict()
    origin: Dict[str, str] = {}
    for key, value in src.items():
        if not key.startswith(src_prefix):
            part = key.split('.', 1)[0]
            report.unexpected[key] = (
                f'mmpretrain {part} (not part of the backbone)')
            continue
        dst = map_encoder_key(key[len(src_prefix):], value, key, report)
        if dst is None:
            continue
        sd[dst] = value
        origin[dst] = key
    _fold_layer_scales(sd, report)
    report.mapped = [(origin[k], k) for k in sd]
    report.notes.append(
        'mmpretrain classifier configs use LayerNorm eps 1e-5, ours 1e-6 '
        '(MAEHiViT uses 1e-6); the weights cannot tell which was used')
    return finalize_hivit_state_dict(sd, report, num_heads, fill_missing,
                                     prefix), report
