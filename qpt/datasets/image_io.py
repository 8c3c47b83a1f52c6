"""Robust image reading: any photo a user has, as RGB uint8, or a clear error.

Decisions (documented because they change scores):
- EXIF orientation is applied (phones store rotated pixels plus a tag).
- Grayscale is replicated to three channels; palette, CMYK and YCbCr images
  are converted to RGB by Pillow.
- Alpha is dropped, not composited (as OpenCV's ``IMREAD_COLOR`` and
  pyiqa's ``convert('RGB')`` do), so scores match the common tools.
- 16-bit images are scaled to 8 bit by ``round(v / 257)`` (full range kept).
- Truncated or corrupt files raise :class:`ImageLoadError` naming the file;
  Pillow's ``LOAD_TRUNCATED_IMAGES`` is never switched on.
"""
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Tuple, Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = [
    'IMAGE_EXTENSIONS', 'ImageLoadError', 'open_image', 'read_image_rgb',
    'read_image_size', 'read_image_folder'
]

PathLike = Union[str, Path]

#: File suffixes (lower case) taken for images when a folder is listed.
IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff',
                    '.webp')


class ImageLoadError(OSError):
    """An image file could not be read; the message names the file."""


def _to_rgb_uint8(img: Image.Image) -> np.ndarray:
    """Pillow image of any mode -> (H, W, 3) uint8."""
    if img.mode.startswith('I'):  # 16-bit (or 32-bit int) grayscale
        arr = np.asarray(img, dtype=np.float64) / 257.
        arr = np.clip(np.rint(arr), 0, 255).astype(np.uint8)
        return np.repeat(arr[..., None], 3, axis=2)
    if img.mode == 'RGB':
        return np.asarray(img)
    if img.mode in ('LA', 'La'):
        img = img.getchannel(0)
    return np.asarray(img.convert('RGB'))


@contextmanager
def open_image(path: str) -> Iterator[Image.Image]:
    """``with open_image(path) as img``: Pillow's ``Image.open``, where any
    failure to open or decode (inside the ``with`` block too) is raised as
    :class:`ImageLoadError` naming the file.

    Raises:
        ImageLoadError: not an image file, or truncated / corrupt data.
    """
    try:
        with Image.open(path) as img:
            yield img
    except ImageLoadError:
        raise
    except UnidentifiedImageError:
        raise ImageLoadError(
            f'{path}: not an image file (format not recognised)') from None
    except (OSError, SyntaxError, ValueError) as e:
        raise ImageLoadError(f'{path}: cannot decode image ({e})') from None


def read_image_rgb(path: PathLike) -> np.ndarray:
    """Read an image file as RGB.

    Args:
        path: the image file.

    Returns:
        (H, W, 3) uint8, EXIF orientation applied.

    Raises:
        ImageLoadError: missing, empty, truncated, corrupt or non-image file.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ImageLoadError(f'{path}: no such image file')
    if os.path.getsize(path) == 0:
        raise ImageLoadError(f'{path}: the file is empty (0 bytes)')
    with open_image(path) as img:
        img = ImageOps.exif_transpose(img)
        img.load()
        arr = _to_rgb_uint8(img)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.size == 0:
        raise ImageLoadError(f'{path}: decoded to unexpected shape {arr.shape}')
    return np.ascontiguousarray(arr)


def read_image_size(path: PathLike) -> Tuple[int, int]:
    """(height, width) after EXIF orientation, from the header only (the
    EXIF block is parsed from the raw bytes: Pillow's ``getexif`` would
    decode a whole PNG)."""
    path = os.fspath(path)
    try:
        with Image.open(path) as img:
            w, h = img.size
            raw = img.info.get('exif')
            orientation = 1
            if raw:
                exif = Image.Exif()
                exif.load(raw)
                orientation = exif.get(0x0112, 1)
    except (OSError, SyntaxError, ValueError) as e:
        raise ImageLoadError(f'{path}: cannot read image header ({e})') \
            from None
    return (w, h) if orientation in (5, 6, 7, 8) else (h, w)


def read_image_folder(folder: PathLike) -> List[Tuple[str, np.ndarray]]:
    """Read the images directly in ``folder`` (not recursively), sorted by
    file name.

    Returns:
        ``(name, (H, W, 3) uint8 RGB)`` pairs; the name is the file stem, or
        the file name with its dot replaced by ``_`` where two files share a
        stem.

    Raises:
        FileNotFoundError: no image (:data:`IMAGE_EXTENSIONS`) in the folder.
        ImageLoadError: an unreadable image, naming the file.
    """
    folder = os.fspath(folder)
    files = sorted(f for f in os.listdir(folder)
                   if f.lower().endswith(IMAGE_EXTENSIONS)
                   and os.path.isfile(os.path.join(folder, f)))
    if not files:
        raise FileNotFoundError(
            f'{folder}: no images ({", ".join(IMAGE_EXTENSIONS)})')
    stems = [os.path.splitext(f)[0] for f in files]
    return [(stem if stems.count(stem) == 1 else f.replace('.', '_'),
             read_image_rgb(os.path.join(folder, f)))
            for f, stem in zip(files, stems)]
