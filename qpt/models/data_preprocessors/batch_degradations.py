"""Batch-wise, device-side versions of the CPU degradations' ``apply``.

Each function applies, to a batch, exactly the math of the CPU transform's
``apply(img, params)`` (``qpt/datasets/transforms/degradations``), from the
same parameters and with the same rounding to 8 bit, so that the device and
CPU results agree to at most one grey level (float summation order differs;
tested). Images are (N, 3, H, W) tensors holding uint8 values, RGB.
"""
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from qpt.datasets.transforms.degradations.blur import gaussian_kernel2d
from qpt.datasets.transforms.degradations.color_space import LUMINANCE_709

__all__ = ['batch_gaussian_blur', 'batch_color_space_transform',
           'stack_kernels']


def stack_kernels(params: Sequence[dict]) -> torch.Tensor:
    """The blur kernels of ``params`` (GaussianBlurDegradation entries),
    zero-padded to the largest size.

    Returns:
        (N, k, k) float32 CPU tensor, k the largest odd kernel size.
    """
    kernels = [
        gaussian_kernel2d(p['kernel_size'], p['sigma_x'], p['sigma_y'],
                          p['angle']) for p in params
    ]
    k = max(x.shape[0] for x in kernels)
    out = np.zeros((len(kernels), k, k), np.float32)
    for i, x in enumerate(kernels):
        o = (k - x.shape[0]) // 2
        out[i, o:o + x.shape[0], o:o + x.shape[0]] = x
    return torch.from_numpy(out)


def batch_gaussian_blur(imgs: torch.Tensor,
                        kernels: torch.Tensor) -> torch.Tensor:
    """Filter each image with its own kernel, reflected border (OpenCV's
    ``BORDER_REFLECT_101`` is torch's ``'reflect'``), rounded to uint8.

    Zero-padding a kernel to a larger size does not change the result, so
    kernels of different sizes run as one grouped convolution.

    Args:
        imgs: (N, 3, H, W) uint8 (or float holding uint8 values).
        kernels: (N, k, k) float32, k odd and ``k // 2 < min(H, W)``.

    Returns:
        (N, 3, H, W) uint8 on the device of ``imgs``.
    """
    n, c, h, w = imgs.shape
    k = kernels.shape[-1]
    r = k // 2
    if r >= min(h, w):
        raise ValueError(f'a {k}x{k} kernel needs images larger than {r} '
                         f'pixels per side, got {h}x{w}')
    x = imgs.float().reshape(1, n * c, h, w)
    x = F.pad(x, (r, r, r, r), mode='reflect')
    weight = kernels.to(x.device, torch.float32).repeat_interleave(c, 0)
    out = F.conv2d(x, weight.unsqueeze(1), groups=n * c)
    return out.reshape(n, c, h, w).round_().clamp_(0, 255).to(torch.uint8)


def _desaturate_into_gamut(rgb: torch.Tensor) -> torch.Tensor:
    """Torch form of ``desaturate_into_gamut`` per image: images with no
    out-of-gamut pixel are returned unchanged, as on the CPU."""
    r, g, b = rgb[:, 0], rgb[:, 1], rgb[:, 2]
    lo = torch.minimum(torch.minimum(r, g), b)
    hi = torch.maximum(torch.maximum(r, g), b)
    over, under = hi > 1., lo < 0.
    w = LUMINANCE_709
    lum = (w[0] * r + w[1] * g + w[2] * b).clamp(0., 1.)
    one = torch.ones_like(lum)
    t = torch.where(over, (1. - lum) / (hi - lum), one)
    t = torch.where(under, torch.minimum(t, lum / (lum - lo)), t)
    lum, t = lum.unsqueeze(1), t.unsqueeze(1)
    fixed = (lum + t * (rgb - lum)).clamp(0., 1.)
    needs = (over | under).flatten(1).any(dim=1).view(-1, 1, 1, 1)
    return torch.where(needs, fixed, rgb)


def batch_color_space_transform(imgs: torch.Tensor, mats: torch.Tensor,
                                decode_lut: torch.Tensor,
                                encode_lut: torch.Tensor,
                                preserve_luminance: bool) -> torch.Tensor:
    """``ColorSpaceTransform.apply`` for a batch: sRGB decode table, one
    3x3 matrix per image on linear RGB, gamut mapping (or clipping), 16-bit
    quantisation and the sRGB encode table.

    Args:
        imgs: (N, 3, H, W) uint8.
        mats: (N, 3, 3) float32, ``ColorSpaceTransform.color_matrix``.
        decode_lut: (256,) float32 uint8 -> linear.
        encode_lut: (65536,) uint8 16-bit linear -> sRGB.
        preserve_luminance: the transform's setting.

    Returns:
        (N, 3, H, W) uint8.
    """
    lin = decode_lut.to(imgs.device)[imgs.long()]
    out = torch.einsum('nij,njhw->nihw', mats.to(imgs.device), lin)
    if preserve_luminance:
        out = _desaturate_into_gamut(out)
    else:
        out = out.clamp(0., 1.)
    idx = (out * 65535. + 0.5).long()
    return encode_lut.to(imgs.device)[idx]
