# A tiny QPT V2 pretraining config on tile shards for CPU tests: the fast
# data path (shard read, tile decode, 2 crops per tile, parameters drawn on
# the data side, blur <-> CST in DegradationDataPreprocessor), a small HiViT
# and 64x64 crops. `train_dataloader.dataset.data_root` (the tile folder)
# and the held-out `data_root` (an image folder) are set by the tests.
_base_ = ['./pretrain_tiny.py']
crop = 64
degradation = {{_base_.sequential_degradation}}
model = dict(
    data_preprocessor=dict(
        type='DegradationDataPreprocessor', degradation=degradation))
train_dataloader = dict(
    batch_size=2,  # tiles; x 2 crops = 4 samples per step
    dataset=dict(
        _delete_=True,
        type='PretrainTileDataset',
        data_root='',
        crop_size=crop,
        pipeline=[
            dict(type='LoadTileFromShard'),
            dict(type='DecodeTile'),
            dict(type='RandomTileCrops', crop_size=crop, num_crops=2),
            dict(type='DrawDegradationParams', degradation=degradation),
            dict(type='PackTileCrops'),
        ]))
