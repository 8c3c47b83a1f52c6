# KoNViD-1k: 1,200 in-the-wild videos (Flickr, 540p, 8 s), MOS 1-5 (higher
# is better).
#
# Layout under data_root (the KoNViD-1k release plus the FAST-VQA / DOVER
# label file; a user changes only data_root):
#   labels.txt      one `filename, _, _, mos` line per video (the FAST-VQA /
#                   DOVER label text format)
#   videos/*.mp4    the video files (KoNViD_1k_videos/ in the release)
#   splits/         the split file (below)
#
# Protocol: 10 random 80/20 splits, 10 % of each training part held out as
# validation (checkpoint selection, never the test part); report the median
# and mean over the splits. Make the split file once:
#   python tools/data/make_splits.py data/konvid1k/labels.txt \
#       --dataset konvid1k --out data/konvid1k/splits --num-splits 10 --seed 0
# It writes data/konvid1k/splits/konvid1k_random10_seed0.json; split_index
# picks one split. Zero-shot testing of an LSVQ-trained model on all 1,200
# videos: configs/qptv2/vqa_hivit-t_lsvq-zeroshot_konvid1k.py.
#
# Input policy: FAST-VQA fragments (pipelines/video_fragments.py).
_base_ = ['./pipelines/video_fragments.py']

# The same data in the three loaders; pipelines/video_fragments.py gives
# each its split, pipeline and batch.
train_dataloader = val_dataloader = test_dataloader = dict(dataset=dict(
    type='KoNViD1kDataset', data_root='data/konvid1k/',
    ann_file='labels.txt',
    split_file='splits/konvid1k_random10_seed0.json', split_index=0))
