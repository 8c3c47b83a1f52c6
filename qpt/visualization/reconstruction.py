"""Draw MIM reconstructions as an image grid (one row per sample).

Shared by :class:`qpt.engine.hooks.ReconstructionVisualizationHook` and
``tools/visualize_reconstruction.py``. Inputs are the dict of
:meth:`qpt.models.algorithms.QPTV2.reconstruct`: images (B, 3, H, W) in the
normalised space of the data preprocessor and a mask (B, 1, H, W) in
[0, 1]. Output images are (H, W, 3) uint8 RGB numpy arrays.
"""
import os
from pathlib import Path
from typing import Mapping, Sequence, Union

import cv2
import numpy as np
import torch

from qpt.utils.atomic_io import atomic_write_bytes

__all__ = [
    'denormalize', 'mask_to_rgb', 'reconstruction_grid', 'label_columns',
    'encode_png', 'save_png'
]

#: Height in pixels of the label strip of :func:`label_columns`.
LABEL_HEIGHT = 22


def denormalize(images: torch.Tensor, mean: torch.Tensor,
                std: torch.Tensor) -> np.ndarray:
    """Normalised images back to pixels.

    Args:
        images: (B, 3, H, W) normalised images.
        mean: per-channel mean on the 0-255 scale, broadcastable to
            (1, 3, 1, 1) (e.g. a data preprocessor's ``mean`` buffer).
        std: per-channel std, same shape.

    Returns:
        (B, H, W, 3) uint8 RGB.
    """
    mean = mean.detach().float().cpu().reshape(1, -1, 1, 1)
    std = std.detach().float().cpu().reshape(1, -1, 1, 1)
    pixels = (images.detach().float().cpu() * std + mean).clamp(0, 255)
    return pixels.round().byte().permute(0, 2, 3, 1).numpy()


def mask_to_rgb(mask: torch.Tensor) -> np.ndarray:
    """(B, 1, H, W) mask in [0, 1] (1 = masked) -> (B, H, W, 3) uint8:
    masked pixels white, visible pixels black."""
    pixels = (mask.detach().float().cpu().clamp(0, 1) * 255).round().byte()
    return pixels.expand(-1, 3, -1, -1).permute(0, 2, 3, 1).numpy()


def reconstruction_grid(images: Mapping[str, torch.Tensor],
                        mean: torch.Tensor,
                        std: torch.Tensor,
                        keys: Sequence[str] = ('input', 'reconstruction',
                                               'target')) -> np.ndarray:
    """Put the ``keys`` of ``images`` side by side, one row per sample.

    Args:
        images: name -> (B, 3, H, W) normalised images, or (B, 1, H, W)
            masks (drawn white where masked).
        mean: per-channel mean of the normalisation (0-255 scale).
        std: per-channel std.
        keys: the columns, left to right.

    Returns:
        (B * H, len(keys) * W, 3) uint8 RGB.
    """
    columns = []
    for key in keys:
        value = images[key]
        columns.append(mask_to_rgb(value) if value.shape[1] == 1 else
                       denormalize(value, mean, std))
    rows = [np.concatenate([c[i] for c in columns], axis=1)
            for i in range(len(columns[0]))]
    return np.ascontiguousarray(np.concatenate(rows, axis=0))


def label_columns(grid: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """Add a white strip of :data:`LABEL_HEIGHT` pixels on top of ``grid``
    with one label centred over each of ``len(labels)`` equal columns.

    Args:
        grid: (H, W, 3) uint8 RGB, W divisible by ``len(labels)``.
        labels: column titles (ASCII).

    Returns:
        (LABEL_HEIGHT + H, W, 3) uint8 RGB.
    """
    h, w = grid.shape[:2]
    col = w // len(labels)
    font = cv2.FONT_HERSHEY_SIMPLEX
    # one font scale for the strip: the largest (<= 0.45) at which every
    # label fits its column
    scale = 0.45
    while scale > 0.25 and any(
            cv2.getTextSize(t, font, scale, 1)[0][0] > col - 4
            for t in labels):
        scale -= 0.05
    strip = np.full((LABEL_HEIGHT, w, 3), 255, np.uint8)
    for i, text in enumerate(labels):
        (tw, th), _ = cv2.getTextSize(text, font, scale, 1)
        x = i * col + max((col - tw) // 2, 1)
        y = (LABEL_HEIGHT + th) // 2
        cv2.putText(strip, text, (x, y), font, scale, (0, 0, 0), 1,
                    cv2.LINE_AA)
    return np.concatenate([strip, grid], axis=0)


def encode_png(image: np.ndarray) -> bytes:
    """(H, W, 3) uint8 RGB -> PNG bytes."""
    ok, buf = cv2.imencode('.png', cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    if not ok:
        raise RuntimeError('PNG encoding failed')
    return buf.tobytes()


def save_png(image: np.ndarray, path: Union[str, Path]) -> str:
    """Write (H, W, 3) uint8 RGB as a PNG atomically (parent folders are
    created). Returns the path as a string."""
    atomic_write_bytes(encode_png(image), path)
    return os.fspath(path)
