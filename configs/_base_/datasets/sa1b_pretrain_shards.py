# Pretraining data, fast path: the curated SA-1B list cut into lossless
# tiles (tools/data/make_pretrain_tiles.py -> data/sa1b_tiles/ with tar
# shards and index.jsonl). One read and one decode of a 512 px tile give
# `num_crops` clean 224 crops, each with its own flip and degradation
# parameters; the degradation (blur <-> CST) is applied batch-wise on the
# device by DegradationDataPreprocessor (`data_preprocessor_shards` below:
# a leaf puts it into `model`). Same clean targets as sa1b_pretrain.py: the
# tiles are cut without re-encoding and crops stay inside the part of each
# tile that decodes exactly as the full image.
#
# Held-out set: the full images of sa1b_pretrain.py (CPU DegradationPair);
# the preprocessor only normalises such CPU-made views.
_base_ = ['./sa1b_pretrain.py']

tile_data_root = 'data/sa1b_tiles/'
num_crops = 4  # crops per tile read (repeated sampling)
samples_per_gpu = 256  # = tiles per batch x num_crops

train_pipeline_shards = [
    dict(type='LoadTileFromShard'),
    dict(type='DecodeTile'),
    dict(
        type='RandomTileCrops',
        crop_size={{_base_.crop_size}},
        num_crops=num_crops,
        flip_prob=0.5),
    dict(
        type='DrawDegradationParams',
        degradation={{_base_.sequential_degradation}}),
    dict(type='PackTileCrops'),
]

train_dataloader = dict(
    batch_size=samples_per_gpu // num_crops,  # tiles per GPU per step
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    prefetch_factor=4,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        _delete_=True,
        type='PretrainTileDataset',
        data_root=tile_data_root,
        ann_file='index.jsonl',
        crop_size={{_base_.crop_size}},
        pipeline=train_pipeline_shards))

# The device side; `target='degraded'` for the degraded-target ablation.
data_preprocessor_shards = dict(
    type='DegradationDataPreprocessor',
    degradation={{_base_.sequential_degradation}},
    target='clean',
    mean=(123.675, 116.28, 103.53),
    std=(58.395, 57.12, 57.375))
