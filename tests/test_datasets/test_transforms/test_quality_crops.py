"""Deterministic test crops: positions, whole-image mode, small images."""
import numpy as np
import pytest

from qpt.datasets.transforms import (DeterministicCrops, LoadImageRGB,
                                     PackQualityInputs)
from qpt.datasets.transforms.quality_crops import crop_offsets, grid_shape
from qpt.registry import TRANSFORMS


def coord_image(h: int, w: int) -> np.ndarray:
    """uint8 image whose pixels encode their (y, x) position mod 256."""
    y, x = np.mgrid[:h, :w]
    return np.stack([y % 256, x % 256, (y // 256) * 16 + x // 256],
                    -1).astype(np.uint8)


def run(img, **kwargs):
    return DeterministicCrops(**kwargs)(dict(img=img, img_path='x.jpg'))


def top_lefts(results):
    return [tuple(b[[1, 0]]) for b in results['crop_bboxes']]


def test_five_crops_are_corners_then_centre():
    img = coord_image(300, 400)
    out = run(img, crop_size=224, num_crops=5)
    assert out['img'].shape == (5, 224, 224, 3)
    assert top_lefts(out) == [(0, 0), (0, 176), (76, 0), (76, 176), (38, 88)]
    for crop, (y, x) in zip(out['img'], top_lefts(out)):
        np.testing.assert_array_equal(crop, img[y:y + 224, x:x + 224])
    assert out['img_shape'] == (224, 224)


def test_one_crop_is_centre_and_grids_are_even():
    img = coord_image(300, 400)
    assert top_lefts(run(img, crop_size=100, num_crops=1)) == [(100, 150)]
    assert top_lefts(run(img, crop_size=100, num_crops=4)) == [
        (0, 0), (0, 300), (200, 0), (200, 300)]
    nine = top_lefts(run(img, crop_size=100, num_crops=9))
    assert nine == [(y, x) for y in (0, 100, 200) for x in (0, 150, 300)]
    # landscape: more columns; portrait: more rows
    assert grid_shape(6, 300, 400) == (2, 3)
    assert grid_shape(6, 400, 300) == (3, 2)
    assert grid_shape(3, 300, 400) == (1, 3)
    assert crop_offsets(100, 300, 100, 100, 3) == [(0, 0), (0, 100),
                                                    (0, 200)]
    # every crop lies inside the image
    for k in range(1, 13):
        for y, x in crop_offsets(257, 391, 224, 224, k):
            assert 0 <= y <= 257 - 224 and 0 <= x <= 391 - 224


def test_rectangular_crop_and_exact_size():
    img = coord_image(224, 224)
    out = run(img, crop_size=(112, 64), num_crops=5)
    assert out['img'].shape == (5, 112, 64, 3)
    same = run(img, crop_size=224, num_crops=5)['img']
    assert all((c == img).all() for c in same)


def test_whole_image_mode_keeps_multiples_of_16_centred():
    img = coord_image(250, 333)
    out = run(img, num_crops=0)
    assert out['img'].shape == (1, 240, 320, 3)
    np.testing.assert_array_equal(out['img'][0], img[5:245, 6:326])
    assert out['img_shape'] == (240, 320)


def test_same_image_same_crops():
    img = np.random.default_rng(0).integers(0, 255, (480, 640, 3),
                                            dtype=np.uint8)
    t = DeterministicCrops(crop_size=224, num_crops=5)
    a = t(dict(img=img.copy()))['img']
    b = t(dict(img=img.copy()))['img']
    np.testing.assert_array_equal(a, b)


def test_small_image_policy():
    img = coord_image(100, 300)
    with pytest.raises(ValueError, match=r'small\.png.*300x100.*224x224'):
        DeterministicCrops()(dict(img=img, img_path='small.png'))
    out = run(img, crop_size=224, num_crops=5, on_small='resize')
    assert out['img'].shape == (5, 224, 224, 3)
    with pytest.raises(ValueError, match='smaller'):
        run(coord_image(10, 40), num_crops=0)
    with pytest.raises(ValueError, match='on_small'):
        DeterministicCrops(on_small='pad')


def test_registry_and_repr():
    t = TRANSFORMS.build(dict(type='DeterministicCrops', crop_size=224,
                              num_crops=5))
    assert isinstance(t, DeterministicCrops)
    assert repr(t) == ("DeterministicCrops(crop_size=(224, 224), "
                       "num_crops=5, size_divisor=16, on_small='error')")


def test_real_photo_to_packed_crops(shared_data):
    path = shared_data / 'images' / 'misc' / 'grace_hopper.jpg'
    results = LoadImageRGB()(dict(img_path=str(path)))
    results = DeterministicCrops(crop_size=224, num_crops=5)(results)
    packed = PackQualityInputs()(results)
    assert tuple(packed['inputs'].shape) == (5, 3, 224, 224)
