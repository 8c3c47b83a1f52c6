"""JPEG compression artefacts."""
from typing import Any, Dict, Optional, Sequence, Tuple

import cv2
import numpy as np

from qpt.registry import TRANSFORMS
from .base import ChannelSensitiveDegradation, check_range

__all__ = ['JPEGDegradation', 'jpeg_roundtrip']


def jpeg_roundtrip(img: np.ndarray, quality: int) -> np.ndarray:
    """Encode an RGB uint8 image as JPEG with OpenCV and decode it.

    Args:
        img: (H, W, 3) uint8 RGB.
        quality: JPEG quality, 0..100 (OpenCV's default chroma subsampling,
            4:2:0).

    Returns:
        (H, W, 3) uint8 RGB.
    """
    bgr = np.ascontiguousarray(img[..., ::-1])
    ok, buf = cv2.imencode('.jpg', bgr,
                           [int(cv2.IMWRITE_JPEG_QUALITY), int(quality)])
    if not ok:
        raise RuntimeError(f'cv2.imencode failed at JPEG quality {quality}')
    dec = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return np.ascontiguousarray(dec[..., ::-1])


@TRANSFORMS.register_module()
class JPEGDegradation(ChannelSensitiveDegradation):
    """Random JPEG compression (OpenCV encode + decode in memory).

    **Required Keys:**

    - img (np.ndarray): (H, W, 3) uint8 RGB image.
    - channel_order (str, optional): read when ``channel_order`` is None.

    **Modified Keys:**

    - img: the decoded image, same shape, uint8.

    **Added Keys:**

    - degradation_params (list[dict]): appends ``{'type', 'applied',
      'quality'}``.

    Args:
        prob (float): probability of compressing. Defaults to 1.0.
        quality_range (tuple[int, int]): inclusive range of the JPEG quality
            (0..100, higher is better). Defaults to (30, 95)
            (Real-ESRGAN's first-order range).
        channel_order (str | None): ``'rgb'``, ``'bgr'`` or None: see
            :class:`~.base.ChannelSensitiveDegradation`.
    """

    def __init__(self,
                 prob: float = 1.0,
                 quality_range: Sequence[int] = (30, 95),
                 channel_order: Optional[str] = None) -> None:
        super().__init__(prob, channel_order)
        self.quality_range = check_range(
            quality_range, 'quality_range', type(self).__name__, low=0,
            high=100, integer=True)

    def _sample_params(self, img_shape: Tuple[int, ...]) -> Dict[str, Any]:
        lo, hi = self.quality_range
        return dict(quality=int(np.random.randint(lo, hi + 1)))

    def _apply(self, img: np.ndarray, params: Dict[str, Any]) -> np.ndarray:
        return jpeg_roundtrip(img, params['quality'])

    def _repr_args(self) -> str:
        return f'quality_range={self.quality_range}'
