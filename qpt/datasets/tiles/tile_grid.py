"""Where the tiles of an image lie, and which crops each tile can serve.

A tile is an axis-aligned box of the source image whose top-left corner is
on the JPEG MCU grid (so that it can be cut without re-encoding). Its *safe
box* is the part whose decoded pixels equal the same pixels of the decoded
full image: the whole tile, less ``margin`` pixels on every side that is
inside the image (on those sides the decoder's chroma up-sampling has no
neighbour where the full image had one). Crops are drawn inside safe boxes
only.

Along one axis of length ``L`` with tile length ``T``, crop ``c``, margin
``m`` and MCU size ``u``, tiles start at ``0, S, 2S, ...`` (``S`` a multiple
of ``u``) and a last one ends at ``L`` (it starts on the MCU grid, so it is
``T`` to ``T + u - 1`` long). With ``S <= T - c - 2m + 1`` the crop origins
served by consecutive tiles overlap or touch, so **every** crop position of
the source is served; the default stride is the largest such multiple of
``u`` (512 px tiles, 224 crops, 16 px margin: stride 256, each pixel stored
about 4 times). A larger stride stores less and serves the fraction that
:func:`axis_coverage` reports.
"""
from typing import List, NamedTuple, Tuple

__all__ = [
    'AxisTile', 'TileBox', 'axis_tiles', 'axis_coverage', 'default_stride',
    'image_tiles'
]


class AxisTile(NamedTuple):
    """One tile along one axis: ``[start, end)`` in source pixels and the
    safe sub-range ``[start + lo, start + hi)``."""
    start: int
    end: int
    lo: int
    hi: int


class TileBox(NamedTuple):
    """A tile of an image (source pixel coordinates, coded orientation).

    ``y, x, h, w``: the tile box. ``safe``: (top, left, bottom, right) of the
    safe box in tile coordinates (bottom/right exclusive).
    """
    y: int
    x: int
    h: int
    w: int
    safe: Tuple[int, int, int, int]


def default_stride(tile: int, crop: int, margin: int, mcu: int) -> int:
    """The largest MCU multiple ``S <= tile - crop - 2 * margin + 1``.

    Raises:
        ValueError: the tile is too small to serve a crop inside margins.
    """
    room = tile - crop - 2 * margin + 1
    stride = room // mcu * mcu
    if stride < mcu:
        raise ValueError(
            f'tile size {tile} cannot serve {crop}-pixel crops with a '
            f'{margin}-pixel margin on an MCU grid of {mcu}: use tiles of at '
            f'least {crop + 2 * margin + mcu - 1} pixels')
    return stride


def axis_tiles(length: int, tile: int, stride: int, crop: int, margin: int,
               mcu: int) -> List[AxisTile]:
    """Tiles along one axis of ``length`` pixels.

    Args:
        length: the image side in pixels.
        tile: nominal tile side (the last tile is up to ``mcu - 1`` longer;
            a side shorter than ``tile`` gives one tile of the whole side).
        stride: distance between tile starts, a multiple of ``mcu``.
        crop: crop side; tiles whose safe range is shorter are dropped.
        margin: pixels dropped from the safe range on interior sides.
        mcu: the MCU size along this axis (8 or 16).

    Returns:
        The tiles, sorted; empty if ``length < crop``.
    """
    if stride <= 0 or stride % mcu or tile % mcu:
        raise ValueError(f'tile ({tile}) and stride ({stride}) must be '
                         f'positive multiples of the MCU size {mcu}')
    if length < crop:
        return []
    last = max(0, (length - tile) // mcu * mcu)
    starts = list(range(0, last, stride)) + [last]
    tiles = []
    for s in starts:
        e = length if s == last else s + tile
        lo = margin if s > 0 else 0
        hi = (e - s) - (margin if e < length else 0)
        if hi - lo >= crop:
            tiles.append(AxisTile(s, e, lo, hi))
    return tiles


def axis_coverage(length: int, tiles: List[AxisTile], crop: int) -> float:
    """Fraction of the ``length - crop + 1`` crop origins along the axis
    that some tile serves (1.0: every crop position is kept)."""
    if length < crop:
        return 0.
    served = set()
    for t in tiles:
        served.update(range(t.start + t.lo, t.start + t.hi - crop + 1))
    return len(served) / (length - crop + 1)


def image_tiles(height: int, width: int, tile: int, stride: Tuple[int, int],
                crop: int, margin: Tuple[int, int],
                mcu: Tuple[int, int]) -> Tuple[List[TileBox], float]:
    """The tile grid of an image and the fraction of crop positions kept.

    Args:
        height, width: image size in pixels (coded orientation).
        tile: nominal tile side.
        stride: (vertical, horizontal) stride, multiples of ``mcu``.
        crop: crop side.
        margin: (vertical, horizontal) margin on interior sides.
        mcu: (vertical, horizontal) MCU size.

    Returns:
        (tiles in row-major order, fraction of the (H-c+1)*(W-c+1) crop
        positions that some tile serves).
    """
    ys = axis_tiles(height, tile, stride[0], crop, margin[0], mcu[0])
    xs = axis_tiles(width, tile, stride[1], crop, margin[1], mcu[1])
    boxes = [
        TileBox(ty.start, tx.start, ty.end - ty.start, tx.end - tx.start,
                (ty.lo, tx.lo, ty.hi, tx.hi)) for ty in ys for tx in xs
    ]
    coverage = axis_coverage(height, ys, crop) * axis_coverage(
        width, xs, crop)
    return boxes, coverage
