"""Tests of the degradations A(.) (qpt/datasets/transforms/degradations).

Each degradation is checked on real photos against what it should change
and what it should keep, with references computed independently here
(numpy FFT energy, scipy convolution, PIL JPEG, a numpy hue formula).
"""
import copy
import io
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmcv.transforms.utils import cache_random_params
from PIL import Image
from scipy import ndimage

from qpt.datasets.image_io import read_image_rgb
from qpt.datasets.transforms.degradations import (
    AdvancedDegradation, ColorJitterDegradation, ColorSpaceTransform,
    DegradationPair, GaussianBlurDegradation, JPEGDegradation,
    NoiseDegradation, ResizeDegradation, SequentialDegradation,
    SharpenDegradation, gaussian_kernel2d)

CONFIG = (Path(__file__).resolve().parents[3] / 'configs' / '_base_' /
          'datasets' / 'degradations.py')


def center_crop(img: np.ndarray, size: int = 256) -> np.ndarray:
    h, w = img.shape[:2]
    top, left = (h - size) // 2, (w - size) // 2
    return np.ascontiguousarray(img[top:top + size, left:left + size])


@pytest.fixture(scope='module')
def photo(shared_data):
    """A colourful, detailed 256x256 crop of a real HR photo (grass, sky)."""
    return center_crop(
        read_image_rgb(shared_data / 'images/hr_photos/Dune.jpg'))


@pytest.fixture(scope='module')
def astronaut(shared_data):
    return center_crop(
        read_image_rgb(shared_data / 'images/skimage/astronaut.png'))


# ---------------------------------------------------------------- helpers
def luma(img: np.ndarray) -> np.ndarray:
    return img.astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def hf_energy(img: np.ndarray, radius: float = 0.25) -> float:
    """Spectral energy of the luma above ``radius`` cycles/pixel (Hann
    window, so the image border does not count as an edge)."""
    y = luma(img)
    y = (y - y.mean()) * np.outer(np.hanning(y.shape[0]),
                                  np.hanning(y.shape[1]))
    power = np.abs(np.fft.fft2(y))**2
    fy = np.fft.fftfreq(y.shape[0])[:, None]
    fx = np.fft.fftfreq(y.shape[1])[None, :]
    return float(power[np.hypot(fy, fx) > radius].sum())


def linear_luminance(img: np.ndarray) -> np.ndarray:
    """Rec. 709 luminance of linear light (sRGB decoded, own formula)."""
    x = img.astype(np.float64) / 255.
    lin = np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055)**2.4)
    return lin @ np.array([0.2126, 0.7152, 0.0722])


def gradient_corr(a: np.ndarray, b: np.ndarray) -> float:
    ga = np.concatenate([g.ravel() for g in np.gradient(a)])
    gb = np.concatenate([g.ravel() for g in np.gradient(b)])
    return float(np.corrcoef(ga, gb)[0, 1])


def chromaticity(img: np.ndarray) -> np.ndarray:
    x = img.astype(np.float64) + 1.
    return x / x.sum(axis=2, keepdims=True)


def hue_degrees(img: np.ndarray) -> np.ndarray:
    """HSV hue in degrees, numpy formula."""
    x = img.astype(np.float64) / 255.
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    mx, mn = x.max(axis=2), x.min(axis=2)
    c = np.where(mx - mn == 0, 1e-12, mx - mn)
    h = np.where(mx == r, ((g - b) / c) % 6,
                 np.where(mx == g, (b - r) / c + 2, (r - g) / c + 4))
    return h * 60.


def run(transform, img, seed=0):
    np.random.seed(seed)
    return transform(dict(img=img.copy(), channel_order='rgb'))


# --------------------------------------------------------------- blur
def test_gaussian_kernel_matches_separable_reference():
    k = gaussian_kernel2d(15, 2.5, 1.0, 0.)
    ax = np.arange(-7, 8)
    gx = np.exp(-ax**2 / (2 * 2.5**2))
    gy = np.exp(-ax**2 / (2 * 1.0**2))
    ref = np.outer(gy / gy.sum(), gx / gx.sum())  # rows: y, columns: x
    np.testing.assert_allclose(k, ref, atol=1e-6)
    assert k.dtype == np.float32 and abs(k.sum() - 1) < 1e-5
    # a quarter turn swaps the axes
    np.testing.assert_allclose(
        gaussian_kernel2d(15, 2.5, 1.0, 90.), k.T, atol=1e-6)


