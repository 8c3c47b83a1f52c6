"""Down-scale then up-scale back (loss of detail, resampling artefacts)."""
from typing import Any, Dict, Sequence, Tuple

import cv2
import numpy as np

from qpt.registry import TRANSFORMS
from .base import BaseDegradation, check_range

__all__ = ['ResizeDegradation']


@TRANSFORMS.register_module()
class ResizeDegradation(BaseDegradation):
    """Random down-scaling followed by up-scaling to the original size.

    The image is resized (``cv2.resize``) to ``round(scale * H)`` x
    ``round(scale * W)`` (at least 1 pixel) with one interpolation drawn
    from ``interpolations`` and back to H x W with an independently drawn
    one, so the output has the input's shape.

    **Required Keys:**

    - img (np.ndarray): (H, W, 3) uint8 RGB image.

    **Modified Keys:**

    - img: the resampled image, same shape, uint8.

    **Added Keys:**

    - degradation_params (list[dict]): appends ``{'type', 'applied',
      'scale', 'down_interpolation', 'up_interpolation'}``.

    Args:
        prob (float): probability of resizing. Defaults to 1.0.
        scale_range (tuple[float, float]): down-scaling factor range, each in
            (0, 1] (0.5 halves each side). Defaults to (0.25, 0.9).
        interpolations (sequence[str]): names drawn uniformly for each of the
            two resizes, among 'nearest', 'bilinear', 'bicubic', 'area' and
            'lanczos'. Defaults to ('area', 'bilinear', 'bicubic')
            (Real-ESRGAN's choice).
    """

    INTERPOLATIONS = {
        'nearest': cv2.INTER_NEAREST,
        'bilinear': cv2.INTER_LINEAR,
        'bicubic': cv2.INTER_CUBIC,
        'area': cv2.INTER_AREA,
        'lanczos': cv2.INTER_LANCZOS4,
    }

    def __init__(self,
                 prob: float = 1.0,
                 scale_range: Sequence[float] = (0.25, 0.9),
                 interpolations: Sequence[str] = ('area', 'bilinear',
                                                  'bicubic')) -> None:
        super().__init__(prob)
        name = type(self).__name__
        self.scale_range = check_range(
            scale_range, 'scale_range', name, high=1.)
        if self.scale_range[0] <= 0:
            raise ValueError(f'{name}: scale_range must be in (0, 1], got '
                             f'{scale_range!r}')
        if isinstance(interpolations, str) or not interpolations or any(
                i not in self.INTERPOLATIONS for i in interpolations):
            raise ValueError(
                f'{name}: interpolations must be a non-empty list of '
                f'{sorted(self.INTERPOLATIONS)}, got {interpolations!r}')
        self.interpolations = tuple(interpolations)

    def _sample_params(self, img_shape: Tuple[int, ...]) -> Dict[str, Any]:
        n = len(self.interpolations)
        return dict(
            scale=float(np.random.uniform(*self.scale_range)),
            down_interpolation=self.interpolations[np.random.randint(n)],
            up_interpolation=self.interpolations[np.random.randint(n)])

    def _apply(self, img: np.ndarray, params: Dict[str, Any]) -> np.ndarray:
        h, w = img.shape[:2]
        s = params['scale']
        small = (max(1, int(round(w * s))), max(1, int(round(h * s))))
        out = cv2.resize(
            img, small,
            interpolation=self.INTERPOLATIONS[params['down_interpolation']])
        return cv2.resize(
            out, (w, h),
            interpolation=self.INTERPOLATIONS[params['up_interpolation']])

    def _repr_args(self) -> str:
        return (f'scale_range={self.scale_range}, '
                f'interpolations={self.interpolations}')
