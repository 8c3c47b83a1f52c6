"""Weight inflation: image (2-D HiViT) weights -> the video model (HiViT3D).

QPT V2 turns its image encoder into a spatio-temporal one by inflation
(project reference, sections 1 and 3). Parameter names are the same in both
models; four kinds of tensors change shape, everything else is copied:

==========================================  ==================================
2-D tensor                                  3-D tensor
==========================================  ==================================
``patch_embed.proj.weight`` (C1, 3, 4, 4)   (C1, 3, tp, 4, 4): the kernel
                                            repeated over time, divided by tp
``absolute_pos_embed`` (1, h*w, C)          (1, T'*h*w, C): tiled over time
``*.relative_position_bias_table``          ((2T'-1)(2h-1)(2w-1), heads): the
((2h-1)(2w-1), heads)                       same spatial table for every
                                            temporal offset (tiled)
``relative_position_index`` (h*w, h*w)      the video model's own 3-D index
                                            (a function of the grid, rebuilt)
==========================================  ==================================

With these rules a static clip (one frame repeated) gets exactly the score
the image model gives the frame (see :mod:`qpt.models.backbones.hivit_3d`).
The frame grid (h, w) of both models must agree (build the video model with
the image model's ``img_size``); every other shape must match exactly.

Entry points:

* :func:`inflate_hivit_state_dict` - a 2-D state dict -> a state dict for a
  model holding a :class:`~qpt.models.backbones.HiViT3D` (the backbone
  itself or, e.g., a video ``QualityScorer``), strictly checked.
* :func:`load_image_checkpoint_into_video_model` - a checkpoint file (a QPT
  V2 pretraining checkpoint, a released QPT V2 image checkpoint, our image
  ``QualityScorer`` checkpoint, or a bare HiViT state dict) inflated and
  loaded into a video model, with a logged report. ``qpt.apis.init_model``
  calls it when the checkpoint's patch kernel is 4-D and the model's 5-D.
* ``init_cfg=dict(type='InflatedPretrained', checkpoint=...)`` - the same
  from a config (:class:`~qpt.models.initializers.InflatedPretrainedInit`,
  in ``qpt/models/initializers/inflated_pretrained.py``). mmengine's
  ``Pretrained`` initialiser (and ``load_from``) load by name with
  ``strict=False`` and would skip the mis-shaped tensors silently: use this
  one for image weights, ``load_from`` for video checkpoints.
"""
import logging
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.logging import print_log

from ..backbones.hivit_3d import HiViT3D, tile_over_time
from .qptv2_release import convert_qptv2_release, is_qptv2_release
from .state_dict_check import StateDictMismatchError

__all__ = [
    'InflationReport', 'inflate_hivit_state_dict', 'inflate_patch_kernel',
    'needs_inflation', 'load_image_checkpoint_into_video_model'
]

Shape = Tuple[int, ...]
_KERNEL = 'patch_embed.proj.weight'
_POS = 'absolute_pos_embed'
_INDEX = 'relative_position_index'
_TABLE = 'relative_position_bias_table'
# Keys of a QPT V2 pretraining model that a scorer does not have.
_PRETRAIN_PREFIXES = ('neck.', 'decoder.')


@dataclass
class InflationReport:
    """What inflation and loading did, key by key (names of the target).

    Attributes:
        inflated: (name, 2-D shape, 3-D shape) of the tensors that changed
            shape.
        rebuilt: buffers taken from the video model (the 3-D index).
        copied: names copied unchanged.
        missing: target names the checkpoint lacks (left as initialised).
        unexpected: checkpoint names the target lacks (ignored).
        source: where the weights came from (file name or a description).
        kind: ``'pretrain'``, ``'release'``, ``'scorer'``, ``'backbone'``
            (bare encoder) or ``'video'`` (already 3-D: loaded as is).
    """
    inflated: List[Tuple[str, Shape, Shape]] = field(default_factory=list)
    rebuilt: List[str] = field(default_factory=list)
    copied: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)
    source: str = ''
    kind: str = ''

    def summary(self) -> str:
        """A few log lines."""
        source = self.source or 'a state dict'
        lines = [
            f'Loaded {self.kind or "image"} weights from {source} '
            f'into the video model: {len(self.inflated)} tensors inflated, '
            f'{len(self.rebuilt)} rebuilt, {len(self.copied)} copied, '
            f'{len(self.missing)} missing (kept as initialised), '
            f'{len(self.unexpected)} ignored'
        ]
        lines += [
            f'  inflated {k}: {list(a)} -> {list(b)}'
            for k, a, b in self.inflated
        ]
        lines += [f'  rebuilt {k} for the space-time grid'
                  for k in self.rebuilt]
        if self.missing:
            lines.append(f'  missing: {", ".join(self.missing)}')
        if self.unexpected:
            lines.append(f'  ignored: {", ".join(self.unexpected)}')
        return '\n'.join(lines)


