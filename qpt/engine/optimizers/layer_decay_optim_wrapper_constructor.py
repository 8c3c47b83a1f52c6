"""Layer-wise learning-rate decay for HiViT-based models."""
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapper

from qpt.registry import OPTIM_WRAPPER_CONSTRUCTORS

__all__ = ['LayerDecayOptimWrapperConstructor']

DepthFn = Callable[[str], Tuple[int, int]]

#: Parameter-name substrings that never get weight decay (besides 1-D
#: parameters).
DEFAULT_NO_DECAY_KEYS = ('absolute_pos_embed', 'relative_position_bias_table')


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LayerDecayOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """Param groups with a per-layer lr scale and no decay on flat params.

    **Learning rate.** Each parameter gets
    ``lr = base_lr * layer_decay_rate ** (num_layers - 1 - depth)`` where
    ``(depth, num_layers) = model.backbone.get_layer_depth(name,
    prefix='backbone.')``. For HiViT (``qpt.models.backbones.HiViT``):
    ``patch_embed`` and ``absolute_pos_embed`` are depth 0; every non-merge
    block, stem blocks included, is one layer in order; a PatchMerge shares
    the depth of the block before it; ``norm`` and everything outside the
    backbone (the head) are ``num_layers - 1`` (scale 1). HiViT-T:
    ``num_layers = 16``; with rate 0.75 the patch embedding trains at
    0.75 ** 15 (about 1.3 %) of the head's lr. A model without
    ``backbone.get_layer_depth`` may provide ``get_layer_depth(name)``
    itself; otherwise building fails.

    Unlike mmpretrain's ``LearningRateDecayOptimWrapperConstructor`` run on
    a HiViT (whose depth function looks for ``layers.*``, a name HiViT does
    not have, so every block silently gets scale 1), this constructor fails
    loudly when ``layer_decay_rate != 1`` and no parameter lies strictly
    between depth 0 and the top layer.

    **Weight decay.** ``optimizer.weight_decay`` (or the optimiser's own
    default when the config gives none) for every parameter except, with
    weight decay 0: 1-D parameters (LayerNorm weights and biases, all
    biases) and parameters whose name contains one of ``no_decay_keys``
    (default ``absolute_pos_embed`` and ``relative_position_bias_table``:
    position tables are not weights that should shrink to 0, the MAE/BEiT
    convention).

    Parameters with ``requires_grad=False`` (frozen stages, a fixed sin-cos
    embedding) are left out. Parameters are grouped by (depth, decay); each
    group also holds ``lr_scale``, ``layer_id`` and ``param_names``. A model
    wrapper (DDP, ``MMDistributedDataParallel``) is unwrapped first, so names
    are the same with and without it.

    paramwise_cfg keys:
        layer_decay_rate (float): the decay factor, 1.0 for none (default).
        no_decay_keys (Sequence[str]): name substrings without weight decay.

    Example::

        optim_wrapper = dict(
            optimizer=dict(type='AdamW', lr=5e-4, weight_decay=0.05),
            constructor='LayerDecayOptimWrapperConstructor',
            paramwise_cfg=dict(layer_decay_rate=0.75))
    """

    _KNOWN_KEYS = ('layer_decay_rate', 'no_decay_keys')

    def __init__(self,
                 optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        super().__init__(optim_wrapper_cfg, paramwise_cfg)
        unknown = set(self.paramwise_cfg) - set(self._KNOWN_KEYS)
        if unknown:
            raise ValueError(
                f'{type(self).__name__} does not support paramwise_cfg keys '
                f'{sorted(unknown)}; supported: {list(self._KNOWN_KEYS)}')
        self.layer_decay_rate = float(
            self.paramwise_cfg.get('layer_decay_rate', 1.0))
        if not 0 < self.layer_decay_rate <= 1:
            raise ValueError('layer_decay_rate must be in (0, 1], got '
                             f'{self.layer_decay_rate}')
        self.no_decay_keys: Tuple[str, ...] = tuple(
            self.paramwise_cfg.get('no_decay_keys', DEFAULT_NO_DECAY_KEYS))

    # ------------------------------------------------------------------
    @staticmethod
    def _depth_fn(model: nn.Module) -> DepthFn:
        """The model's depth function: ``name -> (depth, num_layers)``."""
        backbone = getattr(model, 'backbone', None)
        if backbone is not None and hasattr(backbone, 'get_layer_depth'):
            return lambda name: backbone.get_layer_depth(
                name, prefix='backbone.')
        if hasattr(model, 'get_layer_depth'):
            return model.get_layer_depth
        raise TypeError(
            f'layer-wise lr decay needs {type(model).__name__}.backbone to '
            'have get_layer_depth(name, prefix), or the model to have '
            'get_layer_depth(name)')

    def is_no_decay(self, name: str, param: nn.Parameter) -> bool:
        """True for parameters trained without weight decay."""
        return param.ndim <= 1 or any(k in name for k in self.no_decay_keys)

    def build_param_groups(self, model: nn.Module) -> List[dict]:
        """Param groups of a (possibly wrapped) model.

        Returns:
            One dict per (depth, decay) pair with ``params``, ``lr``,
            ``lr_scale``, ``layer_id``, ``param_names`` and (where set)
            ``weight_decay``, ordered by depth.
        """
        if is_model_wrapper(model) or hasattr(model, 'module'):
            model = model.module
        depth_of = self._depth_fn(model)
        groups: Dict[Tuple[int, bool], dict] = {}
        num_layers = None
        for name, param in model.named_parameters():
            if not param.requires_grad:
                continue
            depth, num_layers = depth_of(name)
            no_decay = self.is_no_decay(name, param)
            group = groups.get((depth, no_decay))
            if group is None:
                scale = self.layer_decay_rate**(num_layers - 1 - depth)
                group = groups[(depth, no_decay)] = dict(
                    params=[],
                    param_names=[],
                    lr=self.base_lr * scale,
                    lr_scale=scale,
                    layer_id=depth)
                if no_decay:
                    group['weight_decay'] = 0.
                elif self.base_wd is not None:
                    group['weight_decay'] = self.base_wd
            group['params'].append(param)
            group['param_names'].append(name)
        if num_layers is None:
            raise ValueError(f'{type(model).__name__} has no trainable '
                             'parameters')
        depths = {d for d, _ in groups}
        if self.layer_decay_rate != 1 and num_layers > 2 and \
                depths <= {0, num_layers - 1}:
            raise RuntimeError(
                f'layer_decay_rate={self.layer_decay_rate} but no parameter '
                f'of {type(model).__name__} is at a depth between 0 and the '
                f'top layer {num_layers - 1}: the depth function does not '
                'recognise the block names (mmpretrain\'s HiViT looks for '
                '"layers.*"), so the blocks would not be decayed')
        ordered = [groups[k] for k in sorted(groups)]
        self._log(ordered, num_layers)
        return ordered

    def _log(self, groups: Sequence[dict], num_layers: int) -> None:
        lines = [f'layer-wise lr decay {self.layer_decay_rate} over '
                 f'{num_layers} layers:']
        for g in groups:
            wd = g.get('weight_decay', 'default')
            lines.append(f'  layer {g["layer_id"]:2d} lr={g["lr"]:.3g} '
                         f'(x{g["lr_scale"]:.3g}) wd={wd}'
                         f': {len(g["params"])} params, e.g. '
                         f'{g["param_names"][0]}')
        MMLogger.get_current_instance().debug('\n'.join(lines))

    def add_params(self, params: List[dict], module: nn.Module,
                   **kwargs) -> None:
        """Append this constructor's param groups of ``module`` to
        ``params`` (the hook the parent's ``__call__`` uses)."""
        params.extend(self.build_param_groups(module))

    def __call__(self, model: nn.Module) -> OptimWrapper:
        """Build the optimiser wrapper; param groups are always made (also
        with an empty ``paramwise_cfg``), so the no-decay rules hold."""
        if not self.paramwise_cfg:
            self.paramwise_cfg = dict(layer_decay_rate=self.layer_decay_rate)
        return super().__call__(model)
