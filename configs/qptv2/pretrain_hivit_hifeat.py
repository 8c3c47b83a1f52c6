# Ablation: the official HiViT-MAE fusion (`hifeat=True`): the stage-1,
# stage-2 and stage-3 features of each unit concatenated (7C = 2688), one
# LayerNorm over them, then the decoder embedding. Stage 3 enters that norm
# un-normalised, as in the official code (the encoder's final norm is the
# 7C one), so the backbone's own final norm is off. Its checkpoints have no
# backbone.norm.*: fine-tune from them with the scorer's norm initialised
# fresh, e.g. --cfg-options model.backbone.init_cfg.fresh="['norm.']"
# (StrictPretrained still loads every other encoder tensor strictly).
_base_ = './pretrain_hivit.py'
model = dict(backbone=dict(final_norm=False), neck=dict(fusion='hifeat'))
