"""Strict encoder initialisation from a QPT V2 checkpoint (image models).

mmengine's ``Pretrained`` initialiser loads by name with ``strict=False``:
a backbone tensor that is missing from the file, or has another shape,
gives a warning and training goes on from partly random weights. This
initialiser loads the encoder *all or nothing*:

- every key of the target encoder must be in the checkpoint's encoder part
  with the same shape, and the checkpoint's encoder part must hold no key
  the encoder lacks; otherwise
  :class:`~qpt.models.converters.StateDictMismatchError` lists every
  missing, unexpected and mis-shaped key (the check of
  :func:`qpt.models.converters.check_state_dict`, the same one the strict
  scorer loading and the inflation path use) and nothing is loaded;
- everything outside the encoder (the pretraining fusion ``neck.*``, the
  MIM ``decoder.*`` with its ``mask_token``, a ``head.*``) is skipped on
  purpose, and the log says so, group by group::

      loaded 42/42 backbone tensors from work_dirs/.../iter_300.pth (QPT V2
      pretraining checkpoint); skipped: neck.* (6), decoder.* (17, incl.
      decoder.mask_token)

Accepted checkpoints (the formats the video inflation path reads, parsed by
the same code): a QPT V2 pretraining checkpoint (``backbone.*`` plus
``neck.*`` / ``decoder.*``; a Runner file or a bare state dict), our image
``QualityScorer`` checkpoint (``backbone.*``, ``head.*``), a released QPT V2
image file (``{'params': ...}`` with ``quality_regressor.*``) and a bare
HiViT state dict. Foreign layouts (official HiViT MAE, mmpretrain HiViT)
are converted first (``tools/model_converters/hivit_mae_to_qpt.py``,
``mmpretrain_hivit_to_qpt.py``); loaded directly, their foreign keys are
reported as unexpected or missing.

Use on the encoder of an image scorer::

    model = dict(backbone=dict(init_cfg=dict(
        type='StrictPretrained', checkpoint='work_dirs/pretrain_hivit')))

For a video model use ``InflatedPretrained``
(:mod:`qpt.models.initializers.inflated_pretrained`).
"""
import logging
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmengine.model.weight_init import update_init_info

from qpt.registry import WEIGHT_INITIALIZERS
from ..backbones.hivit import HiViT
from ..backbones.hivit_3d import HiViT3D
from ..converters.hivit_conversion import unwrap_state_dict
from ..converters.inflate import _image_state_dict, _read_checkpoint
from ..converters.state_dict_check import check_state_dict

__all__ = [
    'BackboneLoadReport', 'load_backbone_strictly', 'StrictPretrainedInit'
]

#: What each kind of checkpoint is called in the log.
_KIND_NAMES = {
    'pretrain': 'QPT V2 pretraining checkpoint',
    'scorer': 'image scorer checkpoint',
    'release': 'released QPT V2 image checkpoint',
    'backbone': 'bare encoder state dict',
}
#: Skipped keys called out by name inside their group.
_NAMED_KEYS = ('mask_token', )


@dataclass
class BackboneLoadReport:
    """What :func:`load_backbone_strictly` loaded and skipped.

    Attributes:
        source: the checkpoint's file name (or a description).
        kind: ``'pretrain'``, ``'scorer'``, ``'release'`` or ``'backbone'``.
        loaded: encoder keys loaded (the encoder's own names), all of them.
        total: number of tensors in the encoder's state dict (== the
            number loaded: the load is strict).
        skipped: top-level group (``'neck'``, ``'decoder'``, ``'head'``)
            -> the checkpoint keys of that group, skipped on purpose.
        fresh: encoder keys that keep the model's own initialisation
            (the ``fresh`` prefixes of :func:`load_backbone_strictly`).
    """
    source: str
    kind: str
    loaded: List[str] = field(default_factory=list)
    total: int = 0
    skipped: Dict[str, List[str]] = field(default_factory=dict)
    fresh: List[str] = field(default_factory=list)

    def summary(self) -> str:
        """One log line (see the module docstring)."""
        groups = []
        for group, keys in self.skipped.items():
            named = [k for k in keys if k.rsplit('.', 1)[-1] in _NAMED_KEYS]
            extra = f', incl. {", ".join(named)}' if named else ''
            groups.append(f'{group}.* ({len(keys)}{extra})')
        kind = _KIND_NAMES.get(self.kind, self.kind)
        fresh = (f'; initialised fresh: {", ".join(self.fresh)}'
                 if self.fresh else '')
        return (f'loaded {len(self.loaded)}/{self.total} backbone tensors '
                f'from {self.source} ({kind}); skipped: '
                + (', '.join(groups) if groups else 'nothing') + fresh)


