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
# Input policy (FAST-VQA fragments, the layout of the released QPT V2 video
# models): one clip of 32 frames taken every 2nd frame; every frame cut
# into a 7x7 grid of 32x32 patches at native resolution, spliced into
# 224x224, the same positions in all frames of a clip. Training: a random
# clip start and random patch positions. Test: K clips at the centres of K
# equal segments of the video, centred patches (deterministic), the K
# scores averaged (PackVideoClips -> (K, 3, 32, 224, 224)).
dataset_type = 'QualityDataset'
dataset_name = 'lsvq'
data_root = 'data/lsvq/'
train_ann_file = 'labels_train_test.txt'
test_ann_file = 'labels_test.txt'
test_1080p_ann_file = 'labels_1080p.txt'
label_format = 'dover'
video_prefix = 'videos/'
split_file = 'splits/lsvq_random1_seed0.json'
split_index = 0
score_range = (0.0, 100.0)  # MOS
lower_better = False

clip_len = 32  # frames per clip (T); the model's num_frames
frame_interval = 2
num_test_clips = 4  # our default (the paper does not state it)
fragments = 7  # grid cells per side
fragment_size = 32  # pixels per patch side: 7 x 32 = 224

train_pipeline = [
    dict(type='VideoInit'),
    dict(type='SampleFrames', clip_len=clip_len,
         frame_interval=frame_interval, num_clips=1),
    dict(type='VideoDecode'),
    dict(type='FragmentSample', fragments_h=fragments, fragments_w=fragments,
         fsize_h=fragment_size, fsize_w=fragment_size),
    dict(type='PackVideoInputs'),
]
test_pipeline = [
    dict(type='VideoInit'),
    dict(type='SampleFrames', clip_len=clip_len,
         frame_interval=frame_interval, num_clips=num_test_clips,
         test_mode=True),
    dict(type='VideoDecode'),
    dict(type='FragmentSample', fragments_h=fragments, fragments_w=fragments,
         fsize_h=fragment_size, fsize_w=fragment_size, test_mode=True),
    dict(type='PackVideoClips'),
]

train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        dataset_name=dataset_name,
        data_root=data_root,
        ann_file=train_ann_file,
        label_format=label_format,
        data_prefix=dict(video_path=video_prefix),
        score_range=score_range,
        lower_better=lower_better,
        split_file=split_file,
        split_index=split_index,
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,  # videos; x num_test_clips clips per forward pass
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        dataset_name=dataset_name,
        data_root=data_root,
        ann_file=train_ann_file,
        label_format=label_format,
        data_prefix=dict(video_path=video_prefix),
        score_range=score_range,
        lower_better=lower_better,
        split_file=split_file,
        split_index=split_index,
        split='val',
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=4,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type=dataset_type,
        dataset_name=dataset_name,
        data_root=data_root,
        ann_file=test_ann_file,
        label_format=label_format,
        data_prefix=dict(video_path=video_prefix),
        score_range=score_range,
        lower_better=lower_better,
        split='all',
        test_mode=True,
        pipeline=test_pipeline))

# PLCC of the raw predictions (no logistic fit), as VQA results are usually
# reported; plcc_fit='logistic4' gives the VQEG fit. Checkpoints are chosen
# on the validation SRCC.
val_evaluator = dict(type='QualityMetric', plcc_fit='none')
test_evaluator = dict(type='QualityMetric', plcc_fit='none')
