"""``init_cfg`` that loads image weights into a video model, inflated.

The inflation rules and the checkpoint formats are those of
:mod:`qpt.models.converters.inflate`
(:func:`~qpt.models.converters.load_image_checkpoint_into_video_model`).
For an image model use ``StrictPretrained``
(:mod:`qpt.models.initializers.strict_pretrained`).
"""
import torch.nn as nn
from mmengine.model import BaseModule
from mmengine.model.weight_init import update_init_info

from qpt.registry import WEIGHT_INITIALIZERS
from ..converters.inflate import load_image_checkpoint_into_video_model

__all__ = ['InflatedPretrainedInit']


@WEIGHT_INITIALIZERS.register_module(name='InflatedPretrained')
class InflatedPretrainedInit:
    """``init_cfg`` that loads image weights into a video model, inflated.

    Use it on the video ``QualityScorer`` (backbone and, where the file has
    one, head) or on its ``HiViT3D`` backbone (backbone only)::

        model = dict(init_cfg=dict(type='InflatedPretrained',
                                   checkpoint='qptv2_pretrain.pth'))

    mmengine runs non-``Pretrained`` initialisers *before* the children's
    own ``init_weights``; so that the head's ``TruncNormal`` init does not
    overwrite loaded head weights, every ``BaseModule`` inside the model
    whose parameters were all loaded is marked initialised.

    Args:
        checkpoint: image checkpoint (see
            :func:`load_image_checkpoint_into_video_model`).
    """

    def __init__(self, checkpoint: str) -> None:
        self.checkpoint = checkpoint
        self.wholemodule = False

    def __call__(self, module: nn.Module) -> None:
        report = load_image_checkpoint_into_video_model(
            module, self.checkpoint)
        loaded = set(report.copied) | {k for k, _, _ in report.inflated}
        for name, sub in module.named_modules():
            if sub is module or not isinstance(sub, BaseModule):
                continue
            prefix = name + '.'
            params = [prefix + n for n, _ in sub.named_parameters()]
            if params and all(p in loaded for p in params):
                sub._is_init = True
        if hasattr(module, '_params_init_info'):
            update_init_info(
                module,
                init_info=f'InflatedPretrained: load from {self.checkpoint}')

    def __repr__(self) -> str:
        return f"{type(self).__name__}(checkpoint='{self.checkpoint}')"
