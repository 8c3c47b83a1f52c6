# CSIQ: 30 references x 6 synthetic distortions x 4-5 levels = 866 images of
# 512x512. Scores are DMOS in [0, 1]: HIGHER IS WORSE (lower_better=True;
# training targets are flipped so that higher = better, predictions and
# metrics are reported on the DMOS scale).
#
# Layout under data_root (the CSIQ release):
#   CSIQ.txt     the published score table (paths
#                CSIQ/dst_imgs/AWGN/1600.AWGN.1.png); a pyiqa-style CSV
#                works too (label_format='pyiqa', strip_dirs=0 and
#                data_prefix=dict(img_path=<its image folder>))
#   dst_imgs/    distorted images, one folder per distortion
#   splits/      the split file (below)
#
# Protocol: 10 random 80/20 splits BY REFERENCE (1600.AWGN.1.png belongs to
# 1600.png), 10 % of each training part held out as validation (checkpoint
# selection, never the test part); report the median and mean over the splits
# (tools/run_splits.py). Make the split file once:
#   python tools/data/make_splits.py data/csiq/CSIQ.txt \
#       --dataset csiq --out data/csiq/splits --num-splits 10 --seed 0
# It writes data/csiq/splits/csiq_random10_seed0.json;
# split_index picks one split.
#
# Input policy: native 512x512, random 224 crop + horizontal flip; at test
# time the 4 corners and the centre (5 x 224).
_base_ = ['./pipelines/image_crops.py']

# The same data in the three loaders; pipelines/image_crops.py gives each its
# split, pipeline and batch.
train_dataloader = val_dataloader = test_dataloader = dict(dataset=dict(
    type='CSIQDataset',  # DMOS 0-1: lower_better (its METAINFO)
    data_root='data/csiq/', ann_file='CSIQ.txt', label_format='table',
    strip_dirs=1,  # CSIQ/dst_imgs/AWGN/x.png -> dst_imgs/AWGN/x.png
    split_file='splits/csiq_random10_seed0.json', split_index=0))

# Test PLCC (and RMSE) after the 5-parameter logistic fit (LIVE's
# convention, used by the LIVE / CSIQ / TID2013 comparisons in the
# literature); validation (checkpoint selection on SRCC) needs no fit. Set
# plcc_fit='logistic4' for the VQEG fit, 'none' to report raw PLCC.
test_evaluator = dict(type='QualityMetric', plcc_fit='logistic5')
