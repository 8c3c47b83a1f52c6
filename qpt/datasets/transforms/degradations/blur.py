"""Gaussian blur with isotropic or anisotropic (rotated) kernels."""
from typing import Any, Dict, Sequence, Tuple

import cv2
import numpy as np

from qpt.registry import TRANSFORMS
from .base import BaseDegradation, check_prob, check_range, to_uint8

__all__ = ['GaussianBlurDegradation', 'gaussian_kernel2d']


def gaussian_kernel2d(kernel_size: int, sigma_x: float, sigma_y: float,
                      angle: float) -> np.ndarray:
    """A normalised, possibly anisotropic and rotated 2-D Gaussian kernel.

    The kernel is ``exp(-(u^2 / sigma_x^2 + v^2 / sigma_y^2) / 2)`` where
    ``u`` runs along the direction at ``angle`` degrees from the image's
    horizontal axis (columns, to the right) turning towards the vertical axis
    (rows, downwards), i.e. clockwise on screen, and ``v`` is perpendicular
    to it. ``angle=0`` with ``sigma_x > sigma_y`` blurs mostly horizontally.

    Args:
        kernel_size: odd side length in pixels.
        sigma_x: standard deviation along ``u`` in pixels (> 0).
        sigma_y: standard deviation along ``v`` in pixels (> 0).
        angle: rotation in degrees.

    Returns:
        (kernel_size, kernel_size) float32 array summing to 1, indexed
        [row, column].
    """
    if kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f'kernel_size must be odd and positive, got '
                         f'{kernel_size}')
    if sigma_x <= 0 or sigma_y <= 0:
        raise ValueError(f'sigmas must be positive, got {sigma_x}, '
                         f'{sigma_y}')
    r = kernel_size // 2
    ax = np.arange(-r, r + 1, dtype=np.float64)
    y, x = np.meshgrid(ax, ax, indexing='ij')  # y: rows (down), x: columns
    t = np.deg2rad(angle)
    u = x * np.cos(t) + y * np.sin(t)
    v = -x * np.sin(t) + y * np.cos(t)
    k = np.exp(-0.5 * ((u / sigma_x)**2 + (v / sigma_y)**2))
    return (k / k.sum()).astype(np.float32)


@TRANSFORMS.register_module()
class GaussianBlurDegradation(BaseDegradation):
    """Random Gaussian blur, isotropic or anisotropic.

    With probability ``iso_prob`` the kernel is isotropic with one sigma
    drawn from ``sigma_x_range``; otherwise ``sigma_x`` and ``sigma_y`` are
    drawn independently from their ranges and the kernel is rotated by an
    angle drawn from ``angle_range`` (see :func:`gaussian_kernel2d` for the
    orientation convention). The kernel size is drawn uniformly among the
    odd integers of ``kernel_size_range``. The kernel is applied with
    ``cv2.filter2D`` and a reflected border (``BORDER_REFLECT_101``). The
    defaults are Real-ESRGAN's first-order ranges.

    **Required Keys:**

    - img (np.ndarray): (H, W, 3) uint8 RGB image.

    **Modified Keys:**

    - img: the blurred image, same shape, uint8.

    **Added Keys:**

    - degradation_params (list[dict]): appends ``{'type', 'applied',
      'kernel_size', 'sigma_x', 'sigma_y', 'angle', 'isotropic'}``.

    Args:
        prob (float): probability of blurring. Defaults to 1.0.
        kernel_size_range (tuple[int, int]): smallest and largest odd kernel
            side in pixels. Defaults to (7, 21).
        sigma_x_range (tuple[float, float]): standard deviation in pixels
            along the kernel's main axis (and of an isotropic kernel).
            Defaults to (0.2, 3.0).
        sigma_y_range (tuple[float, float]): standard deviation in pixels
            across the main axis (anisotropic kernels only).
            Defaults to (0.2, 3.0).
        angle_range (tuple[float, float]): rotation of anisotropic kernels in
            degrees. Defaults to (-90, 90) (a Gaussian is symmetric under a
            180 degree turn, so this covers every orientation).
        iso_prob (float): probability of an isotropic kernel.
            Defaults to 0.5.
    """

    def __init__(self,
                 prob: float = 1.0,
                 kernel_size_range: Sequence[int] = (7, 21),
                 sigma_x_range: Sequence[float] = (0.2, 3.0),
                 sigma_y_range: Sequence[float] = (0.2, 3.0),
                 angle_range: Sequence[float] = (-90., 90.),
                 iso_prob: float = 0.5) -> None:
        super().__init__(prob)
        name = type(self).__name__
        self.kernel_size_range = check_range(
            kernel_size_range, 'kernel_size_range', name, low=1,
            integer=True)
        if any(k % 2 == 0 for k in self.kernel_size_range):
            raise ValueError(f'{name}: kernel_size_range must hold odd '
                             f'sizes, got {kernel_size_range!r}')
        self.sigma_x_range = check_range(
            sigma_x_range, 'sigma_x_range', name, positive=True)
        self.sigma_y_range = check_range(
            sigma_y_range, 'sigma_y_range', name, positive=True)
        self.angle_range = check_range(angle_range, 'angle_range', name)
        self.iso_prob = check_prob(iso_prob, 'iso_prob', name)

    def _sample_params(self, img_shape: Tuple[int, ...]) -> Dict[str, Any]:
        lo, hi = self.kernel_size_range
        kernel_size = lo + 2 * int(np.random.randint((hi - lo) // 2 + 1))
        isotropic = bool(np.random.rand() < self.iso_prob)
        sigma_x = float(np.random.uniform(*self.sigma_x_range))
        if isotropic:
            sigma_y, angle = sigma_x, 0.
        else:
            sigma_y = float(np.random.uniform(*self.sigma_y_range))
            angle = float(np.random.uniform(*self.angle_range))
        return dict(
            kernel_size=kernel_size,
            sigma_x=sigma_x,
            sigma_y=sigma_y,
            angle=angle,
            isotropic=isotropic)

    def _apply(self, img: np.ndarray, params: Dict[str, Any]) -> np.ndarray:
        kernel = gaussian_kernel2d(params['kernel_size'], params['sigma_x'],
                                   params['sigma_y'], params['angle'])
        # The kernel is point-symmetric, so correlation == convolution.
        # (OpenCV filters float32 faster than uint8 for large kernels.)
        out = cv2.filter2D(
            img.astype(np.float32), -1, kernel,
            borderType=cv2.BORDER_REFLECT_101)
        return to_uint8(out)

    def _repr_args(self) -> str:
        return (f'kernel_size_range={self.kernel_size_range}, '
                f'sigma_x_range={self.sigma_x_range}, '
                f'sigma_y_range={self.sigma_y_range}, '
                f'angle_range={self.angle_range}, '
                f'iso_prob={self.iso_prob}')
