# The image scorer (qptv2_hivit-t_quality.py) for fine-tuning: its encoder
# starts from the QPT V2 pretraining checkpoint (tools/train.py
# configs/qptv2/pretrain_hivit.py); only the encoder weights are loaded, the
# head starts fresh. Another checkpoint:
#   --cfg-options model.backbone.init_cfg.checkpoint=...
_base_ = ['./qptv2_hivit-t_quality.py']

pretrained = 'work_dirs/pretrain_hivit'  # its last checkpoint
model = dict(
    backbone=dict(
        # strict: every encoder tensor loaded, or an error listing them
        init_cfg=dict(type='StrictPretrained', checkpoint=pretrained)))