def inflate_patch_kernel(kernel: torch.Tensor,
                         temporal_size: int) -> torch.Tensor:
    """(C, 3, k, k) -> (C, 3, tp, k, k): repeated over time, divided by tp,
    so a static clip gives the 2-D response."""
    return kernel.unsqueeze(2).repeat(1, 1, temporal_size, 1, 1) / \
        temporal_size


def _video_backbones(model: nn.Module) -> List[Tuple[str, HiViT3D]]:
    """(prefix, module) of every HiViT3D in ``model`` (prefix '' or
    ``'backbone.'``)."""
    found = [(name + '.' if name else '', m)
             for name, m in model.named_modules() if isinstance(m, HiViT3D)]
    if not found:
        raise TypeError(f'{type(model).__name__} holds no HiViT3D: nothing '
                        'to inflate into')
    return found


def _owner(key: str, backbones: List[Tuple[str, HiViT3D]]
           ) -> Optional[Tuple[str, HiViT3D]]:
    for prefix, module in backbones:
        if key.startswith(prefix):
            return key[len(prefix):], module
    return None


def _inflate_tensor(name: str, src: torch.Tensor, dst: torch.Tensor,
                    module: HiViT3D) -> Optional[torch.Tensor]:
    """The 3-D value of a 2-D tensor ``src`` whose target is ``dst``, or
    None when ``name`` is no inflatable tensor or the 2-D shape does not
    fit."""
    t, h, w = module.base_grid
    if name == _KERNEL and src.dim() == 4 and dst.dim() == 5:
        if tuple(src.shape) == tuple(dst.shape[:2]) + tuple(dst.shape[3:]):
            return inflate_patch_kernel(src, dst.shape[2]).to(dst.dtype)
    elif name == _POS and src.dim() == 3:
        if src.shape[0] == 1 and src.shape[1] == h * w and \
                src.shape[2] == dst.shape[2]:
            return tile_over_time(src, t).to(dst.dtype)
    elif name.endswith(_TABLE) and src.dim() == 2:
        rows = (2 * h - 1) * (2 * w - 1)
        if src.shape[0] == rows and src.shape[1] == dst.shape[1]:
            return tile_over_time(src, 2 * t - 1).to(dst.dtype)
    return None


