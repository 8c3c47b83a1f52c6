"""Unsharp-mask sharpening (over-sharpening artefacts, halos)."""
from numbers import Real
from typing import Any, Dict, Sequence, Tuple

import cv2
import numpy as np

from qpt.registry import TRANSFORMS
from .base import BaseDegradation, check_range, to_uint8

__all__ = ['SharpenDegradation']


@TRANSFORMS.register_module()
class SharpenDegradation(BaseDegradation):
    """Random unsharp-mask sharpening.

    ``out = img + amount * mask * (img - GaussianBlur(img, sigma))``, where
    ``mask`` is 1 where the largest channel of ``|img - blur|`` exceeds
    ``threshold`` and 0 elsewhere, softened by the same Gaussian so that no
    edge appears at the threshold boundary (flat, slightly noisy areas are
    left alone). The result is rounded and clipped to 0..255.

    **Required Keys:**

    - img (np.ndarray): (H, W, 3) uint8 RGB image.

    **Modified Keys:**

    - img: the sharpened image, same shape, uint8.

    **Added Keys:**

    - degradation_params (list[dict]): appends ``{'type', 'applied',
      'sigma', 'amount'}``.

    Args:
        prob (float): probability of sharpening. Defaults to 1.0.
        sigma_range (tuple[float, float]): standard deviation (the "radius")
            of the Gaussian blur in pixels. Defaults to (0.5, 2.0).
        amount_range (tuple[float, float]): gain on the high-pass residual;
            0 is no change. Defaults to (0.5, 1.5).
        threshold (float): residuals at or below this value (0..255 scale)
            are not amplified. Defaults to 10 (Real-ESRGAN's value).
    """

    def __init__(self,
                 prob: float = 1.0,
                 sigma_range: Sequence[float] = (0.5, 2.0),
                 amount_range: Sequence[float] = (0.5, 1.5),
                 threshold: float = 10.) -> None:
        super().__init__(prob)
        name = type(self).__name__
        self.sigma_range = check_range(
            sigma_range, 'sigma_range', name, positive=True)
        self.amount_range = check_range(
            amount_range, 'amount_range', name, low=0.)
        if not isinstance(threshold, Real) or not 0 <= threshold <= 255:
            raise ValueError(f'{name}: threshold must be a number in '
                             f'[0, 255], got {threshold!r}')
        self.threshold = float(threshold)

    def _sample_params(self, img_shape: Tuple[int, ...]) -> Dict[str, Any]:
        return dict(
            sigma=float(np.random.uniform(*self.sigma_range)),
            amount=float(np.random.uniform(*self.amount_range)))

    def _apply(self, img: np.ndarray, params: Dict[str, Any]) -> np.ndarray:
        sigma = params['sigma']
        f = img.astype(np.float32)
        blurred = cv2.GaussianBlur(
            f, (0, 0), sigma, borderType=cv2.BORDER_REFLECT_101)
        residual = f - blurred
        if self.threshold > 0:
            a = np.abs(residual)
            # elementwise: numpy's max over a length-3 axis is slow
            mask = np.maximum(np.maximum(a[..., 0], a[..., 1]),
                              a[..., 2]) > self.threshold
            mask = cv2.GaussianBlur(
                mask.astype(np.float32), (0, 0), sigma,
                borderType=cv2.BORDER_REFLECT_101)
            residual *= mask[..., None]
        return to_uint8(f + params['amount'] * residual)

    def _repr_args(self) -> str:
        return (f'sigma_range={self.sigma_range}, '
                f'amount_range={self.amount_range}, '
                f'threshold={self.threshold}')
