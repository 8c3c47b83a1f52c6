# QPT V2 pretraining, the full recipe: HiViT-T with multi-scale fusion,
# blur <-> CST degradation, clean targets, 75% masking, 8 GPUs x 256 crops,
# AMP, AdamW lr 1.5e-4 x 2048/256, on the curated SA-1B list
# (data/sa1b/sa1b_curated.txt, held-out data/sa1b/sa1b_heldout.txt).
#
# Data: the fast path (configs/_base_/datasets/sa1b_pretrain_shards.py).
# The curated images are cut losslessly into 512 px tiles in tar shards
# (no pixel re-encoded); one read and decode of a tile gives 4 crops, each
# with its own flip, mask and blur <-> CST parameters, and the degradation
# runs batch-wise on the GPU (DegradationDataPreprocessor). Measured
# (docs/benchmarks.md): 2151 samples/s per CPU core, about 12 KB read
# per sample, against ~36-54 samples/s per core for the file-based pipeline
# (pretrain_hivit_files.py). Make the shards first, then train:
#   python tools/data/make_pretrain_tiles.py data/sa1b \
#       --ann-file data/sa1b/sa1b_curated.txt --out data/sa1b_tiles \
#       --workers 16
#   bash tools/dist_train.sh configs/qptv2/pretrain_hivit.py 8
#
# Schedule in samples (configs/_base_/schedules/mim_adamw_cosine_1024m.py):
# 1.024 B samples (~186 passes over an assumed 5.5 M curated images), 5%
# warm-up. A sample is one crop: 8 GPUs x 64 tiles x 4 crops = 2048
# samples per iteration, 500,000 iterations with 25,000 of warm-up. Other
# GPU counts, batch sizes or `num_crops` keep the samples (tools/train.py
# rescales the iterations with sample_schedule.samples_per_item);
# `--auto-scale-lr` keeps lr / sample. Expected wall time:
# docs/pretraining.md.
_base_ = [
    '../_base_/models/qptv2_hivit-t.py',
    '../_base_/datasets/sa1b_pretrain_shards.py',
    '../_base_/schedules/mim_adamw_cosine_1024m.py',
    '../_base_/runtime_pretrain.py',
]

model = dict(data_preprocessor={{_base_.data_preprocessor_shards}})

train_dataloader = dict(sampler=dict(type='InfiniteSampler', shuffle=True))
# A dataset item is one tile of `num_crops` = 4 samples (crops); the
# schedule counts samples: world size x tiles per GPU x 4.
sample_schedule = dict(samples_per_item=4)
# MMEngine's `--auto-scale-lr` multiplies lr by world_size x
# train_dataloader.batch_size / base_batch_size, and batch_size counts
# tiles here, so the base is the schedule's 2048 samples per iteration in
# tiles: 2048 / 4 crops = 512 (8 GPUs x 64 tiles). lr / sample then stays
# 1.5e-4 / 256 at any GPU count or batch. (Change it with `num_crops`.)
auto_scale_lr = dict(base_batch_size=512)
