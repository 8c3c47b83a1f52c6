# SPAQ: 11,125 smartphone photos, authentic distortions, MOS 0-100 (higher
# is better).
#
# Layout under data_root:
#   SPAQ.txt          the published score table (dis_img_path, dis_type,
#                     score; paths SPAQ/Dataset/TestImage/xxxxx.jpg), or any
#                     pyiqa-style CSV (label_format='pyiqa', strip_dirs=0)
#   TestImage/*.jpg   the photos (the table's first 3 folders are stripped)
#   splits/           the split file (below)
#
# Protocol: 10 random 80/20 splits, 10 % of each training part held out as
# validation (checkpoint selection, never the test part); report the median
# and mean over the splits (tools/run_splits.py). Make the split file once:
#   python tools/data/make_splits.py data/spaq/SPAQ.txt \
#       --dataset spaq --out data/spaq/splits --num-splits 10 --seed 0
# It writes data/spaq/splits/spaq_random10_seed0.json;
# split_index picks one split.
#
# Input policy: the photos are about 4000 px; the short side is resized to
# 448 first (the usual SPAQ protocol), then a random 224 crop + horizontal
# flip; at test time the 4 corners and the centre (5 x 224). Resizing 4000 px
# JPEGs on the fly is slow: resize them once offline (short side 448, any
# tool) into another folder and point img_prefix at it; the ResizeEdge below
# is then a no-op.
dataset_type = 'SPAQDataset'
data_root = 'data/spaq/'
ann_file = 'SPAQ.txt'
label_format = 'table'
strip_dirs = 3  # SPAQ/Dataset/TestImage/00001.jpg -> 00001.jpg
img_prefix = 'TestImage/'
split_file = 'splits/spaq_random10_seed0.json'
split_index = 0
score_range = (0.0, 100.0)  # MOS
lower_better = False
resize_short_side = 448
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
        strip_dirs=strip_dirs,
        data_prefix=dict(img_path=img_prefix),
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
        data_prefix=dict(img_path=img_prefix),
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
        data_prefix=dict(img_path=img_prefix),
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
