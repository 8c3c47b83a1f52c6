"""Official HiViT MAE (and HiViT fine-tuning) checkpoints -> our HiViT.

Source layout (the official HiViT code base, ``self_supervised/models/
models_hivit_mae.py`` and ``models_hivit.py``; checkpoints written by the
MAE training script as ``{'model': state_dict, 'optimizer': ..., 'epoch':
..., 'args': ...}``):

- encoder: ``patch_embed.proj``, ``patch_embed.norm``, ``blocks.N``
  (``norm2``/``mlp.fc1``/``mlp.fc2`` for the stem MLP blocks,
  ``norm``/``reduction`` for the two PatchMerges, plus ``norm1``,
  ``attn.qkv``, ``attn.proj`` and, with ``rpe=True``,
  ``attn.relative_position_bias_table`` for the main blocks),
  ``absolute_pos_embed`` (fixed sin-cos in MAE; some forks name it
  ``pos_embed``), the buffer ``relative_position_index`` (``rpe=True``
  only; the released MAE HiViT-B uses ``rpe=False``), and ``norm``;
- MAE decoder: ``decoder_embed``, ``mask_token``, ``decoder_pos_embed``,
  ``decoder_blocks.N``, ``decoder_norm``, ``decoder_pred``;
- fine-tuned classifiers instead carry ``fc_norm`` and ``head``.

Our HiViT uses the same encoder names, so the mapping is the identity
except for ``pos_embed`` -> ``absolute_pos_embed``. Two things are not
mapped:

- ``norm`` of the ``hifeat=True`` MAE models (HiViT-B) normalises the
  concatenation of all three stages (7 C wide), not the main stage; it has
  no counterpart and is dropped (our ``norm`` is then missing). With
  ``hifeat=False`` the encoder ``norm`` (C wide) is mapped although the
  official MAE forward never applies it (it stays at its initial value);
- the decoder, ``fc_norm`` and ``head`` are dropped (QPT V2 has its own
  decoder and scoring head).
"""
from collections import OrderedDict
from typing import Any, Optional, Tuple

from .hivit_conversion import (ConversionReport, finalize_hivit_state_dict,
                               map_encoder_key, unwrap_state_dict)

__all__ = ['convert_hivit_mae']

#: source key prefixes that are dropped, with the reason.
_DROPPED = (
    ('decoder_', 'MAE decoder (QPT V2 has its own)'),
    ('mask_token', 'MAE decoder mask token (QPT V2 has its own)'),
    ('fc_norm.', 'classifier pooling norm (fine-tuned model)'),
    ('head.', 'classifier head (fine-tuned model)'),
)


def convert_hivit_mae(checkpoint: Any,
                      prefix: str = '',
                      num_heads: Optional[int] = None,
                      fill_missing: bool = False
                      ) -> Tuple['OrderedDict[str, Any]', ConversionReport]:
    """Convert an official HiViT MAE / fine-tuning checkpoint.

    Args:
        checkpoint: the loaded checkpoint (``{'model': state_dict}``) or a
            bare state dict.
        prefix: prepended to our keys (``'backbone.'`` for a QPTV2 or
            QualityScorer model; ``''`` for a bare HiViT).
        num_heads: heads of the main blocks when the weights cannot tell
            (no relative position bias).
        fill_missing: see :func:`finalize_hivit_state_dict` (zero relative
            position tables, a fresh final norm).

    Returns:
        (state dict in our names, report).

    Raises:
        ValueError: not a HiViT checkpoint, a shape our HiViT does not
            accept, or a relative position index in another convention.
    """
    src = unwrap_state_dict(checkpoint, ('model', 'state_dict', 'module'))
    report = ConversionReport(source_layout='official HiViT MAE')
    sd = OrderedDict()
    # main-stage width, to tell the encoder norm from the hifeat norm
    c3 = next((v.shape[1] for k, v in src.items()
               if k.startswith('blocks.') and k.endswith('attn.qkv.weight')),
              None)
    for key, value in src.items():
        reason = next((why for p, why in _DROPPED if key.startswith(p)),
                      None)
        if reason is not None:
            report.unexpected[key] = reason
            continue
        if key in ('norm.weight', 'norm.bias'):
            if c3 is not None and value.shape[0] != c3:
                report.unexpected[key] = (
                    f'norm over the concatenated multi-scale feature '
                    f'(hifeat, {value.shape[0]} = 7 x {c3} wide); ours '
                    f'normalises the main stage only')
                continue
            dst = key
        else:
            dst = map_encoder_key(key, value, key, report,
                                  pos_names=('absolute_pos_embed',
                                             'pos_embed'))
            if dst is None:
                continue
        if dst in sd:
            raise ValueError(f'two source tensors map to {dst} (the '
                             f'checkpoint holds both pos_embed and '
                             f'absolute_pos_embed?)')
        sd[dst] = value
        report.mapped.append((key, dst))
    if 'norm.weight' in sd and any(k.startswith('decoder_') for k in src):
        report.notes.append(
            'the official MAE forward (hifeat=False) does not apply the '
            'encoder norm, so its mapped weights are still at their '
            'initial values')
    return finalize_hivit_state_dict(sd, report, num_heads, fill_missing,
                                     prefix), report
