# Loader shapes, metric and hook shared by the scoring tasks' input bases
# (image_crops.py, video_fragments.py): the three loaders differ only in their
# split (checkpoints are chosen on 'val', never on 'test') and in what the
# task bases add (pipelines, batch sizes); a dataset base then names its
# data once for all three.
train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(split='train'))
val_dataloader = dict(
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(split='val', test_mode=True))
test_dataloader = dict(
    val_dataloader, dataset=dict(val_dataloader['dataset'], split='test'))

# PLCC of the raw predictions (no logistic fit), as results on authentic
# sets and videos are usually reported (plcc_fit='logistic4' gives the VQEG
# fit); checkpoints are chosen on the validation SRCC. The synthetic sets
# fit a logistic at test time (their bases say which).
val_evaluator = dict(type='QualityMetric', plcc_fit='none')
test_evaluator = val_evaluator

# The dataset class states the scores' facts (score range, MOS or DMOS,
# label format: its METAINFO). The metric reads them from the dataset's
# metainfo (MMEngine hands it to the evaluator), this hook hands them to the
# model (predictions on the dataset's scale), and checkpoints keep the
# training dataset's (meta.dataset_meta) for inference.
custom_hooks = [dict(type='DatasetMetaHook')]
