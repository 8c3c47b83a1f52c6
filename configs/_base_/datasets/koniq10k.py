# KonIQ-10k: 10,073 in-the-wild photos, authentic distortions, MOS 1-5
# (higher is better).
#
# Layout under data_root (the KonIQ-10k release; a user changes only
# data_root):
#   koniq10k_distributions_sets.csv   scores + the official split (`set`
#                                     column: training / validation / test)
#   512x384/*.jpg                     the images
# The 1024x768 copies work too (img_prefix = '1024x768/'): they are resized
# to 512x384 first. The published score table (KonIQ-10k.txt:
# dis_img_path, dis_type, score) has no split column; with it set ann_file,
# label_format = 'table', strip_dirs = 2 and a split file
# (tools/data/make_splits.py).
#
# Protocol: the official split, 7058 train / 1000 validation (checkpoint
# selection, never the test part) / 2015 test.
# Input policy: the 512x384 version (short side 384; a no-op on the 512x384
# files), random 224 crop + horizontal flip for training; at test time the
# 4 corners and the centre (5 x 224, DeterministicCrops), scores averaged.
_base_ = ['./pipelines/image_crops.py']

dataset = dict(
    type='KonIQ10kDataset', data_root='data/koniq10k/',
    ann_file='koniq10k_distributions_sets.csv', label_format='koniq_official',
    data_prefix=dict(img_path='512x384/'))
# the short side to 384 first, in training and at test time
resize = dict(type='ResizeEdge', scale=384, edge='short', interpolation='area')  # noqa: E501
train_pipeline = [{{_base_.load}}, resize, {{_base_.random_crop}}, {{_base_.flip}}, {{_base_.pack}}]  # noqa: E501
test_pipeline = [{{_base_.load}}, resize, {{_base_.test_crops}}, {{_base_.pack}}]  # noqa: E501
train_dataloader = dict(dataset=dict(dataset, pipeline=train_pipeline))
val_dataloader = test_dataloader = dict(dataset=dict(dataset, pipeline=test_pipeline))  # noqa: E501
