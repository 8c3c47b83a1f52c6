"""QPT registries: children of mmpretrain's, so components resolve both ways.

A config with ``default_scope='qpt'`` can name our components *and* any
mmpretrain / mmengine / mmcv component (the lookup walks up to the parents),
including a config that inherits mmpretrain's ``default_runtime.py``
(``UniversalVisualizer``, ``VisualizationHook``). An mmpretrain config can
name ours as ``type='qpt.HiViT'`` (mmengine imports ``qpt.registry`` for the
``qpt.`` prefix; ``custom_imports=dict(imports=['qpt'])`` also works).

Modules are imported lazily from ``locations`` when a registry is first
searched, so tools need no import side effects. mmengine's parent lookup
reads the parent's module table *without* importing the parent's own
``locations``; so every child lists its parent's locations after its own
(e.g. ``VISUALIZERS`` imports ``mmpretrain.visualization``, which nothing in
qpt imports otherwise).
"""
from typing import Tuple

from mmengine.registry import Registry
from mmpretrain import registry as mmpretrain_registry

__all__ = [
    'RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS', 'LOG_PROCESSORS',
    'OPTIMIZERS', 'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS',
    'PARAM_SCHEDULERS', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS',
    'MODEL_WRAPPERS', 'WEIGHT_INITIALIZERS', 'BATCH_AUGMENTS', 'TASK_UTILS',
    'METRICS', 'EVALUATORS', 'VISUALIZERS', 'VISBACKENDS'
]


def _child(parent: Registry, location: str) -> Registry:
    """A ``qpt``-scoped child of an mmpretrain registry that imports
    ``location`` and then the parent's own locations when first searched."""
    parent_locations = [
        loc for loc in getattr(parent, '_locations', []) if loc != location
    ]
    return Registry(
        parent.name,
        parent=parent,
        scope='qpt',
        locations=[location] + parent_locations)


def _children(location: str, *names: str) -> Tuple[Registry, ...]:
    """The children (:func:`_child`) of mmpretrain's registries ``names``
    (its module attribute names), all importing ``location``."""
    return tuple(
        _child(getattr(mmpretrain_registry, name), location)
        for name in names)


# One statement per package: the registries whose components it defines.
(RUNNERS, RUNNER_CONSTRUCTORS, LOOPS, HOOKS, LOG_PROCESSORS, OPTIMIZERS,
 OPTIM_WRAPPERS, OPTIM_WRAPPER_CONSTRUCTORS, PARAM_SCHEDULERS) = _children(
     'qpt.engine', 'RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS',
     'LOG_PROCESSORS', 'OPTIMIZERS', 'OPTIM_WRAPPERS',
     'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS')
DATASETS, DATA_SAMPLERS, TRANSFORMS = _children(
    'qpt.datasets', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS')
(MODELS, MODEL_WRAPPERS, WEIGHT_INITIALIZERS, BATCH_AUGMENTS,
 TASK_UTILS) = _children('qpt.models', 'MODELS', 'MODEL_WRAPPERS',
                         'WEIGHT_INITIALIZERS', 'BATCH_AUGMENTS',
                         'TASK_UTILS')
METRICS, EVALUATORS = _children('qpt.evaluation', 'METRICS', 'EVALUATORS')
VISUALIZERS, VISBACKENDS = _children('qpt.visualization', 'VISUALIZERS',
                                     'VISBACKENDS')
