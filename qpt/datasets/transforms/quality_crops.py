"""Deterministic test-time crops for quality scoring."""
import math
from typing import List, Sequence, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from qpt.registry import TRANSFORMS

__all__ = ['DeterministicCrops', 'crop_offsets', 'grid_shape']


def grid_shape(num_crops: int, height: int, width: int) -> Tuple[int, int]:
    """(rows, cols) of a grid of ``num_crops`` crops.

    The most square factorisation ``rows * cols == num_crops``, with the
    larger factor along the longer image side (rows and cols swapped for a
    portrait image). 4 -> 2x2, 6 -> 2x3 (landscape), 9 -> 3x3,
    3 -> 1x3, 7 -> 1x7.
    """
    small = max(d for d in range(1, math.isqrt(num_crops) + 1)
                if num_crops % d == 0)
    large = num_crops // small
    return (large, small) if height > width else (small, large)


def _axis_offsets(length: int, crop: int, n: int) -> List[int]:
    """``n`` start offsets of a crop along one axis: centred for n = 1, else
    evenly spaced from 0 to ``length - crop`` (both ends included)."""
    if n == 1:
        return [(length - crop) // 2]
    return [round(i * (length - crop) / (n - 1)) for i in range(n)]


def crop_offsets(height: int, width: int, crop_h: int, crop_w: int,
                 num_crops: int) -> List[Tuple[int, int]]:
    """Top-left corners (y, x) of the deterministic crops.

    - ``num_crops == 5``: the four corners then the centre, in the order
      top-left, top-right, bottom-left, bottom-right, centre (torchvision's
      ``FiveCrop`` positions and order).
    - any other K: a ``grid_shape`` grid, row-major (top to bottom, left to
      right); along an axis with n crops the offsets are
      ``round(i * (L - crop) / (n - 1))``, i = 0 .. n-1, or the centre
      ``(L - crop) // 2`` when n = 1. K = 1 is the centre crop; K = 4 the
      four corners.

    Args:
        height, width: image size; must be at least the crop size.
        crop_h, crop_w: crop size.
        num_crops: K >= 1.

    Returns:
        K (y, x) offsets.
    """
    if num_crops == 5:
        ys = [0, 0, height - crop_h, height - crop_h, (height - crop_h) // 2]
        xs = [0, width - crop_w, 0, width - crop_w, (width - crop_w) // 2]
        return list(zip(ys, xs))
    rows, cols = grid_shape(num_crops, height, width)
    return [(y, x) for y in _axis_offsets(height, crop_h, rows)
            for x in _axis_offsets(width, crop_w, cols)]


@TRANSFORMS.register_module()
class DeterministicCrops(BaseTransform):
    """K fixed crops of an image (or the whole image) for scoring.

    The crops depend only on the image size, so the same image gives the
    same crops, hence the same score, every time. The scorer averages its
    output over the K crops.

    Positions (see :func:`crop_offsets`): ``num_crops=1`` the centre crop;
    ``num_crops=5`` the four corners and the centre; other K an evenly
    spaced grid (most square factorisation of K, the larger count along the
    longer side) whose outer crops touch the image borders.

    ``num_crops=0``: the whole image, centre-cropped down to the nearest
    multiples of ``size_divisor`` (16, one HiViT unit; at most 15 pixels
    are lost per axis) -- HiViT resizes its position embedding to the grid.
    Images of different sizes then cannot share a batch.

    Images smaller than the crop (``on_small``): ``'error'`` (default) fails
    with a message naming the file: up-scaling adds interpolation blur and
    padding adds borders, both of which change the quality being scored, so
    nothing is invented silently. ``'resize'`` up-scales (bicubic) so that
    the short side equals the crop's larger side (each side at least the
    crop), then crops -- an explicit choice for data sets of small images.

    Required Keys:
        - img: (H, W, 3) uint8 RGB

    Optional Keys:
        - img_path (named in errors)

    Modified Keys:
        - img: (K, h, w, 3) uint8 crops, K = num_crops (1 for num_crops=0)
        - img_shape: (h, w) of a crop

    Added Keys:
        - crop_bboxes: (K, 4) int64 (x1, y1, x2, y2), exclusive ends, in
          the coordinates of the image this transform received (after the
          resize of ``on_small='resize'``)

    Args:
        crop_size: crop side, or (h, w).
        num_crops: K >= 1, or 0 for the whole image.
        size_divisor: with ``num_crops=0``, the multiple the kept size is
            rounded down to.
        on_small: ``'error'`` or ``'resize'``.
    """

    ON_SMALL = ('error', 'resize')

    def __init__(self,
                 crop_size: Union[int, Sequence[int]] = 224,
                 num_crops: int = 5,
                 size_divisor: int = 16,
                 on_small: str = 'error') -> None:
        if isinstance(crop_size, int):
            crop_size = (crop_size, crop_size)
        self.crop_size: Tuple[int, int] = tuple(int(s) for s in crop_size)
        if len(self.crop_size) != 2 or min(self.crop_size) <= 0:
            raise ValueError(f'crop_size must be a positive int or (h, w), '
                             f'got {crop_size}')
        if int(num_crops) < 0:
            raise ValueError(f'num_crops must be >= 0, got {num_crops}')
        if size_divisor <= 0:
            raise ValueError(f'size_divisor must be > 0, got {size_divisor}')
        if on_small not in self.ON_SMALL:
            raise ValueError(f'on_small must be one of {self.ON_SMALL}, got '
                             f'{on_small!r}')
        self.num_crops = int(num_crops)
        self.size_divisor = int(size_divisor)
        self.on_small = on_small

    @staticmethod
    def _name(results: dict) -> str:
        return str(results.get('img_path') or 'the input image')

    def _check_size(self, img: np.ndarray, results: dict) -> np.ndarray:
        """The image, or (on_small='resize') its up-scaled version, at least
        the required size."""
        h, w = img.shape[:2]
        need_h, need_w = (self.crop_size if self.num_crops > 0 else
                          (self.size_divisor, self.size_divisor))
        if h >= need_h and w >= need_w:
            return img
        if self.on_small == 'error':
            raise ValueError(
                f'{self._name(results)}: image is {w}x{h}, smaller than the '
                f'{need_w}x{need_h} needed by {type(self).__name__} (no '
                "up-scaling by default; on_small='resize' allows it)")
        scale = max(need_h / h, need_w / w, max(need_h, need_w) / min(h, w))
        size = (max(need_w, round(w * scale)), max(need_h, round(h * scale)))
        return cv2.resize(img, size, interpolation=cv2.INTER_CUBIC)

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.ndim != 3:
            raise ValueError(f'{self._name(results)}: expected an (H, W, C) '
                             f'image, got shape {img.shape}')
        img = self._check_size(img, results)
        h, w = img.shape[:2]
        if self.num_crops == 0:
            ch = h // self.size_divisor * self.size_divisor
            cw = w // self.size_divisor * self.size_divisor
            offsets = [((h - ch) // 2, (w - cw) // 2)]
        else:
            ch, cw = self.crop_size
            offsets = crop_offsets(h, w, ch, cw, self.num_crops)
        crops = np.stack([img[y:y + ch, x:x + cw] for y, x in offsets])
        results['img'] = np.ascontiguousarray(crops)
        results['img_shape'] = (ch, cw)
        results['crop_bboxes'] = np.array(
            [[x, y, x + cw, y + ch] for y, x in offsets], dtype=np.int64)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(crop_size={self.crop_size}, '
                f'num_crops={self.num_crops}, '
                f'size_divisor={self.size_divisor}, '
                f"on_small='{self.on_small}')")
