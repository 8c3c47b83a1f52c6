"""Brightness / contrast / saturation / hue jittering."""
from typing import Any, Dict, Optional, Sequence, Tuple

import cv2
import numpy as np

from qpt.registry import TRANSFORMS
from .base import ChannelSensitiveDegradation, check_range, to_uint8

__all__ = ['ColorJitterDegradation']

_LUMA_601 = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _luma(f: np.ndarray) -> np.ndarray:
    """(H, W, 3) float RGB -> (H, W, 1) BT.601 luma."""
    return (f @ _LUMA_601)[..., None]


@TRANSFORMS.register_module()
class ColorJitterDegradation(ChannelSensitiveDegradation):
    """Random brightness, contrast, saturation and hue jitter.

    Each enabled adjustment draws one factor; the four are applied in a
    random order (``random_order=True``) or in the order brightness,
    contrast, saturation, hue. They work on the sRGB-encoded values (as
    torchvision / PIL do), in float, clipping to 0..255 after each step and
    rounding once at the end:

    - brightness ``b``: ``img * b``;
    - contrast ``c``: blend with the mean BT.601 luma of the image,
      ``c * img + (1 - c) * mean``;
    - saturation ``s``: blend with the per-pixel BT.601 luma,
      ``s * img + (1 - s) * luma``;
    - hue ``h``: rotate the HSV hue by ``h`` turns (``h * 360`` degrees,
      OpenCV's float HSV conversion).

    **Required Keys:**

    - img (np.ndarray): (H, W, 3) uint8 RGB image.
    - channel_order (str, optional): read when ``channel_order`` is None.

    **Modified Keys:**

    - img: the jittered image, same shape, uint8.

    **Added Keys:**

    - degradation_params (list[dict]): appends ``{'type', 'applied',
      'brightness', 'contrast', 'saturation', 'hue' (None when disabled),
      'order' (names in application order)}``.

    Args:
        prob (float): probability of jittering. Defaults to 1.0.
        brightness (tuple[float, float] | None): multiplicative brightness
            factor range (1 = unchanged). None disables. Defaults to
            (0.7, 1.3).
        contrast (tuple[float, float] | None): contrast factor range
            (1 = unchanged, 0 = flat grey). None disables. Defaults to
            (0.7, 1.3).
        saturation (tuple[float, float] | None): saturation factor range
            (1 = unchanged, 0 = grey). None disables. Defaults to (0.7, 1.3).
        hue (tuple[float, float] | None): hue shift range in turns of the
            colour circle, within [-0.5, 0.5]. None disables. Defaults to
            (-0.05, 0.05).
        random_order (bool): shuffle the order of the adjustments per
            sample. Defaults to True.
        channel_order (str | None): ``'rgb'``, ``'bgr'`` or None: see
            :class:`~.base.ChannelSensitiveDegradation`.
    """

    OPS = ('brightness', 'contrast', 'saturation', 'hue')

    def __init__(self,
                 prob: float = 1.0,
                 brightness: Optional[Sequence[float]] = (0.7, 1.3),
                 contrast: Optional[Sequence[float]] = (0.7, 1.3),
                 saturation: Optional[Sequence[float]] = (0.7, 1.3),
                 hue: Optional[Sequence[float]] = (-0.05, 0.05),
                 random_order: bool = True,
                 channel_order: Optional[str] = None) -> None:
        super().__init__(prob, channel_order)
        name = type(self).__name__
        self.brightness = None if brightness is None else check_range(
            brightness, 'brightness', name, low=0.)
        self.contrast = None if contrast is None else check_range(
            contrast, 'contrast', name, low=0.)
        self.saturation = None if saturation is None else check_range(
            saturation, 'saturation', name, low=0.)
        self.hue = None if hue is None else check_range(
            hue, 'hue', name, low=-0.5, high=0.5)
        self.random_order = bool(random_order)

    def _sample_params(self, img_shape: Tuple[int, ...]) -> Dict[str, Any]:
        params: Dict[str, Any] = {}
        enabled = []
        for op in self.OPS:
            rng = getattr(self, op)
            if rng is None:
                params[op] = None
            else:
                params[op] = float(np.random.uniform(*rng))
                enabled.append(op)
        if self.random_order:
            enabled = [enabled[i] for i in np.random.permutation(len(enabled))]
        params['order'] = enabled
        return params

    def _apply(self, img: np.ndarray, params: Dict[str, Any]) -> np.ndarray:
        f = img.astype(np.float32)
        for op in params['order']:
            v = np.float32(params[op])
            if op == 'brightness':
                f = f * v
            elif op == 'contrast':
                f = v * f + (1 - v) * np.float32(_luma(f).mean())
            elif op == 'saturation':
                f = v * f + (1 - v) * _luma(f)
            elif op == 'hue':
                hsv = cv2.cvtColor(f / 255., cv2.COLOR_RGB2HSV)
                hsv[..., 0] = np.mod(hsv[..., 0] + v * 360., 360.)
                f = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB) * 255.
            else:
                raise ValueError(f'{type(self).__name__}: unknown op {op!r}')
            f = np.clip(f, 0., 255.)
        return to_uint8(f)

    def _repr_args(self) -> str:
        return (f'brightness={self.brightness}, contrast={self.contrast}, '
                f'saturation={self.saturation}, hue={self.hue}, '
                f'random_order={self.random_order}')
