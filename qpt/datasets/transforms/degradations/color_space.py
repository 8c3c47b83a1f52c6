"""CST: a random, near-identity colour-space transform (camera style)."""
from typing import Any, Dict, Optional, Sequence, Tuple

import cv2
import numpy as np

from qpt.registry import TRANSFORMS
from .base import ChannelSensitiveDegradation, check_range

__all__ = [
    'ColorSpaceTransform', 'srgb_to_linear', 'linear_to_srgb',
    'desaturate_into_gamut'
]

#: Rec. 709 / sRGB relative luminance weights of linear R, G, B.
LUMINANCE_709 = (0.2126, 0.7152, 0.0722)


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    """sRGB-encoded values in [0, 1] -> linear light in [0, 1] (IEC 61966)."""
    x = np.asarray(x, dtype=np.float32)
    return np.where(x <= 0.04045, x / 12.92,
                    ((x + 0.055) / 1.055)**2.4).astype(np.float32)


def linear_to_srgb(x: np.ndarray) -> np.ndarray:
    """Linear light in [0, 1] -> sRGB-encoded values in [0, 1]."""
    x = np.clip(np.asarray(x, dtype=np.float32), 0., 1.)
    return np.where(x <= 0.0031308, x * 12.92,
                    1.055 * np.power(x, 1 / 2.4) - 0.055).astype(np.float32)


