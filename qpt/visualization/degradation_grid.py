"""Show each degradation type across its parameter range on one photo.

For every single degradation (a :class:`BaseDegradation`:
blur, sharpen, noise, CST, colour jitter, resize, JPEG) a few parameter
dicts are chosen from the transform's configured ranges (the minimum,
middle and maximum of each main parameter, the others held at their middle)
and applied with the deterministic ``apply(img, params)``. The result is a
labelled grid: one row per type, the untouched image first.
"""
from typing import Any, Callable, Dict, List, Sequence, Tuple

import numpy as np

from qpt.datasets.transforms.degradations import (
    BaseDegradation, ColorJitterDegradation, ColorSpaceTransform,
    GaussianBlurDegradation, JPEGDegradation, NoiseDegradation,
    ResizeDegradation, SharpenDegradation)
from qpt.datasets.transforms.degradations.color_space import LUMINANCE_709
from .reconstruction import LABEL_HEIGHT, label_columns

__all__ = ['SweepPoint', 'sweep_points', 'degradation_grid']

#: (caption, parameters for ``apply``).
SweepPoint = Tuple[str, Dict[str, Any]]


def _g(v: float) -> str:
    return f'{v:.3g}'


def _three(rng: Sequence[float]) -> List[float]:
    """min, middle, max of a range (duplicates removed, order kept)."""
    lo, hi = rng
    out: List[float] = []
    for v in (lo, (lo + hi) / 2, hi):
        if v not in out:
            out.append(v)
    return out


def _mid(rng: Sequence[float]) -> float:
    return (rng[0] + rng[1]) / 2


def _blur(t: GaussianBlurDegradation) -> List[SweepPoint]:
    ks = t.kernel_size_range[1]  # the largest kernel: no truncation
    points = [(f'sigma {_g(s)}',
               dict(kernel_size=ks, sigma_x=s, sigma_y=s, angle=0.,
                    isotropic=True)) for s in _three(t.sigma_x_range)]
    sx, sy = t.sigma_x_range[1], t.sigma_y_range[0]
    lo, hi = t.angle_range
    angle = 45. if lo <= 45. <= hi else _mid(t.angle_range)
    points.append((f'aniso {_g(sx)}/{_g(sy)} {_g(angle)}deg',
                   dict(kernel_size=ks, sigma_x=sx, sigma_y=sy, angle=angle,
                        isotropic=False)))
    return points


def _sharpen(t: SharpenDegradation) -> List[SweepPoint]:
    sigma, amount = _mid(t.sigma_range), _mid(t.amount_range)
    points = [(f'amount {_g(a)} sigma {_g(sigma)}',
               dict(sigma=sigma, amount=a)) for a in _three(t.amount_range)]
    points += [(f'amount {_g(amount)} sigma {_g(s)}',
                dict(sigma=s, amount=amount)) for s in t.sigma_range
               if s != sigma]
    return points


def _noise(t: NoiseDegradation) -> List[SweepPoint]:
    points = [(f'gaussian sigma {_g(s)}',
               dict(noise_type='gaussian', sigma=s, gray=False, seed=0))
              for s in _three(t.gaussian_sigma_range)]
    points += [(f'poisson scale {_g(s)}',
                dict(noise_type='poisson', scale=s, gray=False, seed=0))
               for s in _three(t.poisson_scale_range)]
    return points


def _cst(t: ColorSpaceTransform) -> List[SweepPoint]:
    eye = [[1., 0., 0.], [0., 1., 0.], [0., 0., 1.]]

    def params(gains=(1., 1., 1.), ccm=eye, saturation=1.):
        g = np.asarray(gains, dtype=float)
        g = g / float(np.dot(LUMINANCE_709, g))  # grey luminance kept
        return dict(wb_gains=[float(v) for v in g],
                    ccm=[list(map(float, r)) for r in ccm],
                    saturation=float(saturation))

    def ccm_all(off: float) -> List[List[float]]:
        return [[1. - 2 * off if i == j else off for j in range(3)]
                for i in range(3)]

    lo, hi = t.wb_gain_range
    points = [(f'saturation {_g(s)}', params(saturation=s))
              for s in t.saturation_range]
    points += [(f'WB warm {_g(hi)}/{_g(lo)}', params(gains=(hi, 1., lo))),
               (f'WB cool {_g(lo)}/{_g(hi)}', params(gains=(lo, 1., hi)))]
    points += [(f'CCM off-diag {_g(o)}', params(ccm=ccm_all(o)))
               for o in t.ccm_offdiag_range]
    return points


