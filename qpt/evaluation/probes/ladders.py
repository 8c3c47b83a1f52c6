"""Distortion functions and the distortion ladders of the quality probe.

A *ladder* is one photo degraded by one distortion type at increasing
severity. The probe (:mod:`qpt.evaluation.probes.linear_probe`) asks whether
frozen encoder features predict the rung of the ladder.

Every distortion has the signature ``fn(img, value, rng) -> img`` on
(H, W, 3) uint8 RGB arrays (``rng`` is a ``numpy.random.Generator``; only
noise draws from it). ``tools/data/make_synthetic_iqa.py`` imports these same
functions for its synthetic IQA sets (its own 5 levels per type).

Probe ladders (6 rungs each, mild -> strong; severity = rung 1..6). The
pristine photo is not a rung: it belongs to no single type.

==========  =========  ================================================
type        group      values
==========  =========  ================================================
blur        technical  Gaussian sigma 0.5, 1, 1.75, 2.75, 4, 6 px
jpeg        technical  quality 90, 60, 40, 25, 15, 8
noise       technical  Gaussian sigma 3, 6, 10, 16, 25, 40 (0..255)
contrast    aesthetic  kept share of the contrast 0.85 .. 0.2
saturation  aesthetic  kept share of the colourfulness 0.8 .. 0.0
==========  =========  ================================================

The colour/contrast ladders form a separate *aesthetic* group: they change
how a photo looks, not its fidelity, and are reported apart from the
technical distortions.
"""
import zlib
from typing import Callable, Dict, List, NamedTuple, Sequence, Tuple

import cv2
import numpy as np

__all__ = [
    'gaussian_blur', 'jpeg', 'gaussian_noise', 'contrast', 'saturation',
    'down_up', 'DISTORTIONS', 'PROBE_LADDERS', 'LadderSpec', 'Rung',
    'resize_short_side', 'build_ladders'
]

Distortion = Callable[[np.ndarray, float, np.random.Generator], np.ndarray]


# ---------------------------------------------------------------------------
# Distortions: (H, W, 3) uint8 RGB -> (H, W, 3) uint8 RGB
# ---------------------------------------------------------------------------
def gaussian_blur(img: np.ndarray, sigma: float,
                  rng: np.random.Generator) -> np.ndarray:
    """Isotropic Gaussian blur of std ``sigma`` pixels (reflect border)."""
    return cv2.GaussianBlur(img, (0, 0), sigmaX=float(sigma),
                            borderType=cv2.BORDER_REFLECT_101)


def jpeg(img: np.ndarray, quality: float,
         rng: np.random.Generator) -> np.ndarray:
    """JPEG encode at ``quality`` (OpenCV, 4:2:0) and decode."""
    bgr = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode('.jpg', bgr, [cv2.IMWRITE_JPEG_QUALITY,
                                         int(quality)])
    if not ok:
        raise RuntimeError('JPEG encoding failed')
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR),
                        cv2.COLOR_BGR2RGB)


def gaussian_noise(img: np.ndarray, sigma: float,
                   rng: np.random.Generator) -> np.ndarray:
    """Additive Gaussian noise of std ``sigma`` on the 0..255 scale."""
    noisy = img.astype(np.float32) + rng.normal(0., sigma, img.shape)
    return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)


def contrast(img: np.ndarray, factor: float,
             rng: np.random.Generator) -> np.ndarray:
    """Blend with the image's mean grey level; ``factor`` is the kept share
    of the contrast (1: unchanged, 0: flat grey)."""
    mean = img.astype(np.float32).mean()
    out = mean + factor * (img.astype(np.float32) - mean)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def saturation(img: np.ndarray, factor: float,
               rng: np.random.Generator) -> np.ndarray:
    """Blend each pixel with its Rec. 601 luma; ``factor`` is the kept share
    of the colourfulness (1: unchanged, 0: grey). Grey photos are left as
    they are (their ladder is flat: the probe reports it)."""
    x = img.astype(np.float32)
    luma = x @ np.array([0.299, 0.587, 0.114], np.float32)
    out = luma[..., None] + factor * (x - luma[..., None])
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def down_up(img: np.ndarray, factor: float,
            rng: np.random.Generator) -> np.ndarray:
    """Down-scale by ``factor`` per side (area), back up (bicubic)."""
    h, w = img.shape[:2]
    small = cv2.resize(img, (max(1, round(w * factor)),
                             max(1, round(h * factor))),
                       interpolation=cv2.INTER_AREA)
    out = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(out)


