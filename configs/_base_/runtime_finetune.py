# Runtime of the fine-tuning recipes (IQA / IAA / VQA): default_runtime.py,
# and the checkpoint with the best validation SRCC is kept, never one chosen
# on the test part ("validation-selected best checkpoint",
# qpt/evaluation/protocol.py; tools/train.py keeps none when the split has
# no validation part).
_base_ = ['./default_runtime.py']

default_hooks = dict(
    checkpoint=dict(
        interval=1, max_keep_ckpts=1, save_best='SRCC', rule='greater'))