def _target_encoder(module: nn.Module) -> nn.Module:
    """The HiViT to load: ``module`` itself or its ``backbone``."""
    encoder = module if isinstance(module, HiViT) else getattr(
        module, 'backbone', None)
    if not isinstance(encoder, HiViT):
        raise TypeError(
            f'StrictPretrained loads a HiViT encoder: apply it to a HiViT or '
            f'to a model with a HiViT .backbone, not to '
            f'{type(module).__name__}')
    if isinstance(encoder, HiViT3D):
        raise TypeError(
            'StrictPretrained loads image weights into an image encoder; '
            'for a HiViT3D (video) model use '
            "init_cfg=dict(type='InflatedPretrained', checkpoint=...)")
    return encoder


def _skipped_groups(ckpt: Any, scorer_sd: Mapping[str, torch.Tensor],
                    kind: str) -> Dict[str, List[str]]:
    """Checkpoint keys outside the encoder, by top-level group."""
    if kind == 'pretrain':
        # the parser keeps backbone.* only; list what it dropped
        raw = unwrap_state_dict(ckpt, ('state_dict', 'model', 'module'))
        others = [k for k in raw if not k.startswith('backbone.')]
    else:
        others = [k for k in scorer_sd if not k.startswith('backbone.')]
    groups: Dict[str, List[str]] = OrderedDict()
    for key in others:
        groups.setdefault(key.split('.', 1)[0], []).append(key)
    return groups


def load_backbone_strictly(module: nn.Module,
                           checkpoint: Union[str, os.PathLike, Mapping],
                           logger: Optional[str] = 'current',
                           source: Optional[str] = None,
                           fresh: Sequence[str] = ()
                           ) -> BackboneLoadReport:
    """Load the encoder of a QPT V2 checkpoint into an image model,
    strictly.

    Args:
        module: a :class:`~qpt.models.backbones.HiViT` or a model whose
            ``backbone`` is one (e.g. an image ``QualityScorer``; only its
            backbone is loaded).
        checkpoint: a file name / URL (anything mmengine's
            ``CheckpointLoader`` reads), a pretraining work dir (the
            checkpoint its ``last_checkpoint`` names: the file name of the
            last iteration depends on the run's GPU count) or an already
            loaded checkpoint (formats: see the module docstring).
        logger: where :meth:`BackboneLoadReport.summary` goes
            (``print_log``, INFO); None: silent.
        source: the name to report for an already loaded ``checkpoint``.
        fresh: encoder key prefixes (e.g. ``('norm.', )``) that keep the
            model's own initialisation, on purpose: a checkpoint without
            them is complete, and the checkpoint's copy, if it has one, is
            not used. For a ``fusion='hifeat'`` pretraining, which has no
            final encoder norm (``final_norm=False``), the scorer's
            ``norm.*`` starts fresh. Every prefix must match an encoder key;
            every other key is still loaded strictly.

    Returns:
        :class:`BackboneLoadReport`.

    Raises:
        StateDictMismatchError: the checkpoint's encoder differs from the
            model's in any key or shape; the message lists every missing,
            unexpected and mis-shaped key; nothing is loaded.
        ValueError: the file holds no HiViT state dict.
        TypeError: ``module`` holds no image HiViT.
    """
    encoder = _target_encoder(module)
    ckpt, name = _read_checkpoint(checkpoint)
    source = source or name
    try:
        scorer_sd, kind = _image_state_dict(ckpt)
    except ValueError as e:
        raise ValueError(f'{source}: {e}') from e
    encoder_sd: Dict[str, torch.Tensor] = OrderedDict(
        (k[len('backbone.'):], v) for k, v in scorer_sd.items()
        if k.startswith('backbone.'))
    own = encoder.state_dict()
    fresh_keys = _fresh_keys(own, fresh, source)
    loaded = [k for k in encoder_sd if k not in fresh_keys]
    encoder_sd.update((k, own[k]) for k in fresh_keys)
    check_state_dict(
        encoder, encoder_sd,
        source=f'{source} (backbone.* of a '
        f'{_KIND_NAMES.get(kind, kind)})')
    encoder.load_state_dict(encoder_sd, strict=True)
    report = BackboneLoadReport(
        source=source,
        kind=kind,
        loaded=loaded,
        total=len(own),
        skipped=_skipped_groups(ckpt, scorer_sd, kind),
        fresh=fresh_keys)
    if logger is not None:
        print_log(report.summary(), logger=logger, level=logging.INFO)
    return report