def test_blur_lowers_high_frequencies_and_keeps_mean(photo):
    t = GaussianBlurDegradation(
        prob=1., kernel_size_range=(15, 15), sigma_x_range=(2., 2.),
        iso_prob=1.)
    res = run(t, photo)
    out = res['img']
    assert out.shape == photo.shape and out.dtype == np.uint8
    assert hf_energy(out) < 0.1 * hf_energy(photo)
    np.testing.assert_allclose(
        out.reshape(-1, 3).mean(0), photo.reshape(-1, 3).mean(0), atol=1.)
    # independent reference: scipy convolution with a mirrored border
    (p, ) = res['degradation_params']
    assert p['isotropic'] and p['sigma_x'] == p['sigma_y'] == 2.
    kernel = gaussian_kernel2d(15, 2., 2., 0.).astype(np.float64)
    ref = np.stack([
        ndimage.convolve(photo[..., c].astype(np.float64), kernel,
                         mode='mirror') for c in range(3)
    ], axis=2)
    assert np.abs(out - ref).max() <= 1.


def test_anisotropic_blur_orientation(astronaut):
    t = GaussianBlurDegradation()
    src = astronaut.astype(np.float64)

    def kept(angle):
        params = dict(applied=True, kernel_size=15, sigma_x=3., sigma_y=0.3,
                      angle=angle, isotropic=False)
        out = t.apply(astronaut, params).astype(np.float64)
        # fraction of the energy of horizontal / vertical differences kept
        return tuple(
            float((np.diff(out, axis=a)**2).sum() /
                  (np.diff(src, axis=a)**2).sum()) for a in (1, 0))

    along_x, along_y = kept(0.), kept(90.)
    # blurring along x removes horizontal differences, keeps vertical ones
    assert along_x[0] < 0.5 * along_x[1]
    assert along_y[1] < 0.5 * along_y[0]
    assert along_x[0] < 0.5 * along_y[0] and along_y[1] < 0.5 * along_x[1]
    # 45 degrees turns x (right) towards y (down): blur along the
    # down-right diagonal
    out = t.apply(astronaut, dict(applied=True, kernel_size=15, sigma_x=3.,
                                  sigma_y=0.3, angle=45., isotropic=False))
    out = out.astype(np.float64)

    def diag_kept(x_step):  # differences along (down, x_step)
        def d(x):
            if x_step > 0:
                return x[1:, 1:] - x[:-1, :-1]
            return x[1:, :-1] - x[:-1, 1:]

        return float((d(out)**2).sum() / (d(src)**2).sum())

    assert diag_kept(+1) < 0.5 * diag_kept(-1)


# ------------------------------------------------------------ sharpen
def test_sharpen_raises_high_frequencies(photo):
    t = SharpenDegradation(prob=1., sigma_range=(1., 1.),
                           amount_range=(1., 1.))
    out = run(t, photo)['img']
    assert out.shape == photo.shape and out.dtype == np.uint8
    assert hf_energy(out) > 1.5 * hf_energy(photo)
    assert abs(luma(out).mean() - luma(photo).mean()) < 2.


def test_sharpen_threshold_leaves_flat_areas():
    flat = np.full((64, 64, 3), 120, np.uint8)
    flat[::2, ::2] += 3  # tiny texture below the threshold
    t = SharpenDegradation(threshold=10., amount_range=(1.5, 1.5))
    np.testing.assert_array_equal(run(t, flat)['img'], flat)


# -------------------------------------------------------------- noise
def test_gaussian_noise_std_matches_drawn_sigma(photo):
    t = NoiseDegradation(prob=1., gaussian_prob=1.,
                         gaussian_sigma_range=(8., 20.), gray_prob=0.)
    for seed in (0, 1):
        res = run(t, photo, seed)
        (p, ) = res['degradation_params']
        assert p['noise_type'] == 'gaussian' and not p['gray']
        resid = res['img'].astype(np.float64) - photo
        # pixels far enough from 0 and 255 that clipping cannot happen
        ok = ((photo > 4 * p['sigma']) &
              (photo < 255 - 4 * p['sigma'])).all(axis=2)
        assert ok.sum() > 5000
        expected = np.sqrt(p['sigma']**2 + 1 / 12)  # + rounding
        assert abs(resid[ok].std() / expected - 1) < 0.03
        assert abs(resid[ok].mean()) < 0.2
        # colour noise: channels independent
        c = np.corrcoef(resid[ok][:, 0], resid[ok][:, 1])[0, 1]
        assert abs(c) < 0.05


