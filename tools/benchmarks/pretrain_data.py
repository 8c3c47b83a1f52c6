"""Samples per second per CPU core of the pretraining data paths.

    python tools/benchmarks/pretrain_data.py [--photos DIR] [--samples 96]
        [--num-crops 4] [--tile 512] [--gpu-rate 10000] [--batch 256]
        [--device cpu|cuda] [--dry-run]

One process, one thread (``OMP_NUM_THREADS=1``, ``cv2.setNumThreads(1)``,
``torch.set_num_threads(1)``), on the same photos (default: the HR photos of
``../shared/data/images/hr_photos``, 1280-2560 px JPEGs), in one run:

- ``old``: the train pipeline of ``configs/_base_/datasets/sa1b_pretrain.py``
  (full decode -> RandomCrop 224 -> flip -> blur <-> CST on the CPU -> pack);
- ``mmpretrain MAE``: mmpretrain's MAE pipeline (LoadImageFromFile ->
  RandomResizedCrop 224 bicubic -> flip -> PackInputs);
- ``new, K crops/read``: the train pipeline of
  ``configs/_base_/datasets/sa1b_pretrain_shards.py`` on lossless 512 px
  tiles of the same photos (cut first, not timed): one positional read and
  one decode per tile, K crops with their own flips and degradation
  parameters, plus ``default_collate``; the degradation runs on the device
  (``DegradationDataPreprocessor``), timed apart below. ``K=1`` is shown
  for comparison.

Rates are samples per CPU-second of this process (``time.process_time``):
what one dedicated core gives, less sensitive to other jobs on a shared
machine than wall time (which is printed too, with the load average).
"Workers per GPU" is the GPU rate (``--gpu-rate``, default the issue's
estimate of 10,000 samples/s for one H200 at 30% of its bf16 peak; pass a
measured rate) over the new path's per-core rate.

The device side (``DegradationDataPreprocessor`` on a batch of ``--batch``
224 crops) is timed on ``--device``: on the CPU it says what the degradation
costs when it is not on a GPU; with ``--device cuda`` it also times
torchvision's nvJPEG batch decode of the tiles. ``--dry-run``: 2 photos, a
few samples, batch 8; for CI. The last line is ``samples/s per core X``
(the new path with ``--num-crops``).
"""
import os

os.environ.setdefault('OMP_NUM_THREADS', '1')

import argparse  # noqa: E402
import math  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.dataset import Compose, default_collate  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = ROOT / '..' / 'shared' / 'data' / 'images' / 'hr_photos'

MAE_PIPELINE = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(
        type='mmpretrain.RandomResizedCrop',
        scale=224,
        crop_ratio_range=(0.2, 1.0),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='mmpretrain.RandomFlip', prob=0.5),
    dict(type='mmpretrain.PackInputs'),
]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--photos', default=str(PHOTOS))
    p.add_argument('--samples', type=int, default=96,
                   help='samples timed per path (old / MAE); the tile path '
                   'times as many tiles as needed for 4x this many samples')
    p.add_argument('--num-crops', type=int, default=4)
    p.add_argument('--tile', type=int, default=512)
    p.add_argument('--gpu-rate', type=float, default=10000.,
                   help='GPU samples/s to feed (default: the estimate for '
                   'one H200)')
    p.add_argument('--batch', type=int, default=256,
                   help='device-side batch size')
    p.add_argument('--device', default='cpu')
    p.add_argument('--dry-run', action='store_true')
    return p.parse_args(argv)


def timed(fn, n: int):
    """(CPU seconds, wall seconds) of ``n`` calls of ``fn(i)``."""
    fn(0)  # warm-up (imports, caches)
    c0, w0 = time.process_time(), time.perf_counter()
    for i in range(n):
        fn(i)
    return time.process_time() - c0, time.perf_counter() - w0


