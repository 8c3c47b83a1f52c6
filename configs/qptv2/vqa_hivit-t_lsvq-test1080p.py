# LSVQ test-1080p (test only): the model of vqa_hivit-t_lsvq.py on the
# official 1080p test list.
#   python tools/test.py configs/qptv2/vqa_hivit-t_lsvq-test1080p.py \
#       work_dirs/vqa_hivit-t_lsvq/best_SRCC_epoch_N.pth
_base_ = ['./vqa_hivit-t_lsvq.py']

test_dataloader = dict(
    batch_size=2,  # 1080p decoding is the slow part
    dataset=dict(ann_file={{_base_.test_1080p_ann_file}}))
