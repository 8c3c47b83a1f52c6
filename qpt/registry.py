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


RUNNERS = _child(mmpretrain_registry.RUNNERS, 'qpt.engine')
RUNNER_CONSTRUCTORS = _child(mmpretrain_registry.RUNNER_CONSTRUCTORS,
                             'qpt.engine')
LOOPS = _child(mmpretrain_registry.LOOPS, 'qpt.engine')
HOOKS = _child(mmpretrain_registry.HOOKS, 'qpt.engine')
LOG_PROCESSORS = _child(mmpretrain_registry.LOG_PROCESSORS, 'qpt.engine')
OPTIMIZERS = _child(mmpretrain_registry.OPTIMIZERS, 'qpt.engine')
OPTIM_WRAPPERS = _child(mmpretrain_registry.OPTIM_WRAPPERS, 'qpt.engine')
OPTIM_WRAPPER_CONSTRUCTORS = _child(
    mmpretrain_registry.OPTIM_WRAPPER_CONSTRUCTORS, 'qpt.engine')
PARAM_SCHEDULERS = _child(mmpretrain_registry.PARAM_SCHEDULERS, 'qpt.engine')

DATASETS = _child(mmpretrain_registry.DATASETS, 'qpt.datasets')
DATA_SAMPLERS = _child(mmpretrain_registry.DATA_SAMPLERS, 'qpt.datasets')
TRANSFORMS = _child(mmpretrain_registry.TRANSFORMS, 'qpt.datasets')

MODELS = _child(mmpretrain_registry.MODELS, 'qpt.models')
MODEL_WRAPPERS = _child(mmpretrain_registry.MODEL_WRAPPERS, 'qpt.models')
WEIGHT_INITIALIZERS = _child(mmpretrain_registry.WEIGHT_INITIALIZERS,
                             'qpt.models')
BATCH_AUGMENTS = _child(mmpretrain_registry.BATCH_AUGMENTS, 'qpt.models')
TASK_UTILS = _child(mmpretrain_registry.TASK_UTILS, 'qpt.models')

METRICS = _child(mmpretrain_registry.METRICS, 'qpt.evaluation')
EVALUATORS = _child(mmpretrain_registry.EVALUATORS, 'qpt.evaluation')

VISUALIZERS = _child(mmpretrain_registry.VISUALIZERS, 'qpt.visualization')
VISBACKENDS = _child(mmpretrain_registry.VISBACKENDS, 'qpt.visualization')