@pytest.mark.parametrize('gaussian_prob', [1., 0.])
def test_gray_noise_is_identical_across_channels(photo, gaussian_prob):
    t = NoiseDegradation(prob=1., gaussian_prob=gaussian_prob,
                         gaussian_sigma_range=(10., 10.),
                         poisson_scale_range=(1., 1.), gray_prob=1.)
    res = run(t, photo)
    assert res['degradation_params'][0]['gray']
    resid = res['img'].astype(np.int64) - photo
    ok = ((photo > 60) & (photo < 195)).all(axis=2)
    if gaussian_prob == 0.:
        # grey Poisson noise is drawn once on the luma and added to all
        # channels: equal up to rounding
        assert np.abs(resid[ok][:, 0] - resid[ok][:, 1]).max() <= 1
        assert np.abs(resid[ok][:, 0] - resid[ok][:, 2]).max() <= 1
    else:
        np.testing.assert_array_equal(resid[ok][:, 0], resid[ok][:, 1])
        np.testing.assert_array_equal(resid[ok][:, 0], resid[ok][:, 2])
    assert resid[ok].std() > 5


def test_poisson_variance_scales_with_intensity():
    scale = 1.5
    t = NoiseDegradation(prob=1., gaussian_prob=0.,
                         poisson_scale_range=(scale, scale), gray_prob=0.)
    for level in (30, 60, 120, 180):
        flat = np.full((128, 128, 3), level, np.uint8)
        resid = run(t, flat, seed=level)['img'].astype(np.float64) - level
        expected = scale**2 * level + 1 / 12
        assert abs(resid.var() / expected - 1) < 0.05, level
        assert abs(resid.mean()) < 0.3


# ---------------------------------------------------------------- CST
def test_cst_changes_colour_and_keeps_luminance(photo, astronaut):
    t = ColorSpaceTransform(prob=1.)
    for img in (photo, astronaut):
        for seed in range(4):
            res = run(t, img, seed)
            out = res['img']
            assert out.shape == img.shape and out.dtype == np.uint8
            # colour statistics change noticeably
            d_chroma = np.abs(chromaticity(out) - chromaticity(img)).mean()
            assert d_chroma > 0.01, (seed, d_chroma)
            # the luminance structure is kept
            assert gradient_corr(linear_luminance(img),
                                 linear_luminance(out)) > 0.98
            assert gradient_corr(luma(img), luma(out)) > 0.95


def test_cst_matches_numpy_reference(photo):
    t = ColorSpaceTransform(prob=1.)
    res = run(t, photo, seed=3)
    (p, ) = res['degradation_params']
    ccm = np.array(p['ccm'])
    np.testing.assert_allclose(ccm.sum(axis=1), 1., atol=1e-12)
    # reference: decode, WB, CCM, saturation, luminance fix, encode
    w = np.array([0.2126, 0.7152, 0.0722])
    x = photo.astype(np.float64) / 255.
    lin = np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055)**2.4)
    y = lin * np.array(p['wb_gains'])
    y = y @ ccm.T
    lum = y @ w
    y = lum[..., None] + p['saturation'] * (y - lum[..., None])
    y = y + (lin @ w - y @ w)[..., None]
    in_gamut = ((y >= 0) & (y <= 1)).all(axis=2)
    assert in_gamut.mean() > 0.5
    enc = np.where(y <= 0.0031308, 12.92 * y,
                   1.055 * np.clip(y, 0, None)**(1 / 2.4) - 0.055)
    ref = np.clip(np.rint(enc * 255), 0, 255)
    assert np.abs(res['img'][in_gamut] - ref[in_gamut]).max() <= 1
    # without the luminance fix: the plain matrix, clipped per channel
    plain = ColorSpaceTransform(preserve_luminance=False)
    assert 'preserve_luminance=False' in repr(plain)
    y = lum[..., None] + p['saturation'] * (
        (lin * np.array(p['wb_gains'])) @ ccm.T - lum[..., None])
    y = np.clip(y, 0, 1)
    enc = np.where(y <= 0.0031308, 12.92 * y, 1.055 * y**(1 / 2.4) - 0.055)
    ref = np.clip(np.rint(enc * 255), 0, 255)
    assert np.abs(plain.apply(photo, p) - ref).max() <= 1


def test_cst_colour_correction_keeps_grey():
    ramp = np.repeat(np.linspace(0, 255, 64).astype(np.uint8), 3)
    grey = np.broadcast_to(ramp.reshape(1, 64, 3), (16, 64, 3)).copy()
    t = ColorSpaceTransform(prob=1., ccm_offdiag_range=(-0.2, 0.2),
                            wb_gain_range=(1., 1.),
                            saturation_range=(0.5, 1.5))
    for seed in range(3):
        out = run(t, grey, seed)['img'].astype(np.int64)
        assert np.abs(out - grey).max() <= 1
    # white balance does cast grey
    t = ColorSpaceTransform(prob=1., wb_gain_range=(0.7, 1.4))
    out = run(t, grey, 0)['img'].astype(np.int64)
    assert np.abs(out[..., 0] - out[..., 2]).max() > 5


