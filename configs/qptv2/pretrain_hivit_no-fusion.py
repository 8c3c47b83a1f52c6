# Ablation: no multi-scale fusion (the decoder sees stage-3 tokens only).
_base_ = './pretrain_hivit.py'
model = dict(neck=dict(fusion='none'))
