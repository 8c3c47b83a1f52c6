# Pretraining data: the curated SA-1B list (tools/data/curate.py writes it).
# Clean 224 crops of the full-resolution image (no down-scaling: it would
# destroy the fine detail that HR data is chosen for), horizontal flip, then
# the degradation makes the encoder's input; the clean crop is the target.
_base_ = ['./degradations.py']

dataset_type = 'PretrainImageDataset'
data_root = 'data/sa1b/'
crop_size = 224

load = dict(type='LoadImageRGB', min_size=crop_size, on_small='skip')
crop = dict(type='RandomCrop', crop_size=crop_size)
flip = dict(type='RandomFlip', prob=0.5, direction='horizontal')
pack = dict(type='PackInputs', meta_keys=('sample_idx', 'img_path'))

# The clean / degraded pair the model learns from.
pair = dict(
    type='DegradationPair',
    degradation={{_base_.sequential_degradation}},
    # Target: NOT decided by measurement yet. docs/ablation.md (400
    # iterations x 128 px, 2 seeds): no arm beats random initialisation
    # on the quality probe; clean and degraded targets are within the
    # seed spread (probe noise pooled 0.68 vs 0.66, fine-tuned SRCC
    # -0.03 +- 0.18 vs 0.08 +- 0.05). 'clean' stays (the secondary
    # source's reading); 'degraded' is the one-line ablation
    # configs/qptv2/pretrain_hivit_degraded-target.py. At 3000 iterations
    # (2 seeds) the degraded target wins on blur/JPEG pooled and fine-tuned
    # SRCC (docs/ablation.md): switching this default is pending.
    target='clean')
train_pipeline = [load, crop, flip, pair, pack]
# Pipelines of the ablations (each selected by a one-line child config).
no_degradation = dict(type='DegradationPair', degradation=None)
advanced_pair = dict(pair, degradation={{_base_.advanced_degradation}})
degraded_target_pair = dict(pair, target='degraded')
train_pipeline_no_degradation = [load, crop, flip, no_degradation, pack]
train_pipeline_advanced = [load, crop, flip, advanced_pair, pack]
train_pipeline_degraded_target = [load, crop, flip, degraded_target_pair, pack]
# Held-out reconstruction loss: deterministic centre crops, the training
# degradation and target, and each image's degradation a function of
# (heldout_seed, its index in the held-out list) -- with the model's
# deterministic evaluation masks, two evaluations of one checkpoint give the
# same number. Every ablation validates on its own kind of pair.
heldout_seed = 0
test_load = dict(type='LoadImageRGB', min_size=crop_size, on_small='error')
test_crop = dict(type='CenterCrop', crop_size=crop_size)
test_pipeline = [test_load, test_crop, dict(pair, seed=heldout_seed), pack]
test_pipeline_no_degradation = [test_load, test_crop, no_degradation, pack]
test_pipeline_advanced = [
    test_load, test_crop, dict(advanced_pair, seed=heldout_seed), pack
]
test_pipeline_degraded_target = [
    test_load, test_crop, dict(degraded_target_pair, seed=heldout_seed), pack
]

train_dataloader = dict(
    batch_size=256,
    num_workers=16,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='sa1b_curated.txt',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='sa1b_heldout.txt',
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='ReconstructionMetric')
test_evaluator = val_evaluator