# ------------------------------------------------------------- jitter
def test_jitter_brightness_direction(photo):
    for factor, sign in ((1.3, 1), (0.7, -1)):
        t = ColorJitterDegradation(prob=1., brightness=(factor, factor),
                                   contrast=None, saturation=None, hue=None)
        out = run(t, photo)['img']
        assert sign * (out.mean() - photo.mean()) > 10


def test_jitter_contrast_and_saturation(photo):
    t = ColorJitterDegradation(prob=1., brightness=None, contrast=(0.5, 0.5),
                               saturation=None, hue=None)
    out = run(t, photo)['img']
    assert luma(out).std() < 0.6 * luma(photo).std()
    assert abs(luma(out).mean() - luma(photo).mean()) < 2
    t = ColorJitterDegradation(prob=1., brightness=None, contrast=None,
                               saturation=(0., 0.), hue=None)
    out = run(t, photo)['img'].astype(np.int64)
    assert np.abs(out[..., 0] - out[..., 1]).max() <= 1


def test_jitter_hue_rotates_hue(photo):
    shift = 0.1  # turns = 36 degrees
    t = ColorJitterDegradation(prob=1., brightness=None, contrast=None,
                               saturation=None, hue=(shift, shift))
    out = run(t, photo)['img']
    x = photo.astype(np.float64)
    sat = (x.max(2) - x.min(2)) / np.maximum(x.max(2), 1)
    ok = (sat > 0.3) & (x.max(2) > 60)
    assert ok.sum() > 2000
    d = np.deg2rad(hue_degrees(out)[ok] - hue_degrees(photo)[ok])
    mean_shift = np.rad2deg(np.angle(np.exp(1j * d).mean()))
    assert abs(mean_shift - 36.) < 3.
    # value (max channel) is kept by a hue rotation
    assert np.abs(out.max(2).astype(int) - photo.max(2)).mean() < 1.5


# ------------------------------------------------------------- resize
@pytest.mark.parametrize('interp', ['area', 'bilinear', 'bicubic',
                                    'lanczos', 'nearest'])
def test_resize_keeps_shape_and_removes_detail(photo, interp):
    t = ResizeDegradation(prob=1., scale_range=(0.25, 0.25),
                          interpolations=(interp, ))
    res = run(t, photo)
    out = res['img']
    assert out.shape == photo.shape and out.dtype == np.uint8
    p = res['degradation_params'][0]
    assert p['down_interpolation'] == p['up_interpolation'] == interp
    assert p['scale'] == 0.25
    if interp == 'nearest':  # 4x4 blocks: 64 distinct rows and columns
        assert len(np.unique(out, axis=0)) <= 64
        assert np.unique(out, axis=1).shape[1] <= 64
    # with a smooth up-sampling, high frequencies are gone
    smooth_up = dict(p, up_interpolation='bicubic')
    out = t.apply(photo, smooth_up)
    assert out.shape == photo.shape
    assert hf_energy(out) < 0.1 * hf_energy(photo)


# --------------------------------------------------------------- JPEG
def test_jpeg_error_monotone_and_matches_direct_encoders(photo):
    errors = []
    for q in (90, 70, 50, 30, 10):
        t = JPEGDegradation(prob=1., quality_range=(q, q))
        out = run(t, photo)['img']
        assert out.shape == photo.shape and out.dtype == np.uint8
        errors.append(np.abs(out.astype(np.float64) - photo).mean())
        # direct OpenCV encode (BGR in, BGR out)
        ok, buf = cv2.imencode('.jpg', cv2.cvtColor(photo, cv2.COLOR_RGB2BGR),
                               [cv2.IMWRITE_JPEG_QUALITY, q])
        direct = cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR),
                              cv2.COLOR_BGR2RGB)
        np.testing.assert_array_equal(out, direct)
        # PIL (RGB) at the same quality
        f = io.BytesIO()
        Image.fromarray(photo).save(f, 'JPEG', quality=q)
        pil = np.asarray(Image.open(f).convert('RGB'))
        assert np.abs(out.astype(np.float64) - pil).mean() < 0.5
    assert all(a < b for a, b in zip(errors, errors[1:])), errors
    assert errors[0] < 5  # channels are not swapped


