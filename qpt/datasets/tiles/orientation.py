"""EXIF orientation as lossless flips and transposes of pixel arrays.

Tiles are stored in the coded orientation of their source; the orientation
(EXIF tag 0x0112, 1..8) is applied after decoding and cropping, which gives
the same pixels as cropping the displayed image (what
:func:`qpt.datasets.read_image_rgb` returns).
"""
from typing import Union

import numpy as np
import torch

__all__ = ['apply_orientation', 'undo_orientation']

Array = Union[np.ndarray, torch.Tensor]

#: orientation -> (transpose, flip rows, flip columns), applied in that
#: order to the coded array.
_OPS = {
    1: (False, False, False),
    2: (False, False, True),
    3: (False, True, True),
    4: (False, True, False),
    5: (True, False, False),
    6: (True, False, True),
    7: (True, True, True),
    8: (True, True, False),
}
_INVERSE = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 8, 7: 7, 8: 6}


def apply_orientation(img: Array, orientation: int, hwc: bool = True) -> Array:
    """Turn a coded-orientation image into the displayed one.

    Args:
        img: (H, W, C) if ``hwc`` else (..., C, H, W); numpy or torch.
        orientation: EXIF orientation 1..8.
        hwc: the layout of ``img``.

    Returns:
        The displayed image, same layout (H and W swapped for 5..8); a view
        for numpy, a new tensor for torch (unless orientation is 1).
    """
    if orientation not in _OPS:
        raise ValueError(f'EXIF orientation must be 1..8, got {orientation}')
    transpose, flip_rows, flip_cols = _OPS[orientation]
    h, w = (0, 1) if hwc else (-2, -1)
    if isinstance(img, torch.Tensor):
        if transpose:
            img = img.transpose(h, w)
        dims = [d for d, f in ((h, flip_rows), (w, flip_cols)) if f]
        return img.flip(dims) if dims else img
    if transpose:
        img = np.swapaxes(img, h, w)
    if flip_rows:
        img = np.flip(img, h)
    if flip_cols:
        img = np.flip(img, w)
    return img


def undo_orientation(img: Array, orientation: int, hwc: bool = True) -> Array:
    """The inverse of :func:`apply_orientation`."""
    return apply_orientation(img, _INVERSE[orientation], hwc)
