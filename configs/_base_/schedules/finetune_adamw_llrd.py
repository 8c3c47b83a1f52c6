# Fine-tuning schedule of the QPT V2 scorers (IQA / IAA): AdamW with
# layer-wise lr decay, linear warm-up then cosine to 0, 30 epochs, a
# validation pass per epoch (../runtime_finetune.py keeps the best
# validation SRCC: "validation-selected best checkpoint"). With a split
# file without a validation part (make_splits.py --val-ratio 0)
# tools/train.py runs no validation and keeps no best checkpoint: "no
# selection: last checkpoint tested" (qpt/evaluation/protocol.py).
# Drop-path (0.1) is set in the model base (qptv2_hivit-t_quality.py).
#
# lr = 1e-3 x total_batch / 256 (1 GPU x 32 -> 1.25e-4), the MAE fine-tuning
# rule for a small encoder; `tools/train.py --auto-scale-lr` rescales it for
# another total batch size. Layer decay 0.75 over HiViT-T's 16 layers
# (patch embedding, 14 blocks, norm/head): the patch embedding trains at
# 0.75 ** 15 (1.3 %) of the head's lr. No weight decay on 1-D parameters
# and position tables (LayerDecayOptimWrapperConstructor).
# float32 here; `tools/train.py --amp` switches to AMP on a GPU.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1e-3 * 32 / 256, betas=(0.9, 0.999),
        weight_decay=0.05),
    constructor='LayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=0.75))
auto_scale_lr = dict(base_batch_size=32)

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=True,
        begin=0,
        end=3,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=27,
        eta_min=0.,
        by_epoch=True,
        begin=3,
        end=30,
        convert_to_iter_based=True),
]

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=30, val_interval=1)
val_cfg = dict()
test_cfg = dict()
