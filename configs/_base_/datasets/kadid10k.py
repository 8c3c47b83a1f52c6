# KADID-10k: 81 references x 25 synthetic distortions x 5 levels = 10,125
# images of 512x384, MOS 1-5 (higher is better).
#
# Layout under data_root (the kadid10k release):
#   KADID-10k.txt   the published score table (paths
#                   KADID-10k/images/I01_01_01.png); a pyiqa-style CSV works
#                   too (label_format='pyiqa', strip_dirs=0 and
#                   data_prefix=dict(img_path=<its image folder>))
#   images/*.png    distorted images (and the references I01.png ...)
#   splits/         the split file (below)
#
# Protocol: 10 random 80/20 splits BY REFERENCE (I01_01_01.png belongs to
# I01.png; no content is on both sides), 10 % of each training part held out
# as validation (checkpoint selection, never the test part); report the median
# and mean over the splits (tools/run_splits.py). Make the split file once:
#   python tools/data/make_splits.py data/kadid10k/KADID-10k.txt \
#       --dataset kadid10k --out data/kadid10k/splits --num-splits 10 --seed 0
# It writes data/kadid10k/splits/kadid10k_random10_seed0.json;
# split_index picks one split.
#
# Input policy: native 512x384 (resizing would change the visibility of the
# distortions being scored), random 224 crop + horizontal flip; at test time
# the 4 corners and the centre (5 x 224).
_base_ = ['./pipelines/image_crops.py']

# The same data in the three loaders; pipelines/image_crops.py gives each its
# split, pipeline and batch.
train_dataloader = val_dataloader = test_dataloader = dict(dataset=dict(
    type='KADID10kDataset', data_root='data/kadid10k/',
    ann_file='KADID-10k.txt', label_format='table',
    strip_dirs=1,  # KADID-10k/images/I01_01_01.png -> images/...
    split_file='splits/kadid10k_random10_seed0.json', split_index=0))

# Test PLCC (and RMSE) after the VQEG 4-parameter logistic fit, the
# convention on the legacy synthetic sets; validation (checkpoint selection
# on SRCC) needs no fit. Set plcc_fit='none' to report raw PLCC.
test_evaluator = dict(type='QualityMetric', plcc_fit='logistic4')
