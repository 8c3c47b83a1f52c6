# pretrain_tiny with the full recipe's randomness: training masks from the
# global RNG (mask_seed=None), data workers, random crops and degradations;
# MaskRecorderHook (pretrain_tiny_hooks.py, on PYTHONPATH in the test) saves
# each rank's masks and degradation parameters.
_base_ = './pretrain_tiny.py'
custom_imports = dict(imports=['pretrain_tiny_hooks'],
                      allow_failed_imports=False)
model = dict(mask_seed=None)
pack = dict(type='PackInputs',
            meta_keys=('sample_idx', 'img_path', 'degradation_params'))
train_pipeline = [
    dict(type='LoadImageRGB', min_size={{_base_.crop}}, on_small='skip'),
    dict(type='RandomCrop', crop_size={{_base_.crop}}),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='DegradationPair',
         degradation={{_base_.sequential_degradation}}), pack
]
train_dataloader = dict(num_workers=2, dataset=dict(pipeline=train_pipeline))
custom_hooks = [dict(type='MaskRecorderHook')]
