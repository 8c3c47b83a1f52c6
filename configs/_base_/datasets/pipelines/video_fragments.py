# Input policy and loaders shared by the video quality dataset bases
# (konvid1k.py, livevqc.py, lsvq.py). FAST-VQA fragments, the layout of the
# released QPT V2 video models: one clip of 32 frames taken every 2nd frame;
# every frame cut into a 7x7 grid of 32x32 patches at native resolution,
# spliced into 224x224, the same positions in all frames of a clip.
# Training: a random clip start and random patch positions. Test: K clips at
# the centres of K equal segments of the video, centred patches
# (deterministic), the K scores averaged (PackVideoClips -> (K, 3, 32, 224,
# 224)). The label files are the FAST-VQA / DOVER text format (one
# `filename, _, _, mos` line per video) and the videos lie in videos/.
#
# Loaders, metric and hook: quality_loaders.py. A dataset base names its
# data once for the three loaders:
#   train_dataloader = val_dataloader = test_dataloader = dict(dataset=...)
# and each loader keeps its own split, pipeline and batch.
_base_ = ['./quality_loaders.py']

clip_len = 32  # frames per clip (T); the model's num_frames
frame_interval = 2
num_test_clips = 4  # our default (the paper does not state it)
fragments = 7  # grid cells per side
fragment_size = 32  # pixels per patch side: 7 x 32 = 224

video_init = dict(type='VideoInit')
video_decode = dict(type='VideoDecode')
sample_frames = dict(
    type='SampleFrames', clip_len=clip_len, frame_interval=frame_interval,
    num_clips=1)
fragment_sample = dict(
    type='FragmentSample', fragments_h=fragments, fragments_w=fragments,
    fsize_h=fragment_size, fsize_w=fragment_size)
train_pipeline = [
    video_init, sample_frames, video_decode, fragment_sample,
    dict(type='PackVideoInputs')
]
# deterministic: K evenly spaced clips, centred patches
test_pipeline = [
    video_init,
    dict(sample_frames, num_clips=num_test_clips, test_mode=True),
    video_decode,
    dict(fragment_sample, test_mode=True),
    dict(type='PackVideoClips')
]

# videos/ under data_root, FAST-VQA / DOVER label files
video_data = dict(label_format='dover', data_prefix=dict(video_path='videos/'))
train_dataloader = dict(
    batch_size=16, dataset=dict(video_data, pipeline=train_pipeline))
val_dataloader = test_dataloader = dict(
    batch_size=4,  # videos; x num_test_clips clips per forward pass
    dataset=dict(video_data, pipeline=test_pipeline))