def _fresh_keys(own: Mapping[str, torch.Tensor], prefixes: Sequence[str],
                source: str) -> List[str]:
    """The encoder keys under ``prefixes``; a prefix matching none is an
    error (a typo would otherwise load nothing fresh, silently)."""
    if isinstance(prefixes, str):
        prefixes = (prefixes, )
    keys = []
    for prefix in prefixes:
        match = [k for k in own if k.startswith(prefix)]
        if not match:
            raise ValueError(
                f'{source}: fresh={prefix!r} matches no encoder key '
                f'(encoder keys start with: '
                f'{sorted({k.split(".", 1)[0] + "." for k in own})})')
        keys += [k for k in match if k not in keys]
    return keys


@WEIGHT_INITIALIZERS.register_module(name='StrictPretrained')
class StrictPretrainedInit:
    """``init_cfg`` that loads a QPT V2 checkpoint's encoder strictly.

    Put it on the image scorer's backbone (or on the scorer: only the
    backbone is loaded). Unlike mmengine's ``Pretrained`` it fails on any
    missing, unexpected or mis-shaped encoder tensor, listing them all, and
    logs what was loaded and what was skipped (see the module docstring).

    mmengine runs initialisers other than ``Pretrained`` *before* the
    children's own ``init_weights``; the loaded encoder is therefore marked
    initialised so that nothing re-initialises it afterwards.

    Args:
        checkpoint: the checkpoint (see :func:`load_backbone_strictly`).
        fresh: encoder key prefixes that keep their own initialisation (see
            :func:`load_backbone_strictly`), e.g. ``['norm.']`` after a
            ``fusion='hifeat'`` pretraining.
    """

    def __init__(self, checkpoint: str, fresh: Sequence[str] = ()) -> None:
        self.checkpoint = checkpoint
        self.fresh = tuple([fresh] if isinstance(fresh, str) else fresh)
        self.wholemodule = False
        self.report: Optional[BackboneLoadReport] = None

    def __call__(self, module: nn.Module) -> None:
        self.report = load_backbone_strictly(module, self.checkpoint,
                                             fresh=self.fresh)
        encoder = _target_encoder(module)
        for sub in encoder.modules():
            if isinstance(sub, BaseModule) and sub is not module:
                sub._is_init = True
        if hasattr(module, '_params_init_info'):
            update_init_info(
                module,
                init_info=f'StrictPretrained: backbone loaded strictly from '
                f'{self.checkpoint}')

    def __repr__(self) -> str:
        fresh = f', fresh={list(self.fresh)}' if self.fresh else ''
        return (f"{type(self).__name__}(checkpoint='{self.checkpoint}'"
                f'{fresh})')
