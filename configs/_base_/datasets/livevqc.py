# LIVE-VQC: 585 videos of real-world scenes from 80 mobile cameras (240p to
# 1080p, about 10 s), MOS 0-100 (higher is better).
#
# Layout under data_root (the LIVE-VQC release plus the FAST-VQA / DOVER
# label file; a user changes only data_root):
#   labels.txt      one `filename, _, _, mos` line per video (the FAST-VQA /
#                   DOVER label text format)
#   videos/*.mp4    the video files (Video/ in the release)
#   splits/         the split file (below)
#
# Protocol: 10 random 80/20 splits, 10 % of each training part held out as
# validation (checkpoint selection, never the test part); report the median
# and mean over the splits. Make the split file once:
#   python tools/data/make_splits.py data/livevqc/labels.txt \
#       --dataset livevqc --out data/livevqc/splits --num-splits 10 --seed 0
# It writes data/livevqc/splits/livevqc_random10_seed0.json; split_index
# picks one split. Zero-shot testing of an LSVQ-trained model on all 585
# videos: configs/qptv2/vqa_hivit-t_lsvq-zeroshot_livevqc.py.
#
# Input policy: FAST-VQA fragments (pipelines/video_fragments.py).
_base_ = ['./pipelines/video_fragments.py']

# The same data in the three loaders; pipelines/video_fragments.py gives
# each its split, pipeline and batch.
train_dataloader = val_dataloader = test_dataloader = dict(dataset=dict(
    type='LIVEVQCDataset', data_root='data/livevqc/',
    ann_file='labels.txt',
    split_file='splits/livevqc_random10_seed0.json', split_index=0))
