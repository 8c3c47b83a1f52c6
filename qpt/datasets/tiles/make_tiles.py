"""Curation: cut a list of images into lossless tiles packed in shards."""
import os
import tempfile
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Iterable, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.logging import MMLogger

from ..image_io import ImageLoadError
from .decode import decode_tile
from .lossless_cut import open_tile_cutter
from .shards import TileShardWriter
from .tile_grid import default_stride, image_tiles

__all__ = ['TileConfig', 'make_tiles', 'tile_image', 'verify_tiles']


@dataclass
class TileConfig:
    """How images are tiled.

    Attributes:
        tile: nominal tile side in pixels (a multiple of 16).
        crop: the training crop side the tiles must serve.
        stride: distance between tile starts (a multiple of 16); None for
            the largest one that keeps every crop position (see
            ``tile_grid``).
        margin: pixels dropped from the safe box on interior tile sides;
            None for one MCU (8 or 16 px), which covers the reach of any
            chroma up-sampling filter in use. 0 is not safe: libjpeg-turbo's
            fancy up-sampling changes the outermost pixel row/column.
        verify: decode every tile and compare its safe box with the decoded
            source (same decoder); a mismatch is an error. Costs about one
            extra full decode per image.
    """
    tile: int = 512
    crop: int = 224
    stride: Optional[int] = None
    margin: Optional[int] = None
    verify: bool = True


def _decode_source(path: str) -> torch.Tensor:
    with open(path, 'rb') as f:
        data = f.read()
    fmt = 'jpg' if data[:3] == b'\xff\xd8\xff' else 'png'
    if fmt == 'png':
        raise ValueError('only JPEG sources are decoded here')
    return decode_tile(data, fmt)


def verify_tiles(path: str, tiles: Sequence[Tuple[dict, bytes]]) -> None:
    """Check that the safe box of every tile equals the decoded source.

    Raises:
        ImageLoadError: a tile differs (names the file and the tile).
    """
    full = None
    for rec, data in tiles:
        if rec['format'] != 'jpg':
            continue  # PNG tiles are checked by the round-trip tests
        if full is None:
            full = _decode_source(path)
        y, x, h, w = rec['box']
        t, l, b, r = rec['safe']
        tile = decode_tile(data, 'jpg')
        if tuple(tile.shape[1:]) != (h, w):
            raise ImageLoadError(f'{path}: tile {rec["key"]} decodes to '
                                 f'{tuple(tile.shape[1:])}, expected {h}x{w}')
        ref = full[:, y + t:y + b, x + l:x + r]
        if not torch.equal(tile[:, t:b, l:r], ref):
            diff = (tile[:, t:b, l:r].int() - ref.int()).abs().max()
            raise ImageLoadError(
                f'{path}: tile {rec["key"]} differs from the decoded source '
                f'inside its safe box (max {int(diff)} grey levels)')


def tile_image(path: str, source: str, cfg: TileConfig,
               workdir: str) -> Tuple[List[Tuple[dict, bytes]], float]:
    """Cut one image.

    Args:
        path: the image file.
        source: its name in the index (relative path).
        cfg: the tiling.
        workdir: a scratch folder.

    Returns:
        ([(record without shard/offset/size, bytes), ...], fraction of crop
        positions kept).
    """
    cutter = open_tile_cutter(path)
    mcu = cutter.mcu
    margin = tuple(mcu) if cfg.margin is None else (cfg.margin, cfg.margin)
    if cutter.ext == 'png':
        margin = (0, 0)
    stride = tuple(
        default_stride(cfg.tile, cfg.crop, m, u) if cfg.stride is None else
        cfg.stride for m, u in zip(margin, mcu))
    boxes, coverage = image_tiles(cutter.height, cutter.width, cfg.tile,
                                  stride, cfg.crop, margin, mcu)
    stem = source.replace(os.sep, '/')
    out = []
    for i, box in enumerate(boxes):
        rec = dict(
            key=f'{stem.rsplit(".", 1)[0].replace("/", "__")}__{i:04d}',
            format=cutter.ext,
            source=stem,
            source_hw=[cutter.height, cutter.width],
            box=[box.y, box.x, box.h, box.w],
            safe=list(box.safe),
            orientation=cutter.orientation)
        out.append((rec, cutter.cut(box, workdir)))
    if cfg.verify:
        verify_tiles(path, out)
    return out, coverage


def _work(args):
    path, source, cfg = args
    with tempfile.TemporaryDirectory(prefix='qpt-tiles-') as workdir:
        try:
            tiles, coverage = tile_image(path, source, cfg, workdir)
        except (ImageLoadError, ValueError) as e:
            return source, None, 0., str(e)
    return source, tiles, coverage, None


@dataclass
class TileReport:
    """What :func:`make_tiles` did.

    Attributes:
        num_images: images read (tiled, failed or too small).
        num_failed: unreadable or unsupported images (skipped).
        failures: their error messages, one per failed image.
        num_too_small: images smaller than the crop (no tiles).
        num_tiles: tiles written.
        source_bytes: file size of the tiled images.
        tile_bytes: size of the tiles written.
        coverage_mean: mean fraction of crop positions the tiles keep.
        index: path of the written ``index.jsonl``.
    """
    num_images: int = 0
    num_failed: int = 0
    failures: List[str] = field(default_factory=list)
    num_too_small: int = 0
    num_tiles: int = 0
    source_bytes: int = 0
    tile_bytes: int = 0
    coverage_mean: float = 0.
    index: str = ''


def make_tiles(sources: Iterable[Tuple[str, str]],
               out_dir: str,
               cfg: TileConfig,
               max_shard_bytes: int = 1 << 30,
               workers: int = 1,
               on_error: str = 'raise') -> TileReport:
    """Tile images into shards and write the index.

    Args:
        sources: (file path, name in the index) pairs, in output order.
        out_dir: where shards and ``index.jsonl`` go.
        cfg: the tiling.
        max_shard_bytes: shard size.
        workers: processes cutting images.
        on_error: ``'raise'`` (stop at the first unreadable / unsupported
            image, naming it) or ``'skip'`` (log it, count it, go on).

    Returns:
        A :class:`TileReport`.
    """
    if on_error not in ('raise', 'skip'):
        raise ValueError(f"on_error must be 'raise' or 'skip', got "
                         f'{on_error!r}')
    logger = MMLogger.get_current_instance()
    writer = TileShardWriter(out_dir, max_shard_bytes)
    report = TileReport()
    jobs = [(p, s, cfg) for p, s in sources]
    sizes = {s: os.path.getsize(p) for p, s, _ in jobs}
    coverages = []
    pool = get_context('spawn').Pool(workers) if workers > 1 else None
    try:
        results = pool.imap(_work, jobs) if pool else map(_work, jobs)
        for source, tiles, coverage, error in results:
            report.num_images += 1
            if error is not None:
                if on_error == 'raise':
                    raise ImageLoadError(error)
                logger.warning(f'{error}; skipped')
                report.num_failed += 1
                report.failures.append(error)
                continue
            if not tiles:
                report.num_too_small += 1
                logger.warning(f'{source}: smaller than the {cfg.crop}-pixel '
                               'crop; no tiles')
                continue
            report.source_bytes += sizes[source]
            coverages.append(coverage)
            for rec, data in tiles:
                writer.add(rec, data)
                report.num_tiles += 1
                report.tile_bytes += len(data)
    finally:
        if pool:
            pool.terminate()
    report.index = writer.close()
    report.coverage_mean = float(np.mean(coverages)) if coverages else 0.
    return report
