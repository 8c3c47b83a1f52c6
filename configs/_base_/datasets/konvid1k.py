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
# Input policy (FAST-VQA fragments, the layout of the released QPT V2 video
# models): one clip of 32 frames taken every 2nd frame; every frame cut
# into a 7x7 grid of 32x32 patches at native resolution, spliced into
# 224x224, the same positions in all frames of a clip. Training: a random
# clip start and random patch positions. Test: K clips at the centres of K
# equal segments of the video, centred patches (deterministic), the K
# scores averaged (PackVideoClips -> (K, 3, 32, 224, 224)).
dataset_type = 'QualityDataset'
dataset_name = 'konvid1k'
data_root = 'data/konvid1k/'
ann_file = 'labels.txt'
label_format = 'dover'
video_prefix = 'videos/'
split_file = 'splits/konvid1k_random10_seed0.json'
split_index = 0
score_range = (1.0, 5.0)  # MOS
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
        ann_file=ann_file,
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
        ann_file=ann_file,
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
        ann_file=ann_file,
        label_format=label_format,
        data_prefix=dict(video_path=video_prefix),
        score_range=score_range,
        lower_better=lower_better,
        split_file=split_file,
        split_index=split_index,
        split='test',
        test_mode=True,
        pipeline=test_pipeline))

# PLCC of the raw predictions (no logistic fit), as VQA results are usually
# reported; plcc_fit='logistic4' gives the VQEG fit. Checkpoints are chosen
# on the validation SRCC.
val_evaluator = dict(type='QualityMetric', plcc_fit='none')
test_evaluator = dict(type='QualityMetric', plcc_fit='none')