# -------------------------------------------------------- determinism
def _all_prob_one():
    blur = dict(type='GaussianBlurDegradation', prob=1.)
    cst = dict(type='ColorSpaceTransform', prob=1.)
    noise = dict(type='NoiseDegradation', prob=1.)
    return {
        'blur': lambda: GaussianBlurDegradation(prob=1.),
        'sharpen': lambda: SharpenDegradation(prob=1.),
        'noise': lambda: NoiseDegradation(prob=1.),
        'cst': lambda: ColorSpaceTransform(prob=1.),
        'jitter': lambda: ColorJitterDegradation(prob=1.),
        'resize': lambda: ResizeDegradation(prob=1.),
        'jpeg': lambda: JPEGDegradation(prob=1.),
        'sequential': lambda: SequentialDegradation([blur, cst]),
        'advanced': lambda: AdvancedDegradation(
            [blur, cst, noise], skip_prob=0., second_order_prob=0.5),
    }


@pytest.mark.parametrize('name', list(_all_prob_one()))
def test_same_seed_same_output(astronaut, name):
    make = _all_prob_one()[name]
    a = run(make(), astronaut, seed=7)
    b = run(make(), astronaut, seed=7)
    np.testing.assert_array_equal(a['img'], b['img'])
    assert a['degradation_params'] == b['degradation_params']
    c = run(make(), astronaut, seed=8)
    assert not np.array_equal(a['img'], c['img'])
    assert a['degradation_params'] != c['degradation_params']


@pytest.mark.parametrize('name', ['blur', 'sharpen', 'noise', 'cst',
                                  'jitter', 'resize', 'jpeg'])
def test_recorded_params_replay(astronaut, name):
    t = _all_prob_one()[name]()
    res = run(t, astronaut, seed=11)
    params = {
        k: v
        for k, v in res['degradation_params'][0].items() if k != 'type'
    }
    np.random.seed(12345)  # apply must not depend on the global RNG
    np.testing.assert_array_equal(t.apply(astronaut, params), res['img'])


def test_prob_zero_is_identity_and_cache_random_params(astronaut):
    t = GaussianBlurDegradation(prob=0.)
    res = run(t, astronaut)
    assert res['img'] is not None
    np.testing.assert_array_equal(res['img'], astronaut)
    assert res['degradation_params'] == [
        dict(type='GaussianBlurDegradation', applied=False)
    ]
    # mmcv's cache_random_params replays the same parameters
    t = NoiseDegradation(prob=1.)
    with cache_random_params(t):
        a = t(dict(img=astronaut.copy(), channel_order='rgb'))['img']
        b = t(dict(img=astronaut.copy(), channel_order='rgb'))['img']
    np.testing.assert_array_equal(a, b)


# ------------------------------------------------------- compositions
def test_sequential_applies_both_orders(astronaut):
    blur = GaussianBlurDegradation(prob=1.)
    cst = ColorSpaceTransform(prob=1.)
    seq = SequentialDegradation([blur, cst], random_order=True)
    orders = set()
    for seed in range(12):
        res = run(seq, astronaut, seed)
        head, first, second = res['degradation_params']
        assert head['type'] == 'SequentialDegradation'
        orders.add(tuple(head['order']))
        types = [first['type'], second['type']]
        expected = [type(seq.transforms[i]).__name__ for i in head['order']]
        assert types == expected
    assert orders == {(0, 1), (1, 0)}
    # the output is the two stages applied in the recorded order
    res = run(seq, astronaut, seed=0)
    _, p1, p2 = res['degradation_params']
    stages = {'GaussianBlurDegradation': blur, 'ColorSpaceTransform': cst}
    ref = stages[p1['type']].apply(astronaut, p1)
    ref = stages[p2['type']].apply(ref, p2)
    np.testing.assert_array_equal(res['img'], ref)
    fixed = SequentialDegradation([blur, cst], random_order=False)
    for seed in range(4):
        head = run(fixed, astronaut, seed)['degradation_params'][0]
        assert head['order'] == [0, 1]


def test_sequential_stage_probabilities(astronaut):
    seq = SequentialDegradation([
        dict(type='GaussianBlurDegradation', prob=0.),
        dict(type='ColorSpaceTransform', prob=1.)
    ])
    for seed in range(3):
        params = run(seq, astronaut, seed)['degradation_params']
        applied = {p['type']: p['applied'] for p in params[1:]}
        assert applied == {
            'GaussianBlurDegradation': False,
            'ColorSpaceTransform': True
        }


def _stages():
    return [
        dict(type='GaussianBlurDegradation', prob=1.),
        dict(type='NoiseDegradation', prob=1.),
        dict(type='ColorSpaceTransform', prob=1.)
    ]


