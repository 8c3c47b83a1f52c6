# CSIQ: 30 references x 6 synthetic distortions x 4-5 levels = 866 images of
# 512x512. Scores are DMOS in [0, 1]: HIGHER IS WORSE (lower_better=True;
# training targets are flipped so that higher = better, predictions and
# metrics are reported on the DMOS scale).
#
# Layout under data_root (the CSIQ release):
#   CSIQ.txt     the published score table (paths
#                CSIQ/dst_imgs/AWGN/1600.AWGN.1.png); a pyiqa-style CSV
#                works too (label_format='pyiqa', strip_dirs=0 and
#                data_prefix=dict(img_path=<its image folder>))
#   dst_imgs/    distorted images, one folder per distortion
#   splits/      the split file (below)
#
# Protocol: 10 random 80/20 splits BY REFERENCE (1600.AWGN.1.png belongs to
# 1600.png), 10 % of each training part held out as validation (checkpoint
# selection, never the test part); report the median and mean over the splits
# (tools/run_splits.py). Make the split file once:
#   python tools/data/make_splits.py data/csiq/CSIQ.txt \
#       --dataset csiq --out data/csiq/splits --num-splits 10 --seed 0
# It writes data/csiq/splits/csiq_random10_seed0.json;
# split_index picks one split.
#
# Input policy: native 512x512, random 224 crop + horizontal flip; at test
# time the 4 corners and the centre (5 x 224).
dataset_type = 'CSIQDataset'
data_root = 'data/csiq/'
ann_file = 'CSIQ.txt'
label_format = 'table'
strip_dirs = 1  # CSIQ/dst_imgs/AWGN/x.png -> dst_imgs/AWGN/x.png
split_file = 'splits/csiq_random10_seed0.json'
split_index = 0
score_range = (0.0, 1.0)  # DMOS
lower_better = True
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
