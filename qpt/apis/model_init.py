"""Build a scorer from a config and load its weights."""
import copy
import logging
import os
from pathlib import Path
from typing import Optional, Union

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope

from .checkpoint_loading import load_scorer_checkpoint

__all__ = ['init_model']


def _drop_pretrained_init(model_cfg: Config) -> None:
    """A checkpoint supersedes ``init_cfg=dict(type='Pretrained', ...)`` on
    the model or its backbone (it would try to read another file)."""
    for cfg in (model_cfg, model_cfg.get('backbone')):
        if isinstance(cfg, dict):
            init_cfg = cfg.get('init_cfg')
            if isinstance(init_cfg, dict) and \
                    init_cfg.get('type') in ('Pretrained',
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
        config it was built from).
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
    if checkpoint is not None:
        load_scorer_checkpoint(model, checkpoint)
    model.cfg = cfg
    model.to(device)
    model.eval()
    return model