def test_advanced_skips_and_repeats(astronaut):
    # everything skipped, no second pass: identity
    t = AdvancedDegradation(_stages(), skip_prob=1., second_order_prob=0.)
    res = run(t, astronaut)
    np.testing.assert_array_equal(res['img'], astronaut)
    (head, ) = res['degradation_params']
    assert head['skipped'] == [True] * 3 and not head['second_order']
    assert head['second_order_order'] is None
    # nothing skipped, always a second pass: each stage runs twice
    t = AdvancedDegradation(_stages(), skip_prob=0., second_order_prob=1.)
    for seed in range(3):
        params = run(t, astronaut, seed)['degradation_params']
        head, stages = params[0], params[1:]
        assert head['second_order']
        names = [type(t.transforms[i]).__name__ for i in head['order']] + [
            type(t.transforms[i]).__name__
            for i in head['second_order_order']
        ]
        assert [p['type'] for p in stages] == names
        assert len(stages) == 6
        # fresh parameters in the second pass
        assert stages[0] != [
            p for p in stages[3:] if p['type'] == stages[0]['type']
        ][0]
    # per-stage skip probabilities, fixed order
    t = AdvancedDegradation(
        _stages(), skip_prob=[1., 0., 1.], shuffle=False,
        second_order_prob=0.)
    params = run(t, astronaut)['degradation_params']
    assert params[0]['order'] == [0, 1, 2]
    assert [p['type'] for p in params[1:]] == ['NoiseDegradation']


def test_advanced_random_skip_rate_and_order(astronaut):
    small = astronaut[:64, :64].copy()
    t = AdvancedDegradation(_stages(), skip_prob=0.5, second_order_prob=0.5)
    skipped, second, orders = [], [], set()
    for seed in range(60):
        head = run(t, small, seed)['degradation_params'][0]
        skipped += head['skipped']
        second.append(head['second_order'])
        orders.add(tuple(head['order']))
    assert 0.35 < np.mean(skipped) < 0.65
    assert 0.3 < np.mean(second) < 0.7
    assert len(orders) >= 4


def test_advanced_second_order_transforms(astronaut):
    t = AdvancedDegradation(
        [dict(type='GaussianBlurDegradation', prob=1.)],
        skip_prob=0., second_order_prob=1.,
        second_order_transforms=[dict(type='JPEGDegradation', prob=1.)])
    types = [p['type'] for p in run(t, astronaut)['degradation_params']]
    assert types == [
        'AdvancedDegradation', 'GaussianBlurDegradation', 'JPEGDegradation'
    ]


# ------------------------------------------------------ pretraining pair
@pytest.mark.parametrize('target', ['clean', 'degraded'])
def test_degradation_pair(astronaut, target):
    from mmpretrain.datasets.transforms import PackInputs
    pair = DegradationPair(
        degradation=dict(
            type='SequentialDegradation',
            transforms=[
                dict(type='GaussianBlurDegradation', prob=1.),
                dict(type='ColorSpaceTransform', prob=1.)
            ]),
        target=target)
    clean = astronaut.copy()
    res = run(pair, clean)
    view0, view1 = res['img']
    np.testing.assert_array_equal(clean, astronaut)  # input untouched
    assert not np.array_equal(view0, astronaut)
    if target == 'clean':
        np.testing.assert_array_equal(view1, astronaut)
    else:
        np.testing.assert_array_equal(view1, view0)
        assert view1 is not view0
    assert [p['type'] for p in res['degradation_params']][1:] in (
        ['GaussianBlurDegradation', 'ColorSpaceTransform'],
        ['ColorSpaceTransform', 'GaussianBlurDegradation'])
    packed = PackInputs()(copy.deepcopy(res))
    inputs = packed['inputs']
    assert isinstance(inputs, list) and len(inputs) == 2
    for tensor, view in zip(inputs, (view0, view1)):
        assert tensor.shape == (3, 256, 256) and tensor.dtype == torch.uint8
        np.testing.assert_array_equal(tensor.permute(1, 2, 0).numpy(), view)


def test_degradation_pair_without_degradation(astronaut):
    res = run(DegradationPair(degradation=None), astronaut)
    view0, view1 = res['img']
    np.testing.assert_array_equal(view0, astronaut)
    np.testing.assert_array_equal(view1, astronaut)
    assert res['degradation_params'] == []
    assert "target='clean'" in repr(DegradationPair(None))


# ------------------------------------------------------------ errors
ALL_SINGLE = [
    GaussianBlurDegradation, SharpenDegradation, NoiseDegradation,
    ColorSpaceTransform, ColorJitterDegradation, ResizeDegradation,
    JPEGDegradation
]


