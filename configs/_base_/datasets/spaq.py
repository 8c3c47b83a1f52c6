# SPAQ: 11,125 smartphone photos, authentic distortions, MOS 0-100 (higher
# is better).
#
# Layout under data_root:
#   SPAQ.txt          the published score table (dis_img_path, dis_type,
#                     score; paths SPAQ/Dataset/TestImage/xxxxx.jpg), or any
#                     pyiqa-style CSV (label_format='pyiqa', strip_dirs=0)
#   TestImage/*.jpg   the photos (the table's first 3 folders are stripped)
#   splits/           the split file (below)
#
# Protocol: 10 random 80/20 splits, 10 % of each training part held out as
# validation (checkpoint selection, never the test part); report the median
# and mean over the splits (tools/run_splits.py). Make the split file once:
#   python tools/data/make_splits.py data/spaq/SPAQ.txt \
#       --dataset spaq --out data/spaq/splits --num-splits 10 --seed 0
# It writes data/spaq/splits/spaq_random10_seed0.json;
# split_index picks one split.
#
# Input policy: the photos are about 4000 px; the short side is resized to
# 448 first (the usual SPAQ protocol), then a random 224 crop + horizontal
# flip; at test time the 4 corners and the centre (5 x 224). Resizing 4000 px
# JPEGs on the fly is slow: resize them once offline (short side 448, any
# tool) into another folder and point img_prefix at it; the ResizeEdge below
# is then a no-op.
_base_ = ['./pipelines/image_crops.py']

dataset = dict(
    type='SPAQDataset', data_root='data/spaq/', ann_file='SPAQ.txt',
    label_format='table',
    strip_dirs=3,  # SPAQ/Dataset/TestImage/00001.jpg -> 00001.jpg
    data_prefix=dict(img_path='TestImage/'),
    split_file='splits/spaq_random10_seed0.json', split_index=0)
# the short side to 448 first, in training and at test time
resize = dict(type='ResizeEdge', scale=448, edge='short', interpolation='area')  # noqa: E501
train_pipeline = [{{_base_.load}}, resize, {{_base_.random_crop}}, {{_base_.flip}}, {{_base_.pack}}]  # noqa: E501
test_pipeline = [{{_base_.load}}, resize, {{_base_.test_crops}}, {{_base_.pack}}]  # noqa: E501
train_dataloader = dict(dataset=dict(dataset, pipeline=train_pipeline))
val_dataloader = test_dataloader = dict(dataset=dict(dataset, pipeline=test_pipeline))  # noqa: E501
