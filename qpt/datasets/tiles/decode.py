"""Decode a stored tile (or a whole source file) to an RGB tensor."""
import torch
from torchvision.io import ImageReadMode, decode_jpeg, decode_png

__all__ = ['decode_tile']


def decode_tile(data: bytes, fmt: str, device: str = 'cpu') -> torch.Tensor:
    """Decode JPEG or PNG bytes to RGB, in the coded orientation.

    The decoder is torchvision's (libjpeg-turbo on the CPU, nvJPEG with
    ``device='cuda'``); grayscale is replicated to three channels. EXIF
    orientation is *not* applied (tiles carry none; the index holds it).

    Args:
        data: the encoded image.
        fmt: ``'jpg'`` or ``'png'``.
        device: where to decode JPEGs (PNG always decodes on the CPU).

    Returns:
        (3, H, W) uint8 tensor on ``device`` (PNG: on the CPU).
    """
    buf = torch.frombuffer(bytearray(data), dtype=torch.uint8)
    if fmt == 'jpg':
        return decode_jpeg(buf, mode=ImageReadMode.RGB, device=device)
    if fmt == 'png':
        return decode_png(buf, mode=ImageReadMode.RGB)
    raise ValueError(f"tile format must be 'jpg' or 'png', got {fmt!r}")
