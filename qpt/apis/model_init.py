"""Build a scorer from a config and load its weights."""
import copy
import logging
import os
from pathlib import Path
from typing import Any, Mapping, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.logging import MMLogger, print_log
from mmengine.registry import DefaultScope

from qpt.datasets.quality.score_scale import config_score_meta
from .calibration import CALIBRATION_KEY, check_calibration
from .checkpoint_loading import load_scorer_checkpoint, read_checkpoint

__all__ = [
    'init_model', 'score_scale_of', 'dataset_meta_of', 'RAW_SCALE_KINDS'
]

#: Load kinds (``load_scorer_checkpoint``) whose head was trained by others
#: with an unknown normalisation: their outputs are raw, not on a MOS scale.
RAW_SCALE_KINDS = ('qptv2_release', 'inflated_release')


def _drop_pretrained_init(model_cfg: Config) -> None:
    """A checkpoint supersedes a pretrained ``init_cfg`` (``Pretrained``,
    ``StrictPretrained``, ``InflatedPretrained``) on the model or its
    backbone (it would try to read another file)."""
    for cfg in (model_cfg, model_cfg.get('backbone')):
        if isinstance(cfg, dict):
            init_cfg = cfg.get('init_cfg')
            if isinstance(init_cfg, dict) and \
                    init_cfg.get('type') in ('Pretrained',
                                             'StrictPretrained',
                                             'InflatedPretrained'):
                cfg['init_cfg'] = None


def _quiet_init_weights(model: nn.Module) -> None:
    """``model.init_weights()`` (the ``init_cfg`` of each module) without
    MMEngine's per-parameter INFO report."""
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)


def _is_converted_release(meta: Any) -> bool:
    """A qpt-format file made from a released checkpoint (by the converter
    or ``tools/calibrate.py``): its head is still the released one."""
    if not isinstance(meta, Mapping):
        return False
    return meta.get('score_scale') == 'raw' or 'qptv2_release' in str(
        meta.get('converted_by', ''))


def score_scale_of(kind: Optional[str], meta: Any,
                   source: str) -> Tuple[str, Optional[dict]]:
    """What a loaded checkpoint's scores are, and its calibration.

    Returns:
        ``('calibrated', record)`` when ``meta['calibration']`` is present
        (validated); ``('raw', None)`` for a released checkpoint (loaded
        directly, inflated, or converted to our format) without one;
        ``('mos', None)`` otherwise (the ``score_range`` of
        :func:`dataset_meta_of` applies).
    """
    if isinstance(meta, Mapping) and meta.get(CALIBRATION_KEY) is not None:
        return 'calibrated', check_calibration(meta[CALIBRATION_KEY], source)
    if kind in RAW_SCALE_KINDS or _is_converted_release(meta):
        return 'raw', None
    return 'mos', None


def dataset_meta_of(meta: Any, cfg: Config) -> Optional[dict]:
    """The score facts a loaded scorer reports with: the checkpoint's
    ``meta['dataset_meta']`` (the training dataset's ``metainfo``, which
    MMEngine's runner saves), or, for a checkpoint without one (or no
    checkpoint), those of the config's ``test_dataloader.dataset``
    (:func:`qpt.datasets.quality.config_score_meta`); None when neither
    states a ``score_range`` (predictions then stay normalised, 0..1)."""
    if isinstance(meta, Mapping) and isinstance(
            meta.get('dataset_meta'), Mapping) and \
            meta['dataset_meta'].get('score_range') is not None:
        return dict(meta['dataset_meta'])
    test_loader = cfg.get('test_dataloader') or {}
    return config_score_meta(test_loader.get('dataset'))


def init_model(config: Union[str, Path, Config],
               checkpoint: Optional[Union[str, Path]] = None,
               device: Union[str, torch.device] = 'cpu',
               cfg_options: Optional[dict] = None) -> nn.Module:
    """Build a model from a config and load a checkpoint.

    Args:
        config: a config file or a :class:`mmengine.Config`.
        checkpoint: our checkpoint (``{'meta', 'state_dict'}`` or a Runner
            checkpoint), a released QPT V2 image file (converted on load),
            or a QPT V2 pretraining checkpoint (encoder only, the head keeps
            its initialisation); see
            :func:`qpt.apis.checkpoint_loading.load_scorer_checkpoint`. The
            first two load strictly. ``None``: initialised weights.
        device: where the model goes.
        cfg_options: overrides merged into the config.

    Returns:
        The model in eval mode on ``device``, with ``model.cfg`` (the
        config it was built from) and what its scores are:

        - ``model.dataset_meta``: the score facts (:func:`dataset_meta_of`:
          the checkpoint's ``meta['dataset_meta']``, else the config's test
          dataset's; None: scores stay normalised, 0..1, with a warning);
        - ``model.score_scale``: ``'mos'`` (the ``score_range`` of
          ``model.dataset_meta`` is applied: our fine-tuned checkpoints, or
          no checkpoint),
          ``'calibrated'`` (the checkpoint's ``meta['calibration']``, see
          :mod:`qpt.apis.calibration`, maps raw scores to a labelled set's
          MOS) or ``'raw'`` (a released QPT V2 checkpoint without a
          calibration: nobody knows how its outputs were normalised, so no
          MOS is reported; calibrate it with ``tools/calibrate.py``);
        - ``model.calibration``: the calibration record or None;
        - ``model.checkpoint_kind``: how the checkpoint was loaded
          (``'qpt'``, ``'qptv2_release'``, ``'pretrain_encoder'``,
          ``'inflated_*'``) or None.
    """
    if isinstance(config, (str, Path)):
        cfg = Config.fromfile(os.fspath(config))
    elif isinstance(config, Config):
        cfg = copy.deepcopy(config)
    else:
        raise TypeError('config must be a file path or a Config, got '
                        f'{type(config).__name__}')
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if 'model' not in cfg:
        raise ValueError(f'{cfg.filename or "the config"} has no `model`')

    from qpt.registry import MODELS
    from qpt.utils import register_all_modules
    register_all_modules(init_default_scope=False)

    model_cfg = copy.deepcopy(cfg.model)
    if checkpoint is not None:
        _drop_pretrained_init(model_cfg)
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope',
                                                      'qpt')):
        model = MODELS.build(model_cfg)
        _quiet_init_weights(model)
    kind, scale, calibration, meta = None, 'mos', None, None
    if checkpoint is not None:
        source = os.fspath(checkpoint)
        ckpt = read_checkpoint(source)
        kind = load_scorer_checkpoint(model, ckpt, source=source)['kind']
        meta = ckpt.get('meta') if isinstance(ckpt, Mapping) else None
        scale, calibration = score_scale_of(kind, meta, source)
        del ckpt
    if hasattr(model, 'dataset_meta'):
        model.dataset_meta = dataset_meta_of(meta, cfg)
        if model.dataset_meta is None and scale == 'mos':
            print_log(
                'neither the checkpoint (meta.dataset_meta) nor the '
                "config's test_dataloader.dataset states a score_range: "
                'scores are reported normalised (0..1, higher = better)',
                logger='current',
                level=logging.WARNING)
    model.cfg = cfg
    model.checkpoint_kind = kind
    model.score_scale = scale
    model.calibration = calibration
    model.to(device)
    model.eval()
    return model
