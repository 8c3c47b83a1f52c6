"""PackVideoClips: K test clips side by side, (K, C, T, H, W)."""
import numpy as np
import pytest
import torch

from qpt.datasets.transforms import PackVideoClips


def test_clips_are_split_in_order():
    frames = np.arange(8 * 4 * 6 * 3, dtype=np.uint8).reshape(8, 4, 6, 3)
    out = PackVideoClips()(
        dict(imgs=frames, clip_len=4, num_clips=2, gt_score=3.5,
             video_path='a.mp4'))
    x = out['inputs']
    assert x.shape == (2, 3, 4, 4, 6) and x.dtype == torch.uint8
    # clip k holds frames 4k .. 4k+3, channels first
    for k in range(2):
        expect = torch.from_numpy(frames[4 * k:4 * k + 4]).permute(3, 0, 1, 2)
        assert torch.equal(x[k], expect)
    sample = out['data_samples']
    assert sample.video_path == 'a.mp4' and sample.num_clips == 2
    assert float(sample.gt_score) == 3.5


def test_one_clip_and_bad_counts():
    frames = np.zeros((5, 4, 4, 3), np.uint8)
    assert PackVideoClips()(dict(imgs=frames))['inputs'].shape == \
        (1, 3, 5, 4, 4)
    with pytest.raises(ValueError, match='not 2 clips of 2'):
        PackVideoClips()(dict(imgs=frames, clip_len=2, num_clips=2))
