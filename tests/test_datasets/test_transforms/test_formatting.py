"""The packers of ``qpt.datasets.transforms.formatting``: one score shape,
mmpretrain-style keys, and the (K, C, T, H, W) clips of PackVideoClips."""
import numpy as np
import pytest
import torch
from mmengine.dataset import default_collate

from qpt.datasets.transforms import (PackQualityInputs, PackTileCrops,
                                     PackVideoClips, PackVideoInputs,
                                     formatting, to_score_tensor)
from qpt.registry import TRANSFORMS

PACKERS = (PackQualityInputs, PackVideoInputs, PackVideoClips, PackTileCrops)


def _inputs(packer) -> dict:
    """A minimal input of the kind each packer takes."""
    if packer is PackQualityInputs:
        return dict(img=np.zeros((5, 8, 8, 3), np.uint8))
    if packer is PackTileCrops:
        return dict(img=torch.zeros((4, 3, 8, 8), dtype=torch.uint8))
    return dict(imgs=np.zeros((8, 6, 6, 3), np.uint8), clip_len=4,
                num_clips=2)


def test_every_registered_packer_lives_in_formatting():
    packers = {name: cls for name, cls in TRANSFORMS.module_dict.items()
               if name.startswith('Pack')}
    assert set(packers) == {p.__name__ for p in PACKERS}
    for cls in packers.values():
        assert cls.__module__ == formatting.__name__


@pytest.mark.parametrize('packer', PACKERS)
@pytest.mark.parametrize('score', [3.5, np.float64(3.5), [3.5],
                                   np.array([3.5]), torch.tensor(3.5)])
def test_all_packers_give_gt_score_one_shape_and_dtype(packer, score):
    results = dict(_inputs(packer), gt_score=score, gt_score_norm=0.625,
                   gt_hist=np.arange(10) / 45)
    sample = packer()(results)['data_samples']
    for key, value in (('gt_score', 3.5), ('gt_score_norm', 0.625)):
        got = sample.get(key)
        assert isinstance(got, torch.Tensor)
        assert got.shape == () and got.dtype == torch.float32, (key, got)
        assert float(got) == value
    assert sample.gt_hist.shape == (10, )
    assert sample.gt_hist.dtype == torch.float32
    # a batch of them: (B,), the shape of pred_score
    batch = default_collate([packer()(dict(results))] * 3)
    stacked = torch.stack([s.gt_score for s in batch['data_samples']])
    assert stacked.shape == (3, )


def test_to_score_tensor():
    assert to_score_tensor(2).shape == ()
    assert to_score_tensor([[1.0]]).shape == ()
    assert to_score_tensor((1, 2, 3)).shape == (3, )
    assert to_score_tensor(np.float64(1)).dtype == torch.float32


@pytest.mark.parametrize('packer', PACKERS)
def test_default_keys_are_class_constants(packer):
    t = packer()
    assert t.meta_keys == packer.DEFAULT_META_KEYS
    assert t.score_keys == packer.DEFAULT_SCORE_KEYS
    assert t.input_key == packer.DEFAULT_INPUT_KEY
    assert t.algorithm_keys == ()
    custom = packer(meta_keys=('sample_idx', ), algorithm_keys=('extra', ))
    out = custom(dict(_inputs(packer), sample_idx=7, extra=[1, 2],
                      img_path='dropped'))
    assert out['data_samples'].sample_idx == 7
    assert out['data_samples'].extra == [1, 2]
    assert 'img_path' not in out['data_samples']
    assert repr(custom) == (
        f"{packer.__name__}(input_key='{packer.DEFAULT_INPUT_KEY}', "
        f'score_keys={packer.DEFAULT_SCORE_KEYS}, '
        "algorithm_keys=('extra',), meta_keys=('sample_idx',))")


def test_missing_input_key_packs_only_the_sample():
    out = PackVideoInputs()(dict(gt_score=1.0))
    assert 'inputs' not in out and float(out['data_samples'].gt_score) == 1


def test_quality_inputs_are_channels_first():
    img = np.random.default_rng(0).integers(0, 256, (6, 8, 3), np.uint8)
    x = PackQualityInputs()(dict(img=img))['inputs']
    assert x.shape == (3, 6, 8) and torch.equal(x[:, 2, 5],
                                               torch.from_numpy(img[2, 5]))
    crops = PackQualityInputs()(dict(img=[img, img]))['inputs']
    assert crops.shape == (2, 3, 6, 8)


def test_tile_crops_need_a_uint8_tensor():
    with pytest.raises(TypeError, match='RandomTileCrops'):
        PackTileCrops()(dict(img=np.zeros((4, 8, 8, 3), np.uint8)))


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
