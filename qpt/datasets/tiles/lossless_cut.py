"""Cut images into tiles without changing a pixel.

JPEG sources are cut in the DCT domain: the quantised coefficients of the
blocks of a tile are copied, with the source's quantisation tables and
chroma sampling, into a new baseline JPEG (only the entropy coding is
redone, with optimised Huffman tables). No pixel is re-quantised, so the
decoded tile equals the decoded source inside the tile's safe box (see
``tile_grid``); the one difference lies on interior tile sides, where the
decoder's chroma up-sampling lacks the neighbouring block. The library is
``jpeglib`` (DCT coefficient read/write, libjpeg bundled in its wheel; see
docs/dependencies.md). Markers (EXIF, ICC) are not copied: the EXIF
orientation is returned to the caller, which stores it in the index and
applies it after decoding; ICC profiles are ignored by every decoder in
this project, so dropping them changes no decoded value.

Other formats (PNG, ...) are cut in the pixel domain and stored as PNG,
which is lossless too (their tiles need no margin).
"""
import os
import tempfile
from typing import List, Optional

import cv2
import numpy as np
from PIL import Image

from ..image_io import ImageLoadError, read_image_rgb
from .orientation import undo_orientation
from .tile_grid import TileBox

__all__ = ['JpegTileCutter', 'PixelTileCutter', 'exif_orientation',
           'open_tile_cutter']

#: EXIF tag of the orientation.
ORIENTATION_TAG = 0x0112


def exif_orientation(path: str) -> int:
    """The EXIF orientation (1..8) of an image file, 1 if absent."""
    try:
        with Image.open(path) as img:
            value = img.getexif().get(ORIENTATION_TAG, 1)
    except Exception as e:  # noqa: BLE001 - any unreadable header
        raise ImageLoadError(f'{path}: cannot read the header ({e})') from None
    value = int(value) if isinstance(value, int) else 1
    return value if 1 <= value <= 8 else 1


class JpegTileCutter:
    """Cut tiles of one JPEG file in the DCT domain.

    Args:
        path: the JPEG file.

    Attributes:
        height, width: the coded size (before EXIF orientation).
        mcu: (vertical, horizontal) MCU size in pixels.
        orientation: the EXIF orientation (1..8).
        ext: ``'jpg'``.

    Raises:
        ImageLoadError: unreadable file, or a colour space other than
            YCbCr / grayscale (CMYK, YCCK, RGB-coded), naming the file.
    """

    ext = 'jpg'

    def __init__(self, path: str) -> None:
        import jpeglib  # curation-time dependency only
        self.path = path
        try:
            self._im = jpeglib.read_dct(path)
            self._im.load()
        except Exception as e:  # noqa: BLE001 - libjpeg errors vary
            raise ImageLoadError(
                f'{path}: cannot read the DCT coefficients ({e})') from None
        space = str(self._im.jpeg_color_space)
        if space not in ('JCS_YCbCr', 'JCS_GRAYSCALE'):
            raise ImageLoadError(
                f'{path}: JPEG colour space {space} is not supported for '
                'lossless tiling (only YCbCr and grayscale)')
        self.height, self.width = int(self._im.height), int(self._im.width)
        self._samp = np.asarray(self._im.samp_factor).reshape(-1, 2)
        vmax, hmax = self._samp.max(axis=0)
        self.mcu = (8 * int(vmax), 8 * int(hmax))
        self.orientation = exif_orientation(path)

    def _components(self) -> List[np.ndarray]:
        im = self._im
        comps = [im.Y]
        if im.has_chrominance:
            comps += [im.Cb, im.Cr]
        return comps

    def cut(self, box: TileBox, workdir: str) -> bytes:
        """The JPEG bytes of one tile.

        Args:
            box: the tile (``y``, ``x`` on the MCU grid).
            workdir: a folder for the temporary file jpeglib writes.

        Returns:
            A baseline JPEG of ``box.h`` x ``box.w`` pixels.
        """
        from jpeglib.dct_jpeg import DCTJPEG
        if box.y % self.mcu[0] or box.x % self.mcu[1]:
            raise ValueError(f'{self.path}: tile origin ({box.y}, {box.x}) '
                             f'is not on the MCU grid {self.mcu}')
        vmax, hmax = self._samp.max(axis=0)
        blocks = []
        for comp, (v, h) in zip(self._components(), self._samp):
            # block rows/columns of this component covered by the tile
            by, bx = box.y * v // (8 * vmax), box.x * h // (8 * hmax)
            nby = -(-box.h * v // (8 * vmax))
            nbx = -(-box.w * h // (8 * hmax))
            part = comp[by:by + nby, bx:bx + nbx]
            if part.shape[:2] != (nby, nbx):
                raise ValueError(f'{self.path}: tile {box} leaves the image')
            blocks.append(np.ascontiguousarray(part))
        im = self._im
        tile = DCTJPEG(
            path=None,
            content=None,
            height=box.h,
            width=box.w,
            block_dims=np.array([b.shape[:2] for b in blocks]),
            samp_factor=im.samp_factor,
            markers=[],
            huffmans=None,
            jpeg_color_space=im.jpeg_color_space,
            progressive_mode=False,
            num_scans=1,
            Y=blocks[0],
            Cb=blocks[1] if len(blocks) > 1 else None,
            Cr=blocks[2] if len(blocks) > 1 else None,
            K=None,
            qt=im.qt,
            quant_tbl_no=im.quant_tbl_no)
        fd, tmp = tempfile.mkstemp(suffix='.jpg', dir=workdir)
        os.close(fd)
        try:
            tile.write_dct(tmp, flags=['+optimize_coding'])
            with open(tmp, 'rb') as f:
                return f.read()
        finally:
            os.remove(tmp)


class PixelTileCutter:
    """Cut tiles of a non-JPEG image in the pixel domain, stored as PNG.

    The pixels are those of :func:`qpt.datasets.read_image_rgb` *before*
    the EXIF orientation (the orientation is applied after decoding, as for
    JPEG tiles), so the safe box is the whole tile.
    """

    ext = 'png'

    def __init__(self, path: str) -> None:
        self.path = path
        self.orientation = exif_orientation(path)
        img = read_image_rgb(path)
        # undo the orientation that read_image_rgb applied
        self._img = np.ascontiguousarray(
            undo_orientation(img, self.orientation))
        self.height, self.width = self._img.shape[:2]
        self.mcu = (16, 16)

    def cut(self, box: TileBox, workdir: Optional[str] = None) -> bytes:
        """The PNG bytes of one tile (RGB, 8 bit)."""
        part = self._img[box.y:box.y + box.h, box.x:box.x + box.w]
        ok, buf = cv2.imencode('.png', part[..., ::-1])
        if not ok:
            raise ImageLoadError(f'{self.path}: PNG encoding of {box} failed')
        return buf.tobytes()


def open_tile_cutter(path: str):
    """A :class:`JpegTileCutter` for JPEG files (by content), else a
    :class:`PixelTileCutter`."""
    with open(path, 'rb') as f:
        magic = f.read(3)
    if magic == b'\xff\xd8\xff':
        return JpegTileCutter(path)
    return PixelTileCutter(path)