def _inflate(state_dict_2d: Mapping[str, torch.Tensor],
             model_3d: nn.Module,
             strict: bool = True) -> Tuple[Dict[str, torch.Tensor],
                                           InflationReport]:
    backbones = _video_backbones(model_3d)
    target = model_3d.state_dict()
    report = InflationReport()
    out: Dict[str, torch.Tensor] = {}
    mismatched: List[Tuple[str, Shape, Shape]] = []
    for key, dst in target.items():
        owner = _owner(key, backbones)
        name = owner[0] if owner else None
        if name == _INDEX:
            # A function of the grid: always the video model's own.
            out[key] = dst.clone()
            report.rebuilt.append(key)
            continue
        if key not in state_dict_2d:
            report.missing.append(key)
            continue
        src = state_dict_2d[key]
        if tuple(src.shape) == tuple(dst.shape):
            out[key] = src
            report.copied.append(key)
            continue
        value = _inflate_tensor(name, src, dst, owner[1]) if owner else None
        if value is None:
            mismatched.append((key, tuple(dst.shape), tuple(src.shape)))
            continue
        out[key] = value
        report.inflated.append((key, tuple(src.shape), tuple(dst.shape)))
    report.unexpected = sorted(set(state_dict_2d) - set(target))
    if mismatched or (strict and (report.missing or report.unexpected)):
        lines = [
            f'the 2-D state dict does not inflate into '
            f'{type(model_3d).__name__}: {len(report.missing)} missing, '
            f'{len(report.unexpected) if strict else 0} unexpected, '
            f'{len(mismatched)} mis-shaped keys'
        ]
        if strict:
            lines += [f'  missing in checkpoint: {k}' for k in report.missing]
            lines += [
                f'  unexpected in checkpoint: {k}' for k in report.unexpected
            ]
        lines += [
            f'  shape mismatch: {k}: model {list(a)}, checkpoint {list(b)} '
            '(not an inflatable 2-D shape: build the video model with the '
            "image model's arch and img_size)" for k, a, b in mismatched
        ]
        raise StateDictMismatchError('\n'.join(lines), report.missing,
                                     report.unexpected if strict else [],
                                     mismatched)
    return out, report


def inflate_hivit_state_dict(state_dict_2d: Mapping[str, torch.Tensor],
                             model_3d: nn.Module,
                             strict: bool = True) -> Dict[str, torch.Tensor]:
    """Inflate an image model's state dict for a video model.

    Keys must already be those of ``model_3d`` (e.g. ``backbone.*`` and
    ``head.*`` for a ``QualityScorer``; bare HiViT names for a
    :class:`HiViT3D`). Rules: see the module docstring.

    Args:
        state_dict_2d: name -> tensor of the image model.
        model_3d: the video model (a HiViT3D or a model containing one);
            its own ``relative_position_index`` is used.
        strict: every key of the model must be in ``state_dict_2d`` and
            vice versa. Shapes are always checked: a tensor that neither
            matches nor inflates to the model's shape is an error.

    Returns:
        name -> tensor, loadable with ``model_3d.load_state_dict(...,
        strict=strict)``.

    Raises:
        StateDictMismatchError: listing every missing, unexpected (strict
            only) and mis-shaped key.
    """
    return _inflate(state_dict_2d, model_3d, strict)[0]


# ---------------------------------------------------------------------------
# Checkpoint files
# ---------------------------------------------------------------------------
def _read_checkpoint(checkpoint: Union[str, os.PathLike, Mapping]
                     ) -> Tuple[Any, str]:
    if isinstance(checkpoint, Mapping):
        return checkpoint, 'a state dict'
    from mmengine.runner.checkpoint import CheckpointLoader
    path = os.fspath(checkpoint)
    if os.path.isdir(path):
        # a pretraining work dir: the checkpoint its last_checkpoint names
        # (the last iteration's file name depends on the run's GPU count)
        from qpt.evaluation.protocol import checkpoint_to_test
        path = checkpoint_to_test(path)[0]
    return CheckpointLoader.load_checkpoint(
        path, map_location='cpu', logger='current'), path


def _is_tensor_dict(obj: Any) -> bool:
    return isinstance(obj, Mapping) and bool(obj) and all(
        isinstance(v, torch.Tensor) for v in obj.values())


def _image_state_dict(ckpt: Any) -> Tuple[Dict[str, torch.Tensor], str]:
    """Scorer-style keys (``backbone.*``, ``head.*``) of any supported
    image checkpoint, and its kind."""
    if is_qptv2_release(ckpt):
        return convert_qptv2_release(ckpt), 'release'
    sd = ckpt
    for wrapper in ('state_dict', 'params', 'params_ema', 'model'):
        if isinstance(sd, Mapping) and isinstance(sd.get(wrapper), Mapping):
            sd = sd[wrapper]
            break
    if not _is_tensor_dict(sd):
        raise ValueError('not a checkpoint: no state dict of tensors found '
                         "(looked at the file, 'state_dict', 'params', "
                         "'params_ema', 'model')")
    sd = {(k[len('module.'):] if k.startswith('module.') else k): v
          for k, v in sd.items()}
    if any(k.startswith('backbone.') for k in sd):
        if any(k.startswith(_PRETRAIN_PREFIXES) for k in sd):
            kind = 'pretrain'
            sd = {k: v for k, v in sd.items() if k.startswith('backbone.')}
        else:
            kind = 'scorer'
        return sd, kind
    if any(k.startswith('quality_regressor.') for k in sd):
        return convert_qptv2_release(sd), 'release'
    if _KERNEL in sd:
        return {'backbone.' + k: v for k, v in sd.items()}, 'backbone'
    raise ValueError('not a HiViT checkpoint: it has no patch_embed.proj '
                     'weight (looked for backbone.* and bare encoder keys)')


