# QPT V2 pretraining on the file-based CPU pipeline
# (configs/_base_/datasets/sa1b_pretrain.py): the same model, degradation,
# targets, schedule and seeds as the recipe pretrain_hivit.py, but each
# sample decodes a whole JPEG of the curated SA-1B list for one 224 crop
# and degrades it on the CPU. No shards to make: for small data, quick
# starts, machines without a GPU, and the ablations whose degradation has
# no device form (no-degradation, advanced-degradation). Slow: ~36-54
# samples/s per core (docs/benchmarks.md), far from what a GPU takes.
# Schedule in samples (configs/_base_/schedules/mim_adamw_cosine_1024m.py):
# 1.024 B samples (~186 passes over an assumed 5.5 M curated images), 5%
# warm-up; at 8 x 256 that is 500,000 iterations with 25,000 of warm-up.
# Other GPU counts or batch sizes keep the samples (tools/train.py
# rescales the iterations); `--auto-scale-lr` keeps lr / batch.
#   bash tools/dist_train.sh configs/qptv2/pretrain_hivit_files.py 8
_base_ = [
    '../_base_/models/qptv2_hivit-t.py',
    '../_base_/datasets/sa1b_pretrain.py',
    '../_base_/schedules/mim_adamw_cosine_1024m.py',
    '../_base_/runtime_pretrain.py',
]

train_dataloader = dict(sampler=dict(type='InfiniteSampler', shuffle=True))
