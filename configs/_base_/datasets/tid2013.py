# TID2013: 25 references x 24 synthetic distortions x 5 levels = 3,000
# images of 512x384, MOS 0-9 (higher is better).
#
# Layout under data_root (the tid2013 release):
#   TID2013.txt          the published score table (paths
#                        TID2013/distorted_images/i01_01_1.bmp); a
#                        pyiqa-style CSV works too (label_format='pyiqa',
#                        strip_dirs=0, data_prefix=dict(img_path=
#                        'distorted_images/'))
#   distorted_images/    distorted images
#   splits/              the split file (below)
#
# Protocol: 10 random 80/20 splits BY REFERENCE (i01_01_1.bmp belongs to
# i01.bmp), 10 % of each training part held out as validation (checkpoint
# selection, never the test part); report the median and mean over the splits
# (tools/run_splits.py). Make the split file once:
#   python tools/data/make_splits.py data/tid2013/TID2013.txt \
#       --dataset tid2013 --out data/tid2013/splits --num-splits 10 --seed 0
# It writes data/tid2013/splits/tid2013_random10_seed0.json;
# split_index picks one split.
#
# Input policy: native 512x384, random 224 crop + horizontal flip; at test
# time the 4 corners and the centre (5 x 224).
_base_ = ['./pipelines/image_crops.py']

# The same data in the three loaders; pipelines/image_crops.py gives each its
# split, pipeline and batch.
train_dataloader = val_dataloader = test_dataloader = dict(dataset=dict(
    type='TID2013Dataset', data_root='data/tid2013/',
    ann_file='TID2013.txt', label_format='table',
    # TID2013/distorted_images/x.bmp -> distorted_images/x.bmp
    strip_dirs=1, split_file='splits/tid2013_random10_seed0.json',
    split_index=0))

# Test PLCC (and RMSE) after the 5-parameter logistic fit (LIVE's
# convention, used by the LIVE / CSIQ / TID2013 comparisons in the
# literature); validation (checkpoint selection on SRCC) needs no fit. Set
# plcc_fit='logistic4' for the VQEG fit, 'none' to report raw PLCC.
test_evaluator = dict(type='QualityMetric', plcc_fit='logistic5')
