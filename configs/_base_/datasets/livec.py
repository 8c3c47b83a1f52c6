# LIVE Challenge (CLIVE): 1,162 in-the-wild photos of 500x500, authentic
# distortions, MOS 0-100 (higher is better).
#
# Layout under data_root (the ChallengeDB_release folder):
#   LIVE_Challenge.txt   the published score table (paths
#                        LIVE_Challenge/Images/xxx.bmp); a pyiqa-style CSV
#                        works too (label_format='pyiqa', strip_dirs=0 and
#                        data_prefix=dict(img_path='Images/'))
#   Images/*.bmp         the photos
#   splits/              the split file (below)
# Quirk: the release holds 7 extra training images (Images/trainingImages/
# t1.bmp ... t7.bmp); LIVEChallengeDataset drops them by name, wherever
# they are in the label file.
#
# Protocol: 10 random 80/20 splits, 10 % of each training part held out as
# validation (checkpoint selection, never the test part); report the median
# and mean over the splits (tools/run_splits.py). Make the split file once:
#   python tools/data/make_splits.py data/livec/LIVE_Challenge.txt \
#       --dataset livec --out data/livec/splits --num-splits 10 --seed 0
# It writes data/livec/splits/livec_random10_seed0.json;
# split_index picks one split.
#
# Input policy: native 500x500 (no resize), random 224 crop + horizontal flip;
# at test time the 4 corners and the centre (5 x 224).
dataset_type = 'LIVEChallengeDataset'
data_root = 'data/livec/'
ann_file = 'LIVE_Challenge.txt'
label_format = 'table'
strip_dirs = 1  # LIVE_Challenge/Images/101.bmp -> Images/101.bmp
split_file = 'splits/livec_random10_seed0.json'
split_index = 0
score_range = (0.0, 100.0)  # MOS
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

# PLCC of the raw predictions (no logistic fit), as results on authentic sets
# are usually reported; checkpoints are chosen on the validation SRCC.
val_evaluator = dict(type='QualityMetric', plcc_fit='none')
test_evaluator = dict(type='QualityMetric', plcc_fit='none')
