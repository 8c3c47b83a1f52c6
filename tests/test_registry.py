"""Our registries and mmpretrain's resolve each other's components."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import mmpretrain
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope, init_default_scope
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
from mmpretrain.registry import TRANSFORMS as MMPRETRAIN_TRANSFORMS

from qpt.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS, TRANSFORMS

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def test_mmpretrain_config_can_name_qpt_components():
    cfg = Config(dict(custom_imports=dict(imports=['qpt']),
                      model=dict(type='qpt.HiViT', arch='tiny')))
    from mmengine.utils import import_modules_from_strings
    import_modules_from_strings(**cfg.custom_imports)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MMPRETRAIN_MODELS.build(cfg.model)
        pack = MMPRETRAIN_TRANSFORMS.build(
            dict(type='qpt.DegradationPair', degradation=None))
    assert type(model).__module__ == 'qpt.models.backbones.hivit'
    assert 'relative_position_index' in model.state_dict()
    assert type(pack).__name__ == 'DegradationPair'


def test_qpt_scope_reaches_mmpretrain_mmengine_and_mmcv():
    init_default_scope('qpt')
    assert type(TRANSFORMS.build(dict(type='PackInputs'))).__module__ \
        .startswith('mmpretrain')
    assert type(TRANSFORMS.build(dict(type='CenterCrop', crop_size=8))) \
        .__module__.startswith('mmcv')
    pre = MODELS.build(dict(type='SelfSupDataPreprocessor'))
    assert type(pre).__module__.startswith('mmpretrain')
    ctor = OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(type='DefaultOptimWrapperConstructor',
             optim_wrapper_cfg=dict(optimizer=dict(type='SGD', lr=0.1))))
    wrapper = ctor(torch.nn.Linear(2, 2))
    assert type(wrapper).__name__ == 'OptimWrapper'
    # our HiViT wins over mmpretrain's of the same name in the qpt scope
    assert MODELS.get('HiViT').__module__ == 'qpt.models.backbones.hivit'


# Registration is process-wide: once any test has imported
# mmpretrain.visualization, the lookups below would pass whatever the
# registries do. Each scenario therefore runs in a fresh interpreter.
_MMPRETRAIN_RUNTIME = Path(mmpretrain.__file__).parent / '.mim' / \
    'configs' / '_base_' / 'default_runtime.py'


def _run_fresh(code: str) -> str:
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                          cwd=str(PROJECT_ROOT), env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_qpt_scope_runner_inherits_mmpretrain_runtime(tmp_path):
    """default_scope='qpt' + mmpretrain's default_runtime.py: the Runner
    builds mmpretrain's UniversalVisualizer and VisualizationHook (was
    ``KeyError: UniversalVisualizer is not in the qpt::visualizer
    registry``)."""
    if not _MMPRETRAIN_RUNTIME.is_file():
        pytest.skip(f'{_MMPRETRAIN_RUNTIME} is absent: mmpretrain was '
                    'installed without its configs')
    out = _run_fresh(f'''
        from mmengine.config import Config
        from mmengine.runner import Runner
        cfg = Config.fromstring("""
        _base_ = {str(_MMPRETRAIN_RUNTIME)!r}
        default_scope = 'qpt'
        model = dict(
            type='QualityScorer',
            backbone=dict(type='HiViT', img_size=32, arch=dict(
                embed_dims=64, depths=[1, 1, 1], num_heads=2)),
            head=dict(type='QualityRegressionHead', in_channels=64,
                      hidden_channels=8))
        """, '.py')
        cfg.work_dir = {str(tmp_path)!r}
        runner = Runner.from_cfg(cfg)
        hooks = [type(h).__module__ + '.' + type(h).__name__
                 for h in runner.hooks]
        print(type(runner.visualizer).__module__,
              type(runner.visualizer).__name__)
        print(type(runner.model).__module__)
        print(*hooks)
    ''')
    lines = out.strip().splitlines()
    assert lines[-3] == ('mmpretrain.visualization.visualizer '
                         'UniversalVisualizer')
    assert lines[-2].startswith('qpt.models')
    assert 'mmpretrain.engine.hooks.visualization_hook.VisualizationHook' \
        in lines[-1].split()


def test_mmpretrain_scope_names_qpt_components_in_fresh_process():
    """The other way: mmpretrain's scope (its tools) builds ``qpt.X``
    without importing qpt first (mmengine imports qpt.registry for the
    prefix, and our registries import their locations)."""
    out = _run_fresh('''
        import sys
        from mmengine.registry import (HOOKS, METRICS, MODELS, TRANSFORMS,
                                       init_default_scope)
        init_default_scope('mmpretrain')
        assert 'qpt' not in sys.modules
        t = TRANSFORMS.build(dict(type='qpt.LoadImageRGB'))
        m = METRICS.build(dict(type='qpt.QualityMetric'))
        b = MODELS.build(dict(type='qpt.HiViT', arch=dict(
            embed_dims=64, depths=[1, 1, 1], num_heads=2), img_size=32))
        h = HOOKS.build(dict(type='qpt.ReconstructionVisualizationHook'))
        for obj in (t, m, b, h):
            print(type(obj).__module__ + '.' + type(obj).__name__)
    ''')
    names = out.strip().splitlines()[-4:]
    assert names[0] == 'qpt.datasets.transforms.loading.LoadImageRGB'
    assert names[1].startswith('qpt.evaluation.')
    assert names[2] == 'qpt.models.backbones.hivit.HiViT'
    assert names[3].startswith('qpt.engine.hooks.')


def test_every_registry_is_the_child_of_mmpretrains_namesake():
    """Each of our registries has mmpretrain's registry of the same name as
    its parent, the ``qpt`` scope, and imports the qpt package of its kind
    first, then the parent's own package."""
    import qpt.registry as qpt_registry
    from mmpretrain import registry as mm_registry
    packages = dict(
        RUNNERS='engine', RUNNER_CONSTRUCTORS='engine', LOOPS='engine',
        HOOKS='engine', LOG_PROCESSORS='engine', OPTIMIZERS='engine',
        OPTIM_WRAPPERS='engine', OPTIM_WRAPPER_CONSTRUCTORS='engine',
        PARAM_SCHEDULERS='engine', DATASETS='datasets',
        DATA_SAMPLERS='datasets', TRANSFORMS='datasets', MODELS='models',
        MODEL_WRAPPERS='models', WEIGHT_INITIALIZERS='models',
        BATCH_AUGMENTS='models', TASK_UTILS='models',
        METRICS='evaluation', EVALUATORS='evaluation',
        VISUALIZERS='visualization', VISBACKENDS='visualization')
    assert sorted(qpt_registry.__all__) == sorted(packages)
    for name, package in packages.items():
        child = getattr(qpt_registry, name)
        assert child.parent is getattr(mm_registry, name), name
        assert child.scope == 'qpt' and child.name == child.parent.name
        assert child._locations == [f'qpt.{package}',
                                    f'mmpretrain.{package}'], name
