"""Additive Gaussian and Poisson (shot) noise, colour or grey."""
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

from qpt.registry import TRANSFORMS
from .base import (ChannelSensitiveDegradation, check_prob, check_range,
                   to_uint8)

__all__ = ['NoiseDegradation']

#: BT.601 luma weights (R, G, B) used for grey Poisson noise.
_LUMA_601 = np.array([0.299, 0.587, 0.114], dtype=np.float32)


@TRANSFORMS.register_module()
class NoiseDegradation(ChannelSensitiveDegradation):
    """Random Gaussian or Poisson noise.

    - Gaussian: ``out = img + sigma * N(0, 1)``, ``sigma`` on the 0..255
      scale.
    - Poisson: ``out = img + scale * (Poisson(img) - img)`` with ``img`` read
      as photon counts on the 0..255 scale, so a pixel of value ``v`` gets
      zero-mean noise of variance ``scale**2 * v`` (brighter pixels are
      noisier). This equals Real-ESRGAN's Poisson noise for 8-bit images
      with 256 levels; their ``scale`` range is kept.

    Grey noise (probability ``gray_prob``) draws one noise field and adds it
    to all three channels; grey Poisson noise is drawn on the BT.601 luma.
    The result is rounded and clipped to 0..255. The noise field itself is
    not stored: ``get_params`` draws an integer ``seed`` and ``apply`` builds
    ``np.random.default_rng(seed)`` from it, so replaying the parameters
    reproduces the same field.

    **Required Keys:**

    - img (np.ndarray): (H, W, 3) uint8 RGB image.
    - channel_order (str, optional): read when ``channel_order`` is None.

    **Modified Keys:**

    - img: the noisy image, same shape, uint8.

    **Added Keys:**

    - degradation_params (list[dict]): appends ``{'type', 'applied',
      'noise_type' ('gaussian' | 'poisson'), 'sigma' or 'scale', 'gray',
      'seed'}``.

    Args:
        prob (float): probability of adding noise. Defaults to 1.0.
        gaussian_prob (float): probability that the noise is Gaussian (else
            Poisson). Defaults to 0.5.
        gaussian_sigma_range (tuple[float, float]): standard deviation of the
            Gaussian noise on the 0..255 scale. Defaults to (1, 30).
        poisson_scale_range (tuple[float, float]): multiplier of the Poisson
            noise (1 is physical shot noise at 255 photons for white).
            Defaults to (0.05, 3.0).
        gray_prob (float): probability of grey (channel-shared) noise.
            Defaults to 0.4.
        channel_order (str | None): ``'rgb'``, ``'bgr'`` or None: see
            :class:`~.base.ChannelSensitiveDegradation`.
    """

    def __init__(self,
                 prob: float = 1.0,
                 gaussian_prob: float = 0.5,
                 gaussian_sigma_range: Sequence[float] = (1., 30.),
                 poisson_scale_range: Sequence[float] = (0.05, 3.0),
                 gray_prob: float = 0.4,
                 channel_order: Optional[str] = None) -> None:
        super().__init__(prob, channel_order)
        name = type(self).__name__
        self.gaussian_prob = check_prob(gaussian_prob, 'gaussian_prob', name)
        self.gaussian_sigma_range = check_range(
            gaussian_sigma_range, 'gaussian_sigma_range', name, low=0.)
        self.poisson_scale_range = check_range(
            poisson_scale_range, 'poisson_scale_range', name, low=0.)
        self.gray_prob = check_prob(gray_prob, 'gray_prob', name)

    def _sample_params(self, img_shape: Tuple[int, ...]) -> Dict[str, Any]:
        if np.random.rand() < self.gaussian_prob:
            params = dict(
                noise_type='gaussian',
                sigma=float(np.random.uniform(*self.gaussian_sigma_range)))
        else:
            params = dict(
                noise_type='poisson',
                scale=float(np.random.uniform(*self.poisson_scale_range)))
        params['gray'] = bool(np.random.rand() < self.gray_prob)
        params['seed'] = int(np.random.randint(0, 2**31 - 1))
        return params

    def _apply(self, img: np.ndarray, params: Dict[str, Any]) -> np.ndarray:
        rng = np.random.default_rng(params['seed'])
        h, w, c = img.shape
        f = img.astype(np.float32)
        if params['noise_type'] == 'gaussian':
            shape = (h, w, 1) if params['gray'] else (h, w, c)
            noise = rng.standard_normal(shape, dtype=np.float32)
            noise *= np.float32(params['sigma'])
        elif params['noise_type'] == 'poisson':
            lam = (f @ _LUMA_601)[..., None] if params['gray'] else f
            noise = (rng.poisson(lam).astype(np.float32) - lam)
            noise *= np.float32(params['scale'])
        else:
            raise ValueError(f"{type(self).__name__}: unknown noise_type "
                             f"{params['noise_type']!r}")
        return to_uint8(f + noise)

    def _repr_args(self) -> str:
        return (f'gaussian_prob={self.gaussian_prob}, '
                f'gaussian_sigma_range={self.gaussian_sigma_range}, '
                f'poisson_scale_range={self.poisson_scale_range}, '
                f'gray_prob={self.gray_prob}')
