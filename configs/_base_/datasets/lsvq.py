# LSVQ: about 39k in-the-wild user videos (up to 1080p), MOS 0-100 (higher
# is better).
#
# Layout under data_root (the LSVQ release plus the FAST-VQA / DOVER label
# files; a user changes only data_root):
#   labels_train_test.txt   training videos, one `filename, _, _, mos` per
#                           line (the FAST-VQA / DOVER label text format)
#   labels_test.txt         the official test set (about 7.2k videos)
#   labels_1080p.txt        the official 1080p test set (about 3.6k videos)
#   videos/...              the video files, named as in the label files
#   splits/                 the validation split file (below)
#
# Protocol: train on the training list, test on test and on test-1080p
# (configs/qptv2/vqa_hivit-t_lsvq-test1080p.py). Checkpoints are chosen on
# a validation part held out of the training list, never on a test set:
#   python tools/data/make_splits.py data/lsvq/labels_train_test.txt \
#       --dataset lsvq --out data/lsvq/splits --protocol random \
#       --num-splits 1 --test-ratio 0 --val-ratio 0.05
# It writes data/lsvq/splits/lsvq_random1_seed0.json.
#
# Input policy: FAST-VQA fragments (pipelines/video_fragments.py).
_base_ = ['./pipelines/video_fragments.py']

train_ann_file = 'labels_train_test.txt'
test_ann_file = 'labels_test.txt'
test_1080p_ann_file = 'labels_1080p.txt'
dataset = dict(type='LSVQDataset', data_root='data/lsvq/')
# train and val: the training list and the split file of its val part
train_dataloader = val_dataloader = dict(
    dataset=dict(
        dataset,
        ann_file=train_ann_file,
        split_file='splits/lsvq_random1_seed0.json',
        split_index=0))
# test: the whole official test list
test_dataloader = dict(
    dataset=dict(dataset, ann_file=test_ann_file, split='all'))
