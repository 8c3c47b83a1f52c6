# LIVE IQA (Release 2): 29 references x 5 synthetic distortions = 779
# distorted images (mostly 768x512). Scores are realigned DMOS: HIGHER IS
# WORSE (lower_better=True); the published values span -2.64 to 111.77, so
# the normalising range is (-3, 112).
#
# Layout under data_root (the databaserelease2 folder):
#   LIVE.txt                 the published score table (dis_img_path,
#                            dis_type, ref_img_path, score; paths
#                            LIVE/jp2k/img2.bmp); a pyiqa-style CSV works
#                            too (label_format='pyiqa', strip_dirs=0)
#   jp2k/ jpeg/ wn/ gblur/ fastfading/   distorted images
#   splits/                  the split file (below)
# File names (img1.bmp ...) repeat across folders and do not name the
# reference: it comes from the ref_img_path column.
#
# Protocol: 10 random 80/20 splits BY REFERENCE, 10 % of each training part
# held out as validation (checkpoint selection, never the test part); report
# the median and mean over the splits (tools/run_splits.py). Make the split
# file once:
#   python tools/data/make_splits.py data/live/LIVE.txt \
#       --dataset live --out data/live/splits --num-splits 10 --seed 0
# It writes data/live/splits/live_random10_seed0.json;
# split_index picks one split.
#
# Input policy: native resolution (the smallest images are about 480 px
# wide), random 224 crop + horizontal flip; at test time the 4 corners and
# the centre (5 x 224).
_base_ = ['./pipelines/image_crops.py']

# The same data in the three loaders; pipelines/image_crops.py gives each its
# split, pipeline and batch.
train_dataloader = val_dataloader = test_dataloader = dict(dataset=dict(
    type='LIVEDataset',  # realigned DMOS (-3, 112), lower_better
    data_root='data/live/', ann_file='LIVE.txt', label_format='table',
    strip_dirs=1,  # LIVE/jp2k/img2.bmp -> jp2k/img2.bmp
    split_file='splits/live_random10_seed0.json', split_index=0))

# Test PLCC (and RMSE) after the 5-parameter logistic fit (LIVE's
# convention, used by the LIVE / CSIQ / TID2013 comparisons in the
# literature); validation (checkpoint selection on SRCC) needs no fit. Set
# plcc_fit='logistic4' for the VQEG fit, 'none' to report raw PLCC.
test_evaluator = dict(type='QualityMetric', plcc_fit='logistic5')
