"""Our registries and mmpretrain's resolve each other's components."""
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope, init_default_scope
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
from mmpretrain.registry import TRANSFORMS as MMPRETRAIN_TRANSFORMS

from qpt.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS, TRANSFORMS


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