def main(argv=None) -> float:
    args = parse_args(argv)
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    from qpt.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    from qpt.datasets import PretrainTileDataset
    from qpt.datasets.tiles import TileConfig, make_tiles
    from qpt.registry import MODELS

    photos = sorted(
        p for p in Path(args.photos).iterdir()
        if p.suffix.lower() in ('.jpg', '.jpeg'))
    if not photos:
        raise SystemExit(f'no JPEG photos in {args.photos}')
    n = args.samples
    batch = args.batch
    if args.dry_run:
        photos, n, batch = photos[:2], 4, 8
    sizes = [p.stat().st_size for p in photos]
    base = Config.fromfile(
        str(ROOT / 'configs/_base_/datasets/sa1b_pretrain_shards.py'))
    rows = []

    def report(name, samples, cpu, wall, nbytes):
        rows.append((name, samples / cpu, samples / wall, nbytes))

    # ---- old: full decode per sample, CPU degradation
    old = Compose(base.train_pipeline)
    np.random.seed(0)
    cpu, wall = timed(
        lambda i: old(dict(img_path=str(photos[i % len(photos)]),
                           sample_idx=i)), n)
    report('old (sa1b_pretrain.py)', n, cpu, wall, float(np.mean(sizes)))
    # ---- mmpretrain MAE
    mae = Compose(MAE_PIPELINE)
    cpu, wall = timed(
        lambda i: mae(dict(img_path=str(photos[i % len(photos)]))), n)
    report('mmpretrain MAE pipeline', n, cpu, wall, float(np.mean(sizes)))

    # ---- new: tiles
    with tempfile.TemporaryDirectory(prefix='qpt-bench-tiles-') as tiles:
        make_tiles([(str(p), p.name) for p in photos], tiles,
                   TileConfig(tile=args.tile, crop=base.crop_size,
                              verify=False))
        for k in sorted({1, args.num_crops}):
            pipeline = [dict(t) for t in base.train_pipeline_shards]
            for t in pipeline:
                if t['type'] == 'RandomTileCrops':
                    t['num_crops'] = k
            ds = PretrainTileDataset(
                data_root=tiles, crop_size=base.crop_size, pipeline=pipeline)
            order = np.random.default_rng(0).permutation(len(ds))
            reads = max(2, math.ceil(4 * n / k))
            per_batch = max(1, batch // k)
            state = dict(items=[], nbytes=0)

            def step(i, ds=ds, order=order, state=state, per_batch=per_batch):
                item = ds[int(order[i % len(order)])]
                state['nbytes'] += item['data_samples'].bytes_read
                state['items'].append(item)
                if len(state['items']) == per_batch:
                    default_collate(state['items'])
                    state['items'] = []

            cpu, wall = timed(step, reads)
            # bytes of every read (the warm-up one too) per sample produced
            nbytes = state['nbytes'] / ((reads + 1) * k)
            report(f'new, {k} crop{"s" if k > 1 else ""}/read (tiles)',
                   reads * k, cpu, wall, nbytes)
        new_rate = rows[-1][1]

        # ---- device side
        dev = torch.device(args.device)
        pre = MODELS.build(base.data_preprocessor_shards).to(dev)
        ds = PretrainTileDataset(
            data_root=tiles, crop_size=base.crop_size,
            pipeline=base.train_pipeline_shards)
        items = [ds[i % len(ds)] for i in range(max(1, batch // 4))]
        data = default_collate(items)
        samples = data['inputs'].shape[0] * data['inputs'].shape[1]

        def sync():
            if dev.type == 'cuda':
                torch.cuda.synchronize()

        def degrade(_):
            pre(data, training=True)
            sync()

        reps = 1 if args.dry_run else 3
        cpu, wall = timed(degrade, reps)
        device_rows = [('degradation (DegradationDataPreprocessor)',
                        samples * reps / wall)]
        if dev.type == 'cuda':
            from torchvision.io import decode_jpeg
            reader = ds.pipeline.transforms[0]
            infos = [
                ds.get_data_info(i % len(ds))
                for i in range(max(1, batch // 4))
            ]
            blobs = [
                torch.frombuffer(
                    bytearray(reader.reader.read(d['shard_path'],
                                                 d['offset'], d['size'])),
                    dtype=torch.uint8) for d in infos
            ]

            def decode(_):
                decode_jpeg(blobs, device=dev)
                sync()

            cpu, wall = timed(decode, reps)
            device_rows.append(('nvJPEG decode of 512 tiles (x4 crops)',
                                len(blobs) * 4 * reps / wall))

    load = os.getloadavg()
    print(f'photos: {len(photos)} JPEGs in {args.photos}, mean '
          f'{np.mean(sizes) / 1e3:.0f} KB; load average {load[0]:.1f} on '
          f'{os.cpu_count()} cores; 1 thread')
    print(f'| path | samples/s per core (CPU time) | samples/s wall | '
          f'KB read per sample |')
    print('| --- | --- | --- | --- |')
    for name, rate, wall_rate, nbytes in rows:
        print(f'| {name} | {rate:.0f} | {wall_rate:.0f} | '
              f'{nbytes / 1e3:.1f} |')
    print(f'new / old: {new_rate / rows[0][1]:.1f}x, new / mmpretrain MAE: '
          f'{new_rate / rows[1][1]:.1f}x')
    for name, rate in device_rows:
        print(f'device side on {args.device}: {name}: {rate:.0f} samples/s '
              f'(batch {samples})')
    print(f'CPU workers one GPU needs at {args.gpu_rate:.0f} samples/s: '
          f'{math.ceil(args.gpu_rate / new_rate)} (new path), '
          f'{math.ceil(args.gpu_rate / rows[0][1])} (old path)')
    print(f'samples/s per core {new_rate:.0f}')
    return new_rate


if __name__ == '__main__':
    main()