@pytest.mark.parametrize('make', ALL_SINGLE + [
    lambda: SequentialDegradation([dict(type='GaussianBlurDegradation')]),
    lambda: AdvancedDegradation([dict(type='GaussianBlurDegradation')]),
    lambda: DegradationPair(None),
])
def test_bad_input_raises_clear_error(make):
    t = make()
    name = type(t).__name__
    good = np.zeros((8, 8, 3), np.uint8)
    bad_inputs = [
        (good.astype(np.float32), TypeError),
        (good[..., 0], ValueError),
        (np.zeros((8, 8, 4), np.uint8), ValueError),
        ([good, good], TypeError),
    ]
    for img, err in bad_inputs:
        with pytest.raises(err, match=name):
            t(dict(img=img))


@pytest.mark.parametrize('cls,kwargs', [
    (GaussianBlurDegradation, dict(kernel_size_range=(6, 21))),
    (GaussianBlurDegradation, dict(sigma_x_range=(3., 1.))),
    (GaussianBlurDegradation, dict(prob=1.5)),
    (SharpenDegradation, dict(threshold=-1)),
    (NoiseDegradation, dict(gaussian_sigma_range=(5,))),
    (ColorSpaceTransform, dict(wb_gain_range=(0., 1.))),
    (ColorJitterDegradation, dict(hue=(-0.6, 0.))),
    (ResizeDegradation, dict(scale_range=(0.5, 1.5))),
    (ResizeDegradation, dict(interpolations=('cubic', ))),
    (JPEGDegradation, dict(quality_range=(10, 101))),
    (DegradationPair, dict(degradation=None, target='pristine')),
    (AdvancedDegradation, dict(transforms=[], skip_prob=0.)),
    (AdvancedDegradation,
     dict(transforms=[dict(type='JPEGDegradation')], skip_prob=[0., 1.])),
])
def test_bad_arguments_raise(cls, kwargs):
    with pytest.raises((ValueError, TypeError), match=cls.__name__):
        cls(**kwargs)


# ------------------------------------------------------------- config
def test_config_builds_every_degradation(astronaut):
    from mmengine import Config

    from qpt.registry import TRANSFORMS
    from qpt.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(str(CONFIG))
    expected = {
        'blur_cfg': GaussianBlurDegradation,
        'sharpen_cfg': SharpenDegradation,
        'noise_cfg': NoiseDegradation,
        'cst_cfg': ColorSpaceTransform,
        'jitter_cfg': ColorJitterDegradation,
        'resize_cfg': ResizeDegradation,
        'jpeg_cfg': JPEGDegradation,
        'sequential_degradation': SequentialDegradation,
        'advanced_degradation': AdvancedDegradation,
    }
    for key, cls in expected.items():
        t = TRANSFORMS.build(cfg[key])
        assert type(t) is cls
        assert repr(t).startswith(cls.__name__ + '(')
        out = run(t, astronaut[:64, :64], seed=1)['img']
        assert out.shape == (64, 64, 3) and out.dtype == np.uint8
    seq = TRANSFORMS.build(cfg.sequential_degradation)
    assert [type(s) for s in seq.transforms] == [
        GaussianBlurDegradation, ColorSpaceTransform
    ] and seq.random_order
    pair = TRANSFORMS.build(
        dict(type='DegradationPair', degradation=cfg.sequential_degradation))
    assert len(run(pair, astronaut[:64, :64])['img']) == 2


# ------------------------------------------------------ channel order
COLOUR_SENSITIVE = [
    NoiseDegradation, ColorSpaceTransform, ColorJitterDegradation,
    JPEGDegradation
]
CHANNEL_BLIND = [
    GaussianBlurDegradation, SharpenDegradation, ResizeDegradation
]


@pytest.fixture(scope='module')
def loaded_both_ways(shared_data):
    """A real photo loaded by qpt's LoadImageRGB and by mmpretrain's
    LoadImageFromFile (BGR). PNG, so that both decoders agree exactly."""
    from mmpretrain.datasets.transforms import LoadImageFromFile

    from qpt.datasets.transforms import LoadImageRGB
    path = str(shared_data / 'images/skimage/astronaut.png')
    ours = LoadImageRGB()(dict(img_path=path))
    theirs = LoadImageFromFile()(dict(img_path=path))
    assert ours['channel_order'] == 'rgb'
    assert 'channel_order' not in theirs  # mmpretrain records nothing
    # the premise: the same pixels, channels reversed
    np.testing.assert_array_equal(theirs['img'], ours['img'][..., ::-1])
    return ours, theirs


