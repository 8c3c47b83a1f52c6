# LIVE Challenge (CLIVE): 1,162 in-the-wild photos of 500x500, authentic
# distortions, MOS 0-100 (higher is better).
#
# Layout under data_root (the ChallengeDB_release folder):
#   LIVE_Challenge.txt   the published score table (paths
#                        LIVE_Challenge/Images/xxx.bmp); a pyiqa-style CSV
#                        works too (label_format='pyiqa', strip_dirs=0 and
#                        data_prefix=dict(img_path='Images/'))
#   Images/*.bmp         the photos
#   splits/              the split file (below)
# Quirk: the release holds 7 extra training images (Images/trainingImages/
# t1.bmp ... t7.bmp); LIVEChallengeDataset drops them by name, wherever
# they are in the label file.
#
# Protocol: 10 random 80/20 splits, 10 % of each training part held out as
# validation (checkpoint selection, never the test part); report the median
# and mean over the splits (tools/run_splits.py). Make the split file once:
#   python tools/data/make_splits.py data/livec/LIVE_Challenge.txt \
#       --dataset livec --out data/livec/splits --num-splits 10 --seed 0
# It writes data/livec/splits/livec_random10_seed0.json;
# split_index picks one split.
#
# Input policy: native 500x500 (no resize), random 224 crop + horizontal flip;
# at test time the 4 corners and the centre (5 x 224).
_base_ = ['./pipelines/image_crops.py']

# The same data in the three loaders; pipelines/image_crops.py gives each its
# split, pipeline and batch.
train_dataloader = val_dataloader = test_dataloader = dict(dataset=dict(
    type='LIVEChallengeDataset',  # drops t1-t7.bmp
    data_root='data/livec/',
    ann_file='LIVE_Challenge.txt', label_format='table',
    strip_dirs=1,  # LIVE_Challenge/Images/101.bmp -> Images/101.bmp
    split_file='splits/livec_random10_seed0.json', split_index=0))