def _to_model_keys(sd: Dict[str, torch.Tensor],
                   model: nn.Module) -> Dict[str, torch.Tensor]:
    """Scorer-style keys -> the keys of ``model`` (a scorer, or a bare
    HiViT3D that takes only the backbone)."""
    prefix = _video_backbones(model)[0][0]
    if prefix == 'backbone.':
        return dict(sd)
    return {
        prefix + k[len('backbone.'):]: v
        for k, v in sd.items() if k.startswith('backbone.')
    }


def needs_inflation(model: nn.Module, checkpoint: Any) -> bool:
    """True when ``model``'s patch kernel is 3-D (Conv3d, 5-D weight) and
    the loaded ``checkpoint``'s is 2-D (4-D weight): image weights for a
    video model. False when either has no patch kernel.

    Args:
        model: any model.
        checkpoint: a loaded checkpoint (any layout
            :func:`load_image_checkpoint_into_video_model` reads).
    """
    model_dims = {
        v.dim()
        for k, v in model.state_dict().items() if k.endswith(_KERNEL)
    }
    if 5 not in model_dims:
        return False
    try:
        sd, _ = _image_state_dict(checkpoint)
    except ValueError:
        return False
    return any(k.endswith(_KERNEL) and v.dim() == 4 for k, v in sd.items())


def load_image_checkpoint_into_video_model(
        model: nn.Module,
        checkpoint: Union[str, os.PathLike, Mapping],
        logger: Optional[str] = 'current',
        source: Optional[str] = None) -> InflationReport:
    """Load image weights into a video model, inflating them.

    Accepted checkpoints: a QPT V2 pretraining checkpoint (our ``QPTV2``
    runner file; only ``backbone.*`` is used), a released QPT V2 image
    checkpoint (``{'params': ...}`` with ``quality_regressor.*``; the head
    is loaded too), our image ``QualityScorer`` checkpoint (backbone and
    head), or a bare HiViT state dict. A checkpoint that is already 3-D (a
    video checkpoint) is loaded as is, with the same shape check.

    Args:
        model: a video model holding a :class:`HiViT3D` (a ``QualityScorer``
            with ``video=True`` or the backbone itself).
        checkpoint: a file name / URL (anything mmengine's
            ``CheckpointLoader`` reads) or an already loaded dict.
        logger: where to log the report (``print_log``); None: silent.
        source: the name to report for an already loaded ``checkpoint``.

    Returns:
        :class:`InflationReport`; missing keys (e.g. the head, for a
        pretraining checkpoint) keep their initial values.

    Raises:
        StateDictMismatchError: a tensor neither matches nor inflates.
        ValueError: the file holds no HiViT state dict.
    """
    ckpt, name = _read_checkpoint(checkpoint)
    source = source or name
    sd, kind = _image_state_dict(ckpt)
    sd = _to_model_keys(sd, model)
    out, report = _inflate(sd, model, strict=False)
    report.source, report.kind = source, kind
    if not report.inflated and kind != 'pretrain' and any(
            k.endswith(_KERNEL) and v.dim() == 5 for k, v in sd.items()):
        report.kind = 'video'
    if report.unexpected and not report.copied and not report.inflated:
        raise StateDictMismatchError(
            f'{source}: none of its keys belongs to {type(model).__name__}',
            report.missing, report.unexpected, [])
    model.load_state_dict(out, strict=False)
    if logger is not None:
        print_log(report.summary(), logger=logger, level=logging.INFO)
    return report
