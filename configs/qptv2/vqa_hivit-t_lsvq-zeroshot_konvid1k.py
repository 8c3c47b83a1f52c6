# Zero-shot KoNViD-1k (test only): the LSVQ-trained model
# (configs/qptv2/vqa_hivit-t_lsvq.py) on all 1200 videos, no fine-tuning.
#   python tools/test.py configs/qptv2/vqa_hivit-t_lsvq-zeroshot_konvid1k.py \
#       work_dirs/vqa_hivit-t_lsvq/best_SRCC_epoch_N.pth
# The model's normalised [0, 1] output is reported on KoNViD-1k's scale
# (the test dataset's metainfo: the metric maps it, DatasetMetaHook hands it
# to the model): SRCC, KRCC and PLCC do not depend on that linear
# map; RMSE across datasets is indicative only (plcc_fit='logistic4' maps
# the predictions onto the subjective scale first).
_base_ = [
    '../_base_/models/qptv2_hivit-t_vqa.py',
    '../_base_/datasets/konvid1k.py',
    '../_base_/default_runtime.py',
]

test_dataloader = dict(
    dataset=dict(split='all', split_file=None))
test_cfg = dict()

# Test only: no training or validation here.
train_dataloader = val_dataloader = val_evaluator = None
