"""Cut pretraining images losslessly into tiles packed in tar shards.

Reads the annotation list that ``tools/data/curate.py`` writes (or scans a
folder), cuts every JPEG in the DCT domain at MCU boundaries (no pixel is
re-encoded; see ``qpt/datasets/tiles``), packs the tiles into tar shards
and writes ``index.jsonl`` (one record per tile) and
``tiles.report.json`` (counts, bytes, fraction of crop positions kept) in
OUT. ``PretrainTileDataset`` reads the result
(``configs/_base_/datasets/sa1b_pretrain_shards.py``).

Examples::

    python tools/data/make_pretrain_tiles.py data/sa1b \\
        --ann-file data/sa1b/sa1b_curated.txt --out data/sa1b_tiles \\
        --workers 16

    # less storage, not every crop position kept (the report says how many)
    python tools/data/make_pretrain_tiles.py photos --out work/tiles \\
        --tile 512 --stride 384
"""
import argparse
import dataclasses
import json
import os
import os.path as osp
import sys
import time

from qpt.datasets.image_io import IMAGE_EXTENSIONS
from qpt.datasets.tiles import TileConfig, make_tiles
from qpt.utils import atomic_write_text


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Cut images into lossless tiles in tar shards.')
    parser.add_argument('root', help='the image folder')
    parser.add_argument(
        '--ann-file',
        help='list of image paths relative to ROOT (one per line, as '
        'tools/data/curate.py writes); default: every image under ROOT')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--tile', type=int, default=512,
                        help='tile side in pixels, a multiple of 16 '
                        '(default 512)')
    parser.add_argument('--crop', type=int, default=224,
                        help='training crop side the tiles serve (224)')
    parser.add_argument(
        '--stride', type=int,
        help='distance between tiles, a multiple of 16; default: the '
        'largest that keeps every crop position (256 for 512 / 224)')
    parser.add_argument(
        '--margin', type=int,
        help='pixels not served on interior tile sides; default one MCU')
    parser.add_argument('--shard-size', type=float, default=1.0,
                        help='shard size in GB (default 1)')
    parser.add_argument('--workers', type=int, default=1)
    parser.add_argument('--no-verify', action='store_true',
                        help='skip decoding every tile against its source')
    parser.add_argument('--on-error', choices=('raise', 'skip'),
                        default='raise',
                        help='unreadable / unsupported images: stop '
                        '(default) or log and skip them')
    return parser.parse_args(argv)


def list_sources(root: str, ann_file: str = None) -> list:
    """(path, name) pairs from the list file or a sorted folder scan."""
    if ann_file:
        with open(ann_file, encoding='utf-8') as f:
            names = [
                line.strip() for line in f
                if line.strip() and not line.startswith('#')
            ]
    else:
        names = []
        for base, dirs, files in os.walk(root, followlinks=True):
            dirs.sort()
            names += [
                osp.relpath(osp.join(base, f), root) for f in sorted(files)
                if f.lower().endswith(IMAGE_EXTENSIONS)
            ]
    if not names:
        raise SystemExit(f'no images in {ann_file or root}')
    return [(osp.join(root, n), n) for n in names]


def main(argv=None) -> int:
    args = parse_args(argv)
    cfg = TileConfig(
        tile=args.tile,
        crop=args.crop,
        stride=args.stride,
        margin=args.margin,
        verify=not args.no_verify)
    sources = list_sources(args.root, args.ann_file)
    start = time.time()
    report = make_tiles(sources, args.out, cfg,
                        int(args.shard_size * 1e9), args.workers,
                        args.on_error)
    summary = dict(
        dataclasses.asdict(report),
        config=dataclasses.asdict(cfg),
        storage_ratio=report.tile_bytes / max(report.source_bytes, 1),
        mean_tile_bytes=report.tile_bytes / max(report.num_tiles, 1),
        seconds=round(time.time() - start, 1))
    atomic_write_text(
        json.dumps(summary, indent=2) + '\n',
        osp.join(args.out, 'tiles.report.json'))
    print(f'{report.num_images} images -> {report.num_tiles} tiles '
          f'({report.num_failed} failed, {report.num_too_small} too small); '
          f'crop positions kept {report.coverage_mean:.1%}; stored '
          f'{summary["storage_ratio"]:.2f}x the source bytes, '
          f'{summary["mean_tile_bytes"] / 1e3:.0f} KB per tile; '
          f'index {report.index}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
