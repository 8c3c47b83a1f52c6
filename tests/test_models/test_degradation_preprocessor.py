"""DegradationDataPreprocessor against the CPU degradations' ``apply``."""
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmpretrain.structures import DataSample

from qpt.datasets import read_image_rgb
from qpt.datasets.transforms.degradation_params import \
    draw_degradation_params
from qpt.models.data_preprocessors import DegradationDataPreprocessor
from qpt.registry import TRANSFORMS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEGRADATIONS = Config.fromfile(
    str(PROJECT_ROOT / 'configs/_base_/datasets/degradations.py'))
STAGES = [
    dict(type='GaussianBlurDegradation', prob=1.),
    dict(type='GaussianBlurDegradation', prob=1., iso_prob=0.,
         kernel_size_range=(21, 21), sigma_x_range=(2., 3.)),
    dict(type='ColorSpaceTransform', prob=1.),
    dict(type='ColorSpaceTransform', prob=1., wb_gain_range=(0.5, 2.),
         saturation_range=(0.5, 2.)),  # many out-of-gamut pixels
    dict(type='ColorSpaceTransform', prob=1., preserve_luminance=False,
         wb_gain_range=(0.5, 2.)),
]


@pytest.fixture(scope='module')
def crops(shared_data):
    rng = np.random.default_rng(0)
    out = []
    for name in ('Dune.jpg', 'LadyBird.jpg', 'Storm.jpg'):
        img = read_image_rgb(shared_data / 'images' / 'hr_photos' / name)
        for _ in range(4):
            y = rng.integers(0, img.shape[0] - 96)
            x = rng.integers(0, img.shape[1] - 96)
            out.append(np.ascontiguousarray(img[y:y + 96, x:x + 96]))
    return out


def as_batch(images):
    return torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous()


@pytest.mark.parametrize('cfg', STAGES, ids=lambda c: str(sorted(c.items())))
def test_each_stage_matches_the_cpu_apply(crops, cfg):
    stage = TRANSFORMS.build(cfg)
    pre = DegradationDataPreprocessor(degradation=cfg)
    np.random.seed(1)
    params = [draw_degradation_params(stage, c.shape) for c in crops]
    cpu = [
        stage.apply(c, {k: v for k, v in p[0].items() if k != 'type'})
        for c, p in zip(crops, params)
    ]
    dev = pre.degrade(as_batch(crops), params).permute(0, 2, 3, 1).numpy()
    diff = np.abs(dev.astype(int) - np.stack(cpu))
    assert diff.max() <= 1  # float summation order only
    assert (diff > 0).mean() < 1e-3
    assert not np.array_equal(dev, np.stack(crops))  # it did degrade


def test_the_paper_composition_matches_the_cpu_pair(crops):
    """Same RNG state: the data side draws the parameters the CPU pair
    records, and applying them on the device gives its image. A one-level
    difference of the first stage can grow to two through CST's sRGB
    curve, on very few pixels."""
    cfg = DEGRADATIONS.sequential_degradation
    pair = TRANSFORMS.build(dict(type='DegradationPair', degradation=cfg))
    pre = DegradationDataPreprocessor(degradation=cfg)
    params, cpu = [], []
    for i, c in enumerate(crops * 3):
        np.random.seed(i)
        params.append(draw_degradation_params(pair.degradation, c.shape))
        np.random.seed(i)
        out = pair(dict(img=c.copy(), channel_order='rgb'))
        assert out['degradation_params'] == params[-1]
        cpu.append(out['img'][0])
    orders = {tuple(p[0]['order']) for p in params}
    assert orders == {(0, 1), (1, 0)}
    dev = pre.degrade(as_batch(crops * 3), params).permute(0, 2, 3,
                                                            1).numpy()
    diff = np.abs(dev.astype(int) - np.stack(cpu))
    assert diff.max() <= 2 and (diff > 1).mean() < 1e-5
    assert (diff > 0).mean() < 1e-3


def test_forward_flattens_crops_and_keeps_clean_targets(crops):
    cfg = DEGRADATIONS.sequential_degradation
    pre = DegradationDataPreprocessor(degradation=cfg)
    stage = TRANSFORMS.build(cfg)
    batch = as_batch(crops[:6]).view(3, 2, 3, 96, 96)  # 3 tiles x 2 crops
    samples = []
    for b in range(3):
        s = DataSample()
        s.set_metainfo(dict(
            sample_idx=10 + b,
            crop_boxes=[[0, 0], [8, 8]],
            flips=[False, True],
            degradation_params=[
                draw_degradation_params(stage, (96, 96, 3))
                for _ in range(2)
            ]))
        samples.append(s)
    out = pre(dict(inputs=batch, data_samples=samples), training=True)
    degraded, target = out['inputs']
    assert degraded.shape == target.shape == (6, 3, 96, 96)
    mean = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1)
    std = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1)
    torch.testing.assert_close(target * std + mean,
                               batch.flatten(0, 1).float())
    flat = out['data_samples']
    assert [s.sample_idx for s in flat] == [20, 21, 22, 23, 24, 25]
    assert [s.tile_idx for s in flat] == [10, 10, 11, 11, 12, 12]
    assert flat[3].crop_box == [8, 8] and flat[3].flip is True
    assert flat[3].degradation_params == \
        samples[1].degradation_params[1]


def test_cpu_made_views_are_only_normalised():
    pre = DegradationDataPreprocessor()
    views = [torch.full((2, 3, 8, 8), 200, dtype=torch.uint8),
             torch.zeros((2, 3, 8, 8), dtype=torch.uint8)]
    out = pre(dict(inputs=views, data_samples=None))
    torch.testing.assert_close(out['inputs'][1][:, 0],
                               torch.full((2, 8, 8), -123.675 / 58.395))


def test_stages_without_a_device_form_are_refused():
    with pytest.raises(NotImplementedError, match='NoiseDegradation'):
        DegradationDataPreprocessor(
            degradation=dict(type='SequentialDegradation', transforms=[
                dict(type='NoiseDegradation')]))
    with pytest.raises(TypeError, match='AdvancedDegradation'):
        TRANSFORMS.build(
            dict(type='DrawDegradationParams',
                 degradation=DEGRADATIONS.advanced_degradation))


def test_params_of_another_config_are_an_error(crops):
    pre = DegradationDataPreprocessor(
        degradation=dict(type='GaussianBlurDegradation'))
    params = [[dict(type='ColorSpaceTransform', applied=False)]]
    with pytest.raises(ValueError, match='different degradation configs'):
        pre.degrade(as_batch(crops[:1]), params)
