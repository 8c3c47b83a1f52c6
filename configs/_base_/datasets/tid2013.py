# TID2013: 25 references x 24 synthetic distortions x 5 levels = 3,000
# images of 512x384, MOS 0-9 (higher is better).
#
# Layout under data_root (the tid2013 release):
#   TID2013.txt          the published score table (paths
#                        TID2013/distorted_images/i01_01_1.bmp); a
#                        pyiqa-style CSV works too (label_format='pyiqa',
#                        strip_dirs=0, data_prefix=dict(img_path=
#                        'distorted_images/'))
#   distorted_images/    distorted images
#   splits/              the split file (below)
#
# Protocol: 10 random 80/20 splits BY REFERENCE (i01_01_1.bmp belongs to
# i01.bmp), 10 % of each training part held out as validation (checkpoint
# selection, never the test part); report the median and mean over the splits
# (tools/run_splits.py). Make the split file once:
#   python tools/data/make_splits.py data/tid2013/TID2013.txt \
#       --dataset tid2013 --out data/tid2013/splits --num-splits 10 --seed 0
# It writes data/tid2013/splits/tid2013_random10_seed0.json;
# split_index picks one split.
#
# Input policy: native 512x384, random 224 crop + horizontal flip; at test
# time the 4 corners and the centre (5 x 224).
dataset_type = 'TID2013Dataset'
data_root = 'data/tid2013/'
ann_file = 'TID2013.txt'
label_format = 'table'
strip_dirs = 1  # TID2013/distorted_images/x.bmp -> distorted_images/x.bmp
split_file = 'splits/tid2013_random10_seed0.json'
split_index = 0
score_range = (0.0, 9.0)  # MOS
lower_better = False
crop_size = 224
num_test_crops = 5

train_pipeline = [
    dict(type='LoadImageRGB'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackQualityInputs'),
]
test_pipeline = [
    dict(type='LoadImageRGB'),
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
        strip_dirs=strip_dirs,
        split_file=split_file,
        split_index=split_index,
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
        strip_dirs=strip_dirs,
        split_file=split_file,
        split_index=split_index,
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
        strip_dirs=strip_dirs,
        split_file=split_file,
        split_index=split_index,
        score_range=score_range,
        lower_better=lower_better,
        split='test',
        test_mode=True,
        pipeline=test_pipeline))

# Test PLCC (and RMSE) after the 5-parameter logistic fit (LIVE's
# convention, used by the LIVE / CSIQ / TID2013 comparisons in the
# literature); validation (checkpoint selection on SRCC) needs no fit. Set
# plcc_fit='logistic4' for the VQEG fit, 'none' to report raw PLCC.
val_evaluator = dict(type='QualityMetric', plcc_fit='none')
test_evaluator = dict(type='QualityMetric', plcc_fit='logistic5')
