"""``DegradationPair(seed=...)``: each held-out sample's degradation is a
function of (seed, sample_idx), and the global RNG is left as it was."""
import zlib
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config

from qpt.datasets.image_io import read_image_rgb
from qpt.datasets.transforms.degradations import DegradationPair
from qpt.registry import TRANSFORMS

CONFIG = (Path(__file__).resolve().parents[3] / 'configs' / '_base_' /
          'datasets' / 'degradations.py')


@pytest.fixture(scope='module')
def crop(shared_data):
    img = read_image_rgb(shared_data / 'images/skimage/astronaut.png')
    return np.ascontiguousarray(img[100:228, 200:328])


@pytest.fixture(scope='module')
def sequential():
    return Config.fromfile(str(CONFIG)).sequential_degradation.to_dict()


def results_for(img, **keys):
    return dict(img=img.copy(), channel_order='rgb', **keys)


def test_seeded_pair_is_a_function_of_seed_and_index(crop, sequential):
    pair = DegradationPair(sequential, seed=3)
    outs = []
    for global_seed in (0, 1):  # a different global RNG state each time
        np.random.seed(global_seed)
        outs.append(pair(results_for(crop, sample_idx=7)))
    np.testing.assert_array_equal(outs[0]['img'][0], outs[1]['img'][0])
    assert outs[0]['degradation_params'] == outs[1]['degradation_params']
    # reference: the degradation alone, after seeding numpy from the pair
    np.random.seed(np.random.SeedSequence([3, 7]).generate_state(4))
    ref = TRANSFORMS.build(sequential)(
        dict(img=crop.copy(), channel_order='rgb'))
    np.testing.assert_array_equal(outs[0]['img'][0], ref['img'])
    assert outs[0]['degradation_params'] == ref['degradation_params']
    # the clean target is untouched
    np.testing.assert_array_equal(outs[0]['img'][1], crop)
    # another index or another seed: other parameters
    other_idx = pair(results_for(crop, sample_idx=8))
    other_seed = DegradationPair(sequential, seed=4)(
        results_for(crop, sample_idx=7))
    for other in (other_idx, other_seed):
        assert other['degradation_params'] != outs[0]['degradation_params']


def test_seeded_pair_restores_the_global_rng(crop, sequential):
    np.random.seed(11)
    expected = np.random.rand(5)
    np.random.seed(11)
    DegradationPair(sequential, seed=0)(results_for(crop, sample_idx=2))
    np.testing.assert_array_equal(np.random.rand(5), expected)
    # without a seed the pair draws from the global RNG (training)
    np.random.seed(11)
    DegradationPair(sequential)(results_for(crop, sample_idx=2))
    assert not np.array_equal(np.random.rand(5), expected)


def test_seeded_pair_restores_the_rng_when_the_degradation_fails(crop):
    def failing(results):
        np.random.rand(3)
        raise RuntimeError('broken stage')

    np.random.seed(5)
    expected = np.random.rand(2)
    np.random.seed(5)
    with pytest.raises(RuntimeError, match='broken stage'):
        DegradationPair(failing, seed=0)(results_for(crop, sample_idx=0))
    np.testing.assert_array_equal(np.random.rand(2), expected)


def test_seeded_pair_keys_by_path_without_index(crop, sequential):
    pair = DegradationPair(sequential, seed=1)
    by_path = pair(results_for(crop, img_path='a/b.png'))
    assert pair.sample_key(dict(img_path='a/b.png')) == \
        zlib.crc32(b'a/b.png')
    again = pair(results_for(crop, img_path='a/b.png'))
    assert by_path['degradation_params'] == again['degradation_params']
    with pytest.raises(KeyError, match="DegradationPair.*sample_idx"):
        pair(results_for(crop))


@pytest.mark.parametrize('seed', [-1, 1.5, '0', True])
def test_bad_seed_raises(seed):
    with pytest.raises(TypeError, match='DegradationPair: seed'):
        DegradationPair(None, seed=seed)


def test_repr_shows_the_seed():
    assert 'seed=2' in repr(DegradationPair(None, seed=2))