DISTORTIONS: Dict[str, Distortion] = {
    'blur': gaussian_blur,
    'jpeg': jpeg,
    'noise': gaussian_noise,
    'contrast': contrast,
    'saturation': saturation,
    'resize': down_up,
}


class LadderSpec(NamedTuple):
    """One ladder type: its report group and its rung values (mild first)."""
    group: str
    values: Tuple[float, ...]


#: The probe's ladders (see the module docstring).
PROBE_LADDERS: Dict[str, LadderSpec] = {
    'blur': LadderSpec('technical', (0.5, 1.0, 1.75, 2.75, 4.0, 6.0)),
    'jpeg': LadderSpec('technical', (90, 60, 40, 25, 15, 8)),
    'noise': LadderSpec('technical', (3., 6., 10., 16., 25., 40.)),
    'contrast': LadderSpec('aesthetic', (0.85, 0.7, 0.55, 0.4, 0.3, 0.2)),
    'saturation': LadderSpec('aesthetic', (0.8, 0.6, 0.45, 0.3, 0.15, 0.)),
}


class Rung(NamedTuple):
    """One image of a ladder."""
    photo: str
    dist_type: str
    severity: int  # 1..len(values), mild -> strong
    value: float
    image: np.ndarray  # (H, W, 3) uint8 RGB


def resize_short_side(img: np.ndarray, size: int) -> np.ndarray:
    """Resize (area for shrinking, bicubic for growing) so that the short
    side is ``size``; the aspect ratio is kept.

    Args:
        img: (H, W, C) uint8.

    Returns:
        (H', W', C) uint8 with ``min(H', W') == size``.
    """
    h, w = img.shape[:2]
    scale = size / min(h, w)
    if scale == 1:
        return img
    new = (max(1, round(w * scale)), max(1, round(h * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(img, new, interpolation=interp)


def build_ladders(photos: Sequence[Tuple[str, np.ndarray]],
                  types: Sequence[str] = tuple(PROBE_LADDERS),
                  seed: int = 0,
                  ladders: Dict[str, LadderSpec] = PROBE_LADDERS
                  ) -> List[Rung]:
    """Degrade every photo by every type at every rung.

    Args:
        photos: (name, (H, W, 3) uint8 RGB) pairs; names must be unique.
        types: ladder types, keys of ``ladders``.
        seed: noise seed; each rung's generator is seeded by ``seed`` and
            ``'{photo}/{type}/{severity}'`` (stable across runs and
            machines), so the ladders are reproducible.
        ladders: the ladder table (default :data:`PROBE_LADDERS`).

    Returns:
        Rungs ordered photo, type, severity.
    """
    unknown = [t for t in types if t not in ladders or t not in DISTORTIONS]
    if unknown:
        raise ValueError(f'unknown ladder types {unknown}; known: '
                         f'{sorted(set(ladders) & set(DISTORTIONS))}')
    names = [name for name, _ in photos]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f'photo names must be unique, repeated: {dup}')
    rungs = []
    for name, img in photos:
        if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f'photo {name}: expected (H, W, 3) uint8 RGB, '
                             f'got {img.dtype} {img.shape}')
        for dist_type in types:
            fn = DISTORTIONS[dist_type]
            for severity, value in enumerate(ladders[dist_type].values, 1):
                key = f'{name}/{dist_type}/{severity}'.encode()
                rng = np.random.default_rng(
                    [zlib.crc32(key), int(seed)])
                rungs.append(
                    Rung(name, dist_type, severity, float(value),
                         fn(img, value, rng)))
    return rungs
