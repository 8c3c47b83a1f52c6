# The video scorer (qptv2_hivit-t_vqa.py) for fine-tuning: image weights,
# inflated to 3-D when the model is initialised: the QPT V2 pretraining
# checkpoint (tools/train.py configs/qptv2/pretrain_hivit.py; encoder only),
# a released QPT V2 image checkpoint or one of our image scorer checkpoints
# (encoder and head). See qpt/models/converters/inflate.py. To start from
# the LSVQ-trained video model instead, set init_cfg=None and
# load_from=<its checkpoint>.
_base_ = ['./qptv2_hivit-t_vqa.py']

image_checkpoint = 'work_dirs/pretrain_hivit'  # its last checkpoint
model = dict(
    init_cfg=dict(type='InflatedPretrained', checkpoint=image_checkpoint))