def _crop(results: dict, size: int = 192) -> dict:
    out = dict(results)
    out['img'] = center_crop(results['img'], size)
    return out


def _chain(channel_order=None):
    """Pretraining pair with every colour-sensitive stage, in fixed order."""
    stages = [
        ColorSpaceTransform(prob=1., channel_order=channel_order),
        ColorJitterDegradation(prob=1., channel_order=channel_order),
        NoiseDegradation(prob=1., gray_prob=0.5,
                         channel_order=channel_order),
        JPEGDegradation(prob=1., channel_order=channel_order),
    ]
    return DegradationPair(SequentialDegradation(stages, random_order=False))


@pytest.mark.parametrize('cls', COLOUR_SENSITIVE)
@pytest.mark.parametrize('seed', [0, 1, 2])
def test_bgr_input_gives_the_swapped_rgb_result(cls, seed, loaded_both_ways):
    """After mmpretrain's loader, channel_order='bgr' computes exactly the
    channel-swapped result of the RGB path (same drawn parameters)."""
    ours, theirs = (_crop(r) for r in loaded_both_ways)
    np.random.seed(seed)
    rgb = cls(prob=1.)(dict(ours))  # reads results['channel_order']
    np.random.seed(seed)
    bgr = cls(prob=1., channel_order='bgr')(dict(theirs))
    assert bgr['degradation_params'] == rgb['degradation_params']
    np.testing.assert_array_equal(bgr['img'], rgb['img'][..., ::-1])
    # and the channel order mattered: BGR read as RGB is another image
    np.random.seed(seed)
    naive = cls(prob=1., channel_order='rgb')(dict(theirs))
    assert not np.array_equal(naive['img'], bgr['img'])


def test_bgr_pipeline_with_mmpretrain_loader_matches_rgb_pipeline(
        loaded_both_ways):
    ours, theirs = (_crop(r) for r in loaded_both_ways)
    np.random.seed(5)
    rgb = _chain()(dict(ours))
    np.random.seed(5)
    bgr = _chain('bgr')(dict(theirs))
    assert bgr['degradation_params'] == rgb['degradation_params']
    for view_bgr, view_rgb in zip(bgr['img'], rgb['img']):
        np.testing.assert_array_equal(view_bgr, view_rgb[..., ::-1])


@pytest.mark.parametrize('cls', COLOUR_SENSITIVE)
def test_unknown_channel_order_is_refused(cls, loaded_both_ways):
    _, theirs = loaded_both_ways
    with pytest.raises(ValueError) as info:
        cls(prob=1.)(_crop(theirs, 32))
    message = str(info.value)
    assert cls.__name__ in message and 'channel_order' in message
    assert 'LoadImageFromFile' in message and "'bgr'" in message
    # nested in a chain, the error still names the stage
    with pytest.raises(ValueError, match=cls.__name__):
        DegradationPair(SequentialDegradation([cls(prob=1.)]))(
            _crop(theirs, 32))


@pytest.mark.parametrize('cls', COLOUR_SENSITIVE)
def test_setting_that_contradicts_the_loader_is_refused(
        cls, loaded_both_ways):
    ours, _ = loaded_both_ways
    with pytest.raises(ValueError, match='contradicts'):
        cls(prob=1., channel_order='bgr')(_crop(ours, 32))
    with pytest.raises(ValueError, match='channel_order'):
        cls(channel_order='BGRA')


@pytest.mark.parametrize('cls', CHANNEL_BLIND)
def test_channel_blind_degradations_need_no_setting(cls, loaded_both_ways):
    """Blur, sharpen and resize treat every channel alike: BGR in, the
    swapped RGB result out, without any channel_order."""
    ours, theirs = (_crop(r) for r in loaded_both_ways)
    assert not cls.channel_sensitive
    np.random.seed(3)
    rgb = cls(prob=1.)(dict(ours))
    np.random.seed(3)
    bgr = cls(prob=1.)(dict(theirs))
    np.testing.assert_array_equal(bgr['img'], rgb['img'][..., ::-1])


def test_apply_is_the_rgb_maths_and_takes_bgr_explicitly(astronaut):
    cst = ColorSpaceTransform(prob=1.)
    np.random.seed(0)
    params = cst.get_params(astronaut.shape)
    rgb = cst.apply(astronaut, params)
    bgr = cst.apply(np.ascontiguousarray(astronaut[..., ::-1]), params,
                    channel_order='bgr')
    np.testing.assert_array_equal(bgr, rgb[..., ::-1])
    assert "channel_order='bgr'" in repr(
        ColorSpaceTransform(channel_order='bgr'))
    assert 'channel_order=None' in repr(JPEGDegradation())