def desaturate_into_gamut(rgb: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Bring linear RGB into [0, 1] by desaturating, keeping luminance.

    Each pixel ``Y + d`` (``Y = weights @ rgb``, ``d`` its chroma) is
    replaced by ``Y + t * d`` with the largest ``t`` in [0, 1] that puts all
    three channels in [0, 1]; in-gamut pixels are unchanged. ``Y`` is
    clipped to [0, 1] first.

    Args:
        rgb: (H, W, 3) float32 linear RGB.
        weights: (3,) luminance weights summing to 1.

    Returns:
        (H, W, 3) float32 in [0, 1].
    """
    rgb = np.ascontiguousarray(rgb, dtype=np.float32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    # (elementwise min/max: numpy's reductions over a length-3 axis are slow)
    lo = np.minimum(np.minimum(r, g), b)
    hi = np.maximum(np.maximum(r, g), b)
    over, under = hi > 1., lo < 0.
    if not (over.any() or under.any()):
        return rgb
    lum = cv2.transform(rgb, np.asarray(weights, np.float32).reshape(1, 3))
    lum = np.clip(lum.reshape(rgb.shape[:2]), 0., 1.)
    # The binding channel is the largest (above 1) or the smallest (below 0).
    with np.errstate(divide='ignore', invalid='ignore'):
        t = np.where(over, (1. - lum) / (hi - lum), 1.)
        t = np.where(under, np.minimum(t, lum / (lum - lo)), t)
    t = t.astype(np.float32)[..., None]
    lum = lum[..., None]
    return np.clip(lum + t * (rgb - lum), 0., 1.)


@TRANSFORMS.register_module()
class ColorSpaceTransform(ChannelSensitiveDegradation):
    """CST: random near-identity colour-space transform, in linear RGB.

    The paper names "CST" among its colour degradations without spelling it
    out (paper does not state); we read it as a colour-space transform of
    the kind a camera pipeline applies. Three random linear operations are
    composed into one 3x3 matrix and applied to linear-light RGB (the sRGB
    gamma is undone first and re-applied after):

    1. white balance: per-channel gains drawn log-uniformly from
       ``wb_gain_range``, divided by their luminance-weighted mean so that
       the luminance of a grey pixel is unchanged (a colour cast, not a
       brightness change);
    2. colour-correction matrix (CCM): identity plus off-diagonal entries
       drawn from ``ccm_offdiag_range``, diagonal set so that each row sums
       to 1 — grey stays grey (channel mixing / hue-dependent shifts);
    3. saturation: blend towards the Rec. 709 luminance by a factor drawn
       from ``saturation_range`` (grey- and luminance-preserving).

    ``M = S @ CCM @ diag(gains)``. With ``preserve_luminance`` (default)
    ``M`` is then corrected so that every pixel keeps its linear luminance:
    ``M += 1 (w - w M)`` with ``w`` the Rec. 709 weights, i.e. the change of
    luminance is removed by adding the same amount to R, G and B; this
    keeps the CCM's grey-to-grey property, and out-of-gamut results are
    desaturated towards their own luminance until they fit
    (:func:`desaturate_into_gamut`) instead of being clipped per channel,
    so the linear luminance of every pixel is kept up to 8-bit rounding.
    Without it, ``out = srgb(clip(M @ linear(img), 0, 1))``. This differs from
    :class:`ColorJitterDegradation` (brightness, contrast, saturation and
    hue on the encoded values): it changes the colour statistics (casts,
    channel mixing) while keeping the luminance structure.

    **Required Keys:**

    - img (np.ndarray): (H, W, 3) uint8 RGB image.
    - channel_order (str, optional): read when ``channel_order`` is None.

    **Modified Keys:**

    - img: the transformed image, same shape, uint8.

    **Added Keys:**

    - degradation_params (list[dict]): appends ``{'type', 'applied',
      'wb_gains' (3 floats, R G B), 'ccm' (3x3 nested list, rows sum to 1),
      'saturation'}``.

    Args:
        prob (float): probability of applying the transform. Defaults to 1.0.
        ccm_offdiag_range (tuple[float, float]): range of each off-diagonal
            CCM entry (unitless channel-mixing weight). Defaults to
            (-0.15, 0.15).
        wb_gain_range (tuple[float, float]): range of the white-balance
            channel gains before renormalisation (unitless, > 0). Defaults to
            (0.8, 1.25).
        saturation_range (tuple[float, float]): saturation factor in linear
            light (1 = unchanged, 0 = grey). Defaults to (0.7, 1.3).
        preserve_luminance (bool): correct the combined matrix and map
            out-of-gamut colours so that the linear luminance of every pixel
            is kept. Defaults to True.
        channel_order (str | None): ``'rgb'``, ``'bgr'`` or None: see
            :class:`~.base.ChannelSensitiveDegradation`.
    """

    def __init__(self,
                 prob: float = 1.0,
                 ccm_offdiag_range: Sequence[float] = (-0.15, 0.15),
                 wb_gain_range: Sequence[float] = (0.8, 1.25),
                 saturation_range: Sequence[float] = (0.7, 1.3),
                 preserve_luminance: bool = True,
                 channel_order: Optional[str] = None) -> None:
        super().__init__(prob, channel_order)
        name = type(self).__name__
        self.ccm_offdiag_range = check_range(
            ccm_offdiag_range, 'ccm_offdiag_range', name, low=-1., high=1.)
        self.wb_gain_range = check_range(
            wb_gain_range, 'wb_gain_range', name, positive=True)
        self.saturation_range = check_range(
            saturation_range, 'saturation_range', name, low=0.)
        self.preserve_luminance = bool(preserve_luminance)
        # Constant tables: uint8 -> linear, and linear quantised to 16 bit ->
        # sRGB uint8 (error <= 0.03 of an 8-bit step before rounding).
        self._decode_lut = srgb_to_linear(
            np.arange(256, dtype=np.float32) / 255.)
        self._encode_lut = np.clip(
            np.rint(linear_to_srgb(np.arange(65536) / 65535.) * 255.), 0,
            255).astype(np.uint8)

    def _sample_params(self, img_shape: Tuple[int, ...]) -> Dict[str, Any]:
        lo, hi = np.log(self.wb_gain_range)
        gains = np.exp(np.random.uniform(lo, hi, size=3))
        gains = gains / float(np.dot(LUMINANCE_709, gains))
        ccm = np.random.uniform(*self.ccm_offdiag_range, size=(3, 3))
        np.fill_diagonal(ccm, 0.)
        np.fill_diagonal(ccm, 1. - ccm.sum(axis=1))
        saturation = float(np.random.uniform(*self.saturation_range))
        return dict(
            wb_gains=[float(g) for g in gains],
            ccm=[[float(v) for v in row] for row in ccm],
            saturation=saturation)

    def color_matrix(self, params: Dict[str, Any]) -> np.ndarray:
        """The combined (3, 3) matrix acting on linear RGB column vectors."""
        s = params['saturation']
        w = np.asarray(LUMINANCE_709)
        ones = np.ones(3)
        sat = s * np.eye(3) + (1. - s) * np.outer(ones, w)
        mat = sat @ np.asarray(params['ccm']) @ np.diag(params['wb_gains'])
        if self.preserve_luminance:
            # Add (Y_in - Y_out) to all three channels: w @ mat == w.
            mat = mat + np.outer(ones, w - w @ mat)
        return mat

    def _apply(self, img: np.ndarray, params: Dict[str, Any]) -> np.ndarray:
        linear = cv2.LUT(img, self._decode_lut)  # (H, W, 3) float32
        mat = self.color_matrix(params).astype(np.float32)
        out = cv2.transform(linear, mat)
        if self.preserve_luminance:
            out = desaturate_into_gamut(out, np.asarray(LUMINANCE_709))
        else:
            out = np.clip(out, 0., 1., out=out)
        idx = (out * 65535. + 0.5).astype(np.uint16)
        return self._encode_lut[idx]

    def _repr_args(self) -> str:
        return (f'ccm_offdiag_range={self.ccm_offdiag_range}, '
                f'wb_gain_range={self.wb_gain_range}, '
                f'saturation_range={self.saturation_range}, '
                f'preserve_luminance={self.preserve_luminance}')
