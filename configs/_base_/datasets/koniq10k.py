# KonIQ-10k: 10,073 in-the-wild photos, authentic distortions, MOS 1-5
# (higher is better).
#
# Layout under data_root (the KonIQ-10k release; a user changes only
# data_root):
#   koniq10k_distributions_sets.csv   scores + the official split (`set`
#                                     column: training / validation / test)
#   512x384/*.jpg                     the images
# The 1024x768 copies work too (img_prefix = '1024x768/'): they are resized
# to 512x384 first. The published score table (KonIQ-10k.txt:
# dis_img_path, dis_type, score) has no split column; with it set ann_file,
# label_format = 'table', strip_dirs = 2 and a split file
# (tools/data/make_splits.py).
#
# Protocol: the official split, 7058 train / 1000 validation (checkpoint
# selection, never the test part) / 2015 test.
# Input policy: the 512x384 version (short side 384; a no-op on the 512x384
# files), random 224 crop + horizontal flip for training; at test time the
# 4 corners and the centre (5 x 224, DeterministicCrops), scores averaged.
dataset_type = 'KonIQ10kDataset'
data_root = 'data/koniq10k/'
ann_file = 'koniq10k_distributions_sets.csv'
label_format = 'koniq_official'
img_prefix = '512x384/'
score_range = (1.0, 5.0)  # MOS
lower_better = False
resize_short_side = 384
crop_size = 224
num_test_crops = 5

train_pipeline = [
    dict(type='LoadImageRGB'),
    dict(type='ResizeEdge', scale=resize_short_side, edge='short',
         interpolation='area'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackQualityInputs'),
]
test_pipeline = [
    dict(type='LoadImageRGB'),
    dict(type='ResizeEdge', scale=resize_short_side, edge='short',
         interpolation='area'),
    dict(type='DeterministicCrops', crop_size=crop_size,
         num_crops=num_test_crops),
    dict(type='PackQualityInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file=ann_file,
        label_format=label_format,
        data_prefix=dict(img_path=img_prefix),
        score_range=score_range,
        lower_better=lower_better,
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file=ann_file,
        label_format=label_format,
        data_prefix=dict(img_path=img_prefix),
        score_range=score_range,
        lower_better=lower_better,
        split='val',
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file=ann_file,
        label_format=label_format,
        data_prefix=dict(img_path=img_prefix),
        score_range=score_range,
        lower_better=lower_better,
        split='test',
        test_mode=True,
        pipeline=test_pipeline))

# PLCC of the raw predictions (no logistic fit), as results on authentic sets
# are usually reported; checkpoints are chosen on the validation SRCC.
val_evaluator = dict(type='QualityMetric', plcc_fit='none')
test_evaluator = dict(type='QualityMetric', plcc_fit='none')