def _jitter(t: ColorJitterDegradation) -> List[SweepPoint]:
    points = []
    for op in t.OPS:
        rng = getattr(t, op)
        if rng is None:
            continue
        for v in rng:
            p: Dict[str, Any] = {o: None for o in t.OPS}
            p[op] = v
            p['order'] = [op]
            points.append((f'{op} {_g(v)}', p))
    return points


def _resize(t: ResizeDegradation) -> List[SweepPoint]:
    interps = t.interpolations
    down = 'area' if 'area' in interps else interps[0]
    up = 'bicubic' if 'bicubic' in interps else interps[-1]
    return [(f'scale {_g(s)} ({down}/{up})',
             dict(scale=s, down_interpolation=down, up_interpolation=up))
            for s in _three(t.scale_range)]


def _jpeg(t: JPEGDegradation) -> List[SweepPoint]:
    lo, hi = t.quality_range
    qualities = sorted({lo, (lo + hi) // 2, hi})
    return [(f'quality {q}', dict(quality=q)) for q in qualities]


#: degradation class -> its parameter sweep.
SWEEPS: Dict[type, Callable[[Any], List[SweepPoint]]] = {
    GaussianBlurDegradation: _blur,
    SharpenDegradation: _sharpen,
    NoiseDegradation: _noise,
    ColorSpaceTransform: _cst,
    ColorJitterDegradation: _jitter,
    ResizeDegradation: _resize,
    JPEGDegradation: _jpeg,
}


def sweep_points(transform: BaseDegradation,
                 num_random: int = 3,
                 seed: int = 0) -> List[SweepPoint]:
    """Parameter dicts spanning a degradation's configured ranges.

    Known types get min / middle / max of each main parameter; any other
    :class:`BaseDegradation` gets ``num_random`` draws of its own
    ``get_params`` (seeded), captioned ``random #k``.

    Args:
        transform: a built degradation.
        num_random: draws for an unknown type.
        seed: numpy seed of those draws.

    Returns:
        (caption, params) pairs for ``transform.apply(img, params)``.
    """
    for cls in type(transform).__mro__:
        if cls in SWEEPS:
            return [(c, dict(p, applied=True)) for c, p in
                    SWEEPS[cls](transform)]
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        draws = []
        for k in range(num_random):
            params = transform._sample_params((224, 224, 3))
            draws.append((f'random #{k + 1}', dict(params, applied=True)))
        return draws
    finally:
        np.random.set_state(state)


def _short_name(transform: BaseDegradation) -> str:
    name = type(transform).__name__
    return name[:-len('Degradation')] if name.endswith('Degradation') and \
        name != 'Degradation' else name


def degradation_grid(img: np.ndarray,
                     transforms: Sequence[BaseDegradation]) -> np.ndarray:
    """The labelled grid of all sweeps.

    Args:
        img: (h, w, 3) uint8 RGB tile (every cell has this size).
        transforms: the degradations, one row each, in order.

    Returns:
        (rows * (LABEL_HEIGHT + h), cols * w, 3) uint8 RGB with
        ``cols = 1 + max points per type``; each row starts with the
        untouched image captioned with the type's name, shorter rows are
        padded with white cells.
    """
    rows = []
    for t in transforms:
        cells = [label_columns(img, [_short_name(t)])]
        for caption, params in sweep_points(t):
            cells.append(label_columns(t.apply(img.copy(), params),
                                       [caption]))
        rows.append(cells)
    cols = max(len(r) for r in rows)
    h, w = img.shape[:2]
    blank = np.full((LABEL_HEIGHT + h, w, 3), 255, np.uint8)
    return np.concatenate([
        np.concatenate(r + [blank] * (cols - len(r)), axis=1) for r in rows
    ], axis=0)
