"""The encoder under probe: a HiViT from a checkpoint or a seeded random
initialisation.

Checkpoints: any MMEngine checkpoint whose ``state_dict`` (or the top level)
holds ``backbone.*`` keys: a QPT V2 pretraining checkpoint (``QPTV2``), a
fine-tuned scorer (``QualityScorer``) or a bare backbone state dict with the
prefix. The backbone is loaded *strictly*: a missing or unexpected key is an
error naming the file and the keys, so a probe never silently measures a
half-random encoder.

The encoder is built with ``final_norm=True`` (both model kinds have the
final LayerNorm) and ``out_indices=(0, 1, 2)``; the construction size is
224 (other sizes interpolate the position tables).
"""
import json
from typing import Optional, Union

import torch

from qpt.models.backbones.hivit import HiViT

__all__ = ['parse_arch', 'build_probe_encoder']


def parse_arch(arch: str) -> Union[str, dict]:
    """``'tiny'`` or a JSON dict such as
    ``'{"embed_dims": 64, "depths": [1, 1, 2], "num_heads": 2}'``."""
    arch = arch.strip()
    if arch.startswith('{'):
        try:
            return json.loads(arch)
        except json.JSONDecodeError as e:
            raise ValueError(f'--arch is not valid JSON: {e}') from None
    return arch


def build_probe_encoder(checkpoint: Optional[str] = None,
                        arch: Union[str, dict] = 'tiny',
                        seed: int = 0,
                        img_size: int = 224,
                        prefix: str = 'backbone.') -> HiViT:
    """A frozen-feature HiViT, from ``checkpoint`` or random (seeded).

    Args:
        checkpoint: path of a checkpoint with ``prefix`` keys, or ``None``
            for the random initialisation of the backbone after
            ``torch.manual_seed(seed)``.
        arch: HiViT arch name or settings dict.
        seed: seed of the random initialisation (ignored with a
            checkpoint).
        img_size: construction size of the position tables.
        prefix: key prefix of the backbone in the checkpoint.

    Returns:
        HiViT in eval mode, ``requires_grad`` off.

    Raises:
        KeyError: the checkpoint has no ``prefix`` keys, or its keys do not
            match the encoder exactly (the message lists them).
    """
    if checkpoint is None:
        torch.manual_seed(seed)
    model = HiViT(arch=arch, img_size=img_size, out_indices=(0, 1, 2),
                  final_norm=True)
    if checkpoint is not None:
        ckpt = torch.load(checkpoint, map_location='cpu', weights_only=False)
        state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) \
            else None
        if not isinstance(state, dict):
            raise KeyError(f'{checkpoint}: not a checkpoint dict')
        sub = {k[len(prefix):]: v for k, v in state.items()
               if k.startswith(prefix)}
        if not sub:
            raise KeyError(f'{checkpoint}: no "{prefix}*" keys (found e.g. '
                           f'{sorted(state)[:5]})')
        own = model.state_dict()
        missing = sorted(set(own) - set(sub))
        unexpected = sorted(set(sub) - set(own))
        if missing or unexpected:
            raise KeyError(f'{checkpoint}: backbone keys do not match the '
                           f'{arch} encoder: missing {missing[:10]} '
                           f'({len(missing)}), unexpected '
                           f'{unexpected[:10]} ({len(unexpected)})')
        model.load_state_dict(sub, strict=True)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model
