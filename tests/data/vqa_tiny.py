# A tiny VQA fine-tuning config for CPU tests: the real KoNViD-1k recipe
# (DOVER label txt, QualityDataset with video_path, split file, video
# pipeline with fragments, HiViT3D inflated from an image checkpoint,
# QualityMetric) with a small HiViT3D, clips of 8 frames and 3x3 fragments
# of 32x32 (96x96). The tests set data_root and the image checkpoint.
_base_ = ['../../configs/qptv2/vqa_hivit-t_konvid1k.py']
clip_len = 8
frame_interval = 2
num_test_clips = 2
fragments = 3
fragment_size = 32
model = dict(
    backbone=dict(
        arch=dict(_delete_=True, embed_dims=64, depths=[1, 1, 2],
                  num_heads=2),
        img_size=fragments * fragment_size,
        num_frames=clip_len,
        drop_path_rate=0.),
    head=dict(in_channels=64, hidden_channels=16, dropout=0.),
    init_cfg=dict(checkpoint=''))
sample_frames = dict(
    type='SampleFrames', clip_len=clip_len, frame_interval=frame_interval,
    num_clips=1)
fragment_sample = dict(
    type='FragmentSample', fragments_h=fragments, fragments_w=fragments,
    fsize_h=fragment_size, fsize_w=fragment_size)
train_pipeline = [
    {{_base_.video_init}}, sample_frames, {{_base_.video_decode}},
    fragment_sample, dict(type='PackVideoInputs')
]
test_pipeline = [
    {{_base_.video_init}},
    dict(sample_frames, num_clips=num_test_clips, test_mode=True),
    {{_base_.video_decode}},
    dict(fragment_sample, test_mode=True),
    dict(type='PackVideoClips')
]
# 4 clips per step, in the main process; the data under data_root
tiny_loader = dict(
    batch_size=4, num_workers=0, persistent_workers=False, pin_memory=False)
tiny_data = dict(data_root='', split_file='splits.json')
train_dataloader = dict(
    tiny_loader, dataset=dict(tiny_data, pipeline=train_pipeline))
val_dataloader = test_dataloader = dict(
    tiny_loader, dataset=dict(tiny_data, pipeline=test_pipeline))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
max_iters = 12
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=3),
]
train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=max_iters,
    val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=4),
    checkpoint=dict(by_epoch=False, interval=max_iters, max_keep_ckpts=1))
