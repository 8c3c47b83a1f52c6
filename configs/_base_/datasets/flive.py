# LIVE-FB (FLIVE, PaQ-2-PiQ): about 40k in-the-wild pictures of various
# sizes and aspect ratios, authentic distortions, MOS 0-100 (higher is
# better). The patch labels of the release are not used.
#
# Layout under data_root:
#   flive_labels.csv   a pyiqa-style CSV: img_name, mos and a `split` column
#                      holding the official train / val / test assignment of
#                      the PaQ-2-PiQ release (any other column names:
#                      label_format='csv' with columns=dict(filename=...,
#                      mos=..., split=...))
#   images/            the pictures, at the paths img_name gives
# Without a val part in the label file, carve one from train:
#   python tools/data/make_splits.py data/flive/flive_labels.csv \
#       --dataset flive --protocol official --out data/flive/splits
# and set split_file = 'splits/flive_official.json'.
#
# Protocol: the official split; checkpoints chosen on val, never on test.
# Input policy: native resolution (resampling would change the authentic
# distortions being scored), random 224 crop +
# horizontal flip; the few training pictures smaller than 224 are skipped
# (logged). At test time the 4 corners and the centre (5 x 224); test
# pictures smaller than 224 are up-scaled to fit (on_small='resize') so that
# every test picture is scored.
dataset_type = 'QualityDataset'
dataset_name = 'flive'
data_root = 'data/flive/'
ann_file = 'flive_labels.csv'
label_format = 'pyiqa'
img_prefix = 'images/'
split_file = None  # the label file's split column
score_range = (0.0, 100.0)  # MOS
lower_better = False
crop_size = 224
num_test_crops = 5

train_pipeline = [
    dict(type='LoadImageRGB', min_size=crop_size, on_small='skip'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackQualityInputs'),
]
test_pipeline = [
    dict(type='LoadImageRGB'),
    dict(type='DeterministicCrops', crop_size=crop_size,
         num_crops=num_test_crops,
         on_small='resize'),
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
        dataset_name=dataset_name,
        data_prefix=dict(img_path=img_prefix),
        split_file=split_file,
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
        dataset_name=dataset_name,
        data_prefix=dict(img_path=img_prefix),
        split_file=split_file,
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
        dataset_name=dataset_name,
        data_prefix=dict(img_path=img_prefix),
        split_file=split_file,
        score_range=score_range,
        lower_better=lower_better,
        split='test',
        test_mode=True,
        pipeline=test_pipeline))

# PLCC of the raw predictions (no logistic fit), as results on authentic sets
# are usually reported; checkpoints are chosen on the validation SRCC.
val_evaluator = dict(type='QualityMetric', plcc_fit='none')
test_evaluator = dict(type='QualityMetric', plcc_fit='none')
