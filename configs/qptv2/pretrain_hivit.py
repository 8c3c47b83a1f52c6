# QPT V2 pretraining, the full recipe: HiViT-T with multi-scale fusion,
# blur <-> CST degradation, clean targets, 75% masking, 8 GPUs x 256, AMP,
# AdamW lr 1.5e-4 x 2048/256, 40 warm-up + cosine, 800 epochs on the curated
# SA-1B list (data/sa1b/sa1b_curated.txt, held-out data/sa1b/sa1b_heldout.txt).
#   bash tools/dist_train.sh configs/qptv2/pretrain_hivit.py 8
_base_ = [
    '../_base_/models/qptv2_hivit-t.py',
    '../_base_/datasets/sa1b_pretrain.py',
    '../_base_/schedules/mim_adamw_cosine_800e.py',
    '../_base_/default_runtime.py',
]

default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(interval=10, max_keep_ckpts=3))
custom_hooks = [dict(type='ReconstructionVisualizationHook', num_images=8)]
