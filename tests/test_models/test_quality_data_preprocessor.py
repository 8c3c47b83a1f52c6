"""QualityDataPreprocessor against a numpy re-computation."""
import numpy as np
import pytest
import torch
from mmpretrain.structures import DataSample

from qpt.models.data_preprocessors import QualityDataPreprocessor
from qpt.registry import MODELS

#: ImageNet mean / std (R, G, B) on the 0-255 scale, written out here so
#: that a wrong constant in the package fails the test.
MEAN = np.array([123.675, 116.28, 103.53])
STD = np.array([58.395, 57.12, 57.375])


def _uint8(shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=shape, dtype=np.uint8)


def _normalised(x: np.ndarray, channel_axis: int, mean=MEAN,
                std=STD) -> np.ndarray:
    """(x - mean) / std per channel along ``channel_axis``, in float64."""
    shape = [1] * x.ndim
    shape[channel_axis] = 3
    return (x.astype(np.float64) - np.reshape(mean, shape)) / \
        np.reshape(std, shape)


def _run(pre, inputs, data_samples=None):
    return pre(dict(inputs=inputs, data_samples=data_samples))


def test_image_list_is_stacked_and_normalised():
    """A list of (3, H, W) uint8 images (pseudo-collate) -> (B, 3, H, W)."""
    images = [_uint8((3, 8, 12), seed) for seed in range(3)]
    out = _run(QualityDataPreprocessor(),
               [torch.from_numpy(a) for a in images])
    inputs = out['inputs']
    assert inputs.dtype == torch.float32
    assert tuple(inputs.shape) == (3, 3, 8, 12)
    expected = _normalised(np.stack(images), channel_axis=1)
    np.testing.assert_allclose(inputs.numpy(), expected, rtol=0, atol=1e-5)


def test_test_crops_normalise_per_channel_at_dim_minus_3():
    crops = _uint8((2, 5, 3, 16, 16))  # (B, K, 3, H, W)
    out = _run(QualityDataPreprocessor(), torch.from_numpy(crops))
    assert tuple(out['inputs'].shape) == crops.shape
    np.testing.assert_allclose(out['inputs'].numpy(),
                               _normalised(crops, channel_axis=2),
                               rtol=0, atol=1e-5)


@pytest.mark.parametrize('shape, channel_axis', [
    ((2, 3, 4, 8, 8), 1),  # clips (B, 3, T, H, W)
    ((2, 2, 3, 4, 8, 8), 2),  # clips of test crops (B, K, 3, T, H, W)
])
def test_video_channels_sit_before_time(shape, channel_axis):
    clips = _uint8(shape)
    out = _run(QualityDataPreprocessor(video=True), torch.from_numpy(clips))
    np.testing.assert_allclose(out['inputs'].numpy(),
                               _normalised(clips, channel_axis),
                               rtol=0, atol=1e-5)
    # one element by hand: the last channel (B) of the last frame
    index = (0, ) * channel_axis + (2, 3, 5, 6)
    assert out['inputs'][index].item() == pytest.approx(
        (float(clips[index]) - 103.53) / 57.375, abs=1e-5)


def test_custom_mean_std_from_a_config():
    mean, std = (10., 20., 30.), (2., 4., 8.)
    pre = MODELS.build(dict(type='QualityDataPreprocessor', mean=mean,
                            std=std))
    images = _uint8((2, 3, 4, 4))
    out = _run(pre, torch.from_numpy(images))
    np.testing.assert_allclose(
        out['inputs'].numpy(),
        _normalised(images, 1, np.array(mean), np.array(std)),
        rtol=0, atol=1e-6)


def test_data_samples_pass_through_untouched():
    samples = [DataSample(gt_score=3.5), DataSample(gt_score=1.25)]
    out = _run(QualityDataPreprocessor(),
               torch.from_numpy(_uint8((2, 3, 4, 4))), samples)
    assert [type(s) for s in out['data_samples']] == [DataSample] * 2
    assert [s.gt_score for s in out['data_samples']] == [3.5, 1.25]


@pytest.mark.parametrize('video, shape', [(False, (3, 8, 8)),
                                          (True, (2, 3, 8, 8))])
def test_a_batch_without_its_batch_dim_is_refused(video, shape):
    with pytest.raises(ValueError, match='expected a batch'):
        _run(QualityDataPreprocessor(video=video),
             torch.from_numpy(_uint8(shape)))
