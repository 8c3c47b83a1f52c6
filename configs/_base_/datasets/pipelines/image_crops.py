# Input policy of the image quality / aesthetics dataset bases
# (configs/_base_/datasets/*.py): native resolution, a random 224 crop +
# horizontal flip for training; at test time the 4 corners and the centre
# (5 x 224, DeterministicCrops), the 5 scores averaged. Loaders, metric and
# hook: quality_loaders.py. A dataset base names its data once:
#   train_dataloader = val_dataloader = test_dataloader = dict(dataset=...)
# and each loader keeps its own split, pipeline and batch. A base with
# another input policy (a resize first, other crops) writes its pipelines
# from the steps below.
_base_ = ['./quality_loaders.py']

crop_size = 224
num_test_crops = 5

load = dict(type='LoadImageRGB')
random_crop = dict(type='RandomCrop', crop_size=crop_size)
flip = dict(type='RandomFlip', prob=0.5, direction='horizontal')
test_crops = dict(
    type='DeterministicCrops', crop_size=crop_size, num_crops=num_test_crops)
pack = dict(type='PackQualityInputs')
train_pipeline = [load, random_crop, flip, pack]
test_pipeline = [load, test_crops, pack]

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
