"""A PROXY for foreground coverage, computed from the image alone.

QPT V2 selects images with high foreground coverage (HFC) using SA-1B's mask
annotations. A collection without annotations has no such measure, so this
module gives a stand-in: **edge coverage**, the fraction of the image where
structure (edges) is present. It is a proxy, not a segmentation: textured
backgrounds (grass, gravel) count as "foreground", and smooth objects count
as background. What it does catch is what HFC is meant to avoid: images whose
area is mostly flat (sky, walls, defocused bokeh) and thus carries little
content for masked-image reconstruction.

Exactly what is computed (defaults in :class:`EdgeProxyConfig`):

1. Decode the image in grey at reduced size (JPEG: Pillow ``draft``, i.e.
   DCT-domain down-scaling by 1/2, 1/4 or 1/8 during decoding), apply the EXIF
   orientation, and resize with area averaging so that the SHORT side is
   ``short_side`` = 256 px (the long side keeps the aspect ratio).
2. Gaussian blur (sigma ``blur_sigma`` = 1 px, 5x5 kernel), then Canny edge
   detection with hysteresis thresholds ``canny_low`` / ``canny_high`` =
   50 / 150 (OpenCV, 3x3 Sobel, L1 gradient, on 0..255 grey levels).
3. Cut the edge map into ``cell`` x ``cell`` = 16x16 pixel cells (16 cells
   along the short side; a remainder strip on the long side is dropped).
   A cell is "structured" when at least ``min_edge_density`` = 5% of its
   pixels (13 of 256) are edge pixels, i.e. roughly when an edge crosses it.
4. The proxy is the fraction of structured cells, in [0, 1].

Spectral-residual saliency was tried as an alternative and rejected: by
construction it marks the few regions that pop out, so it is high for one
object on a plain background and low for cluttered, object-dense scenes —
the opposite ordering to SA-1B's objects-per-image criterion.
"""
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Union

import cv2
import numpy as np
from PIL import Image, ImageOps

from ..image_io import ImageLoadError, open_image

__all__ = [
    'EdgeProxyConfig', 'read_gray_reduced', 'edge_cell_density',
    'edge_coverage_proxy'
]

PathLike = Union[str, Path]

PROXY_LABEL = 'foreground coverage PROXY (edge coverage)'


@dataclass(frozen=True)
class EdgeProxyConfig:
    """Parameters of the edge-coverage proxy (see the module docstring)."""
    short_side: int = 256
    cell: int = 16
    blur_sigma: float = 1.0
    canny_low: int = 50
    canny_high: int = 150
    min_edge_density: float = 0.05

    def __post_init__(self):
        if not 0 < self.cell <= self.short_side:
            raise ValueError(f'need 0 < cell <= short_side, got cell '
                             f'{self.cell}, short_side {self.short_side}')
        if not 0 <= self.canny_low <= self.canny_high:
            raise ValueError('need 0 <= canny_low <= canny_high')
        if not 0 <= self.min_edge_density <= 1:
            raise ValueError('min_edge_density must be in [0, 1]')
        if self.blur_sigma < 0:
            raise ValueError('blur_sigma must be >= 0')

    def signature(self) -> str:
        """A string that changes whenever a parameter changes (cache key)."""
        return 'edge(' + ','.join(f'{k}={v}'
                                  for k, v in asdict(self).items()) + ')'

    def describe(self) -> str:
        """One line for reports and plots."""
        return (f'{PROXY_LABEL}: fraction of {self.cell}x{self.cell} cells '
                f'with >= {self.min_edge_density:.0%} Canny '
                f'({self.canny_low}/{self.canny_high}) edge pixels on the '
                f'grey image at short side {self.short_side} px')


def _to_gray_uint8(img: Image.Image) -> np.ndarray:
    """Pillow image of any mode -> (H, W) uint8 luma (alpha dropped)."""
    if img.mode.startswith('I') or img.mode == 'F':  # 16/32-bit grey
        arr = np.asarray(img, dtype=np.float64)
        if img.mode != 'F':
            arr = arr / 257.
        return np.clip(np.rint(arr), 0, 255).astype(np.uint8)
    if img.mode in ('LA', 'La'):
        img = img.getchannel(0)
    elif img.mode not in ('L', 'RGB'):
        img = img.convert('RGB')
    return np.asarray(img.convert('L'))


def read_gray_reduced(path: PathLike, short_side: int = 256) -> np.ndarray:
    """Decode an image in grey with its short side resized to ``short_side``.

    JPEGs are decoded at reduced size (Pillow ``draft``), never larger than
    needed; other formats are decoded in full and then resized.

    Args:
        path: the image file.
        short_side: the short side of the result, in pixels.

    Returns:
        (H, W) uint8 with ``min(H, W) == short_side``, EXIF orientation
        applied.

    Raises:
        ImageLoadError: missing, truncated, corrupt or non-image file.
    """
    path = os.fspath(path)
    with open_image(path) as img:
        w, h = img.size
        if min(w, h) <= 0:
            raise ImageLoadError(f'{path}: empty image')
        s = short_side / min(w, h)
        if img.format == 'JPEG':
            img.draft('L', (int(np.ceil(w * s)), int(np.ceil(h * s))))
        img = ImageOps.exif_transpose(img)
        img.load()
        gray = _to_gray_uint8(img)
    h, w = gray.shape
    s = short_side / min(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    if size != (w, h):
        interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
        gray = cv2.resize(gray, size, interpolation=interp)
    return gray


def edge_cell_density(gray: np.ndarray,
                      cfg: EdgeProxyConfig = EdgeProxyConfig()) -> np.ndarray:
    """Fraction of Canny edge pixels in each cell of a grey image.

    Args:
        gray: (H, W) uint8 grey image (already at the working size).
        cfg: the proxy parameters.

    Returns:
        (H // cell, W // cell) float64 edge densities in [0, 1].
    """
    if cfg.blur_sigma > 0:
        gray = cv2.GaussianBlur(gray, (5, 5), cfg.blur_sigma)
    edges = cv2.Canny(gray, cfg.canny_low, cfg.canny_high) > 0
    c = cfg.cell
    gh, gw = edges.shape[0] // c, edges.shape[1] // c
    if gh == 0 or gw == 0:
        return np.zeros((0, 0))
    cells = edges[:gh * c, :gw * c].reshape(gh, c, gw, c)
    return cells.mean(axis=(1, 3))


def edge_coverage_proxy(path: PathLike,
                        cfg: EdgeProxyConfig = EdgeProxyConfig()) -> float:
    """The edge-coverage PROXY for foreground coverage of one image file.

    Args:
        path: the image file.
        cfg: the proxy parameters (module docstring says what they mean).

    Returns:
        Fraction of cells with edge density >= ``cfg.min_edge_density``.

    Raises:
        ImageLoadError: the image cannot be decoded.
    """
    density = edge_cell_density(read_gray_reduced(path, cfg.short_side), cfg)
    if density.size == 0:
        return 0.0
    return float((density >= cfg.min_edge_density).mean())
