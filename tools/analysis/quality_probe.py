"""Quality probe: do an encoder's frozen features see degradations?

Examples::

    # a QPT V2 pretraining checkpoint, on a folder of photos
    python tools/analysis/quality_probe.py PHOTOS \
        --checkpoint work_dirs/pretrain_hivit_demo/iter_300.pth \
        --out-dir work_dirs/probe/demo

    # random initialisation (seed 0) as the baseline, two photo folders
    python tools/analysis/quality_probe.py PHOTOS_A PHOTOS_B --random-init \
        --seed 0 --out-dir work_dirs/probe/random

Steps (library code in ``qpt/evaluation/probes/``):

1. Every photo directly inside the folders is read as RGB and resized so
   that its short side is ``--size`` (default 256) pixels.
2. Ladders: each photo is degraded by each ``--types`` ladder at 6 rungs
   (``qpt.evaluation.probes.ladders``: blur sigma 0.5-6, JPEG q 90-8, noise
   sigma 3-40; contrast and saturation as the separate *aesthetic* group).
3. Frozen features: HiViT stages 1-3, mean and std over space, averaged
   over ``--num-crops`` fixed ``--crop-size`` crops
   (``qpt.evaluation.probes.features``).
4. Per ladder type, a ridge regression from features to severity with whole
   photos held out (leave one photo out, or ``--folds`` folds by photo), the
   ridge strength chosen by an inner leave-one-photo-out over the training
   photos (``--lambdas``; one value fixes it).
5. Per type: the SRCC of the out-of-fold predictions against severity per
   held-out photo (median over photos) and pooled over all photos.

Written atomically under ``--out-dir``: ``probe.csv`` (one row per type),
``probe.md`` (the same as a Markdown table), ``probe_per_photo.csv`` (one
row per photo and type) and ``probe.json`` (everything, with the settings).
"""
import argparse
import csv
import io
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Sequence, Tuple

import numpy as np

from qpt.datasets.image_io import IMAGE_EXTENSIONS, read_image_rgb
from qpt.evaluation.probes import (DEFAULT_LAMBDAS, PROBE_LADDERS,
                                   build_ladders, build_probe_encoder,
                                   extract_features, grouped_cv_predict,
                                   parse_arch, probe_srcc, resize_short_side)
from qpt.utils import atomic_write_text

CSV_FIELDS = ('encoder', 'type', 'group', 'srcc_per_photo_median',
              'srcc_pooled', 'num_photos', 'num_rungs', 'lambda_median')


def list_photos(folders: Sequence[str]) -> List[Tuple[str, str]]:
    """(name, path) of the images directly inside the folders, sorted by
    name; the name is the file stem, which must be unique."""
    found: Dict[str, str] = {}
    for folder in folders:
        if not osp.isdir(folder):
            raise FileNotFoundError(f'photo folder not found: {folder}')
        files = sorted(f for f in os.listdir(folder)
                       if f.lower().endswith(IMAGE_EXTENSIONS)
                       and osp.isfile(osp.join(folder, f)))
        for f in files:
            name = osp.splitext(f)[0]
            if name in found:
                raise ValueError(f'two photos named {name}: {found[name]} '
                                 f'and {osp.join(folder, f)}')
            found[name] = osp.join(folder, f)
    if not found:
        raise FileNotFoundError(f'no images ({", ".join(IMAGE_EXTENSIONS)}) in '
                                f'{", ".join(folders)}')
    return sorted(found.items())


def run_probe(photos: Sequence[Tuple[str, np.ndarray]],
              backbone,
              types: Sequence[str] = tuple(PROBE_LADDERS),
              crop_size: int = 224,
              num_crops: int = 3,
              lambdas: Sequence[float] = DEFAULT_LAMBDAS,
              num_folds=None,
              batch_size: int = 16,
              device: str = 'cpu',
              ladder_seed: int = 0) -> Dict[str, dict]:
    """Ladders -> features -> grouped ridge CV -> SRCC, per type.

    Args:
        photos: (name, (H, W, 3) uint8 RGB), already at the probe's scale.
        backbone: a HiViT with ``out_indices=(0, 1, 2)``.

    Returns:
        type -> ``group``, ``median``, ``pooled``, ``per_photo``,
        ``lambdas`` (chosen per outer fold), ``num_rungs``, plus the raw
        ``severity``, ``pred`` and ``photo`` lists.
    """
    results = {}
    for dist_type in types:
        rungs = build_ladders(photos, [dist_type], seed=ladder_seed)
        X = extract_features(backbone, [r.image for r in rungs], crop_size,
                             num_crops, batch_size, device)
        y = np.array([r.severity for r in rungs], np.float64)
        groups = np.array([r.photo for r in rungs])
        pred, chosen = grouped_cv_predict(X, y, groups, lambdas, num_folds)
        scores = probe_srcc(y, pred, groups)
        results[dist_type] = dict(
            group=PROBE_LADDERS[dist_type].group,
            num_rungs=len(PROBE_LADDERS[dist_type].values),
            lambdas=chosen,
            severity=y.tolist(),
            pred=pred.tolist(),
            photo=groups.tolist(),
            **scores)
    return results


def summary_rows(name: str, results: Dict[str, dict]) -> List[dict]:
    """One CSV row per ladder type."""
    return [
        dict(encoder=name, type=t, group=r['group'],
             srcc_per_photo_median=f'{r["median"]:.4f}',
             srcc_pooled=f'{r["pooled"]:.4f}',
             num_photos=len(r['per_photo']), num_rungs=r['num_rungs'],
             lambda_median=f'{float(np.median(r["lambdas"])):g}')
        for t, r in results.items()
    ]


def rows_csv(rows: Sequence[dict], fields: Sequence[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(fields),
                            lineterminator='\n')
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def markdown_table(name: str, results: Dict[str, dict]) -> str:
    """The summary as Markdown: one row per type, technical group first."""
    lines = [
        f'Quality probe of `{name}`: SRCC of ridge predictions against '
        'severity, photos held out.', '',
        '| group | type | SRCC per photo (median) | SRCC pooled | photos |',
        '| --- | --- | --- | --- | --- |'
    ]
    order = sorted(results, key=lambda t: results[t]['group'] != 'technical')
    for t in order:
        r = results[t]
        lines.append(f'| {r["group"]} | {t} | {r["median"]:.3f} | '
                     f'{r["pooled"]:.3f} | {len(r["per_photo"])} |')
    return '\n'.join(lines) + '\n'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Quality probe: ridge regression from frozen HiViT '
        'features to distortion severity, photos held out.')
    parser.add_argument('folders', nargs='+', help='photo folders')
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument('--checkpoint', help='checkpoint with backbone.* keys')
    src.add_argument('--random-init', action='store_true',
                     help='probe the random initialisation (--seed)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the random initialisation')
    parser.add_argument('--ladder-seed', type=int, default=0,
                        help='seed of the ladder noise (keep it fixed to '
                        'compare encoders on the same images)')
    parser.add_argument('--arch', default='tiny',
                        help="HiViT arch: a name or a JSON settings dict")
    parser.add_argument('--name', help='encoder label in the tables '
                        '(default: the checkpoint stem or random-seedN)')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--types', default=','.join(PROBE_LADDERS),
                        help='comma-separated ladder types, from '
                        f'{",".join(PROBE_LADDERS)} (default: all)')
    parser.add_argument('--size', type=int, default=256,
                        help='short side of the photos before the ladders')
    parser.add_argument('--crop-size', type=int, default=224)
    parser.add_argument('--num-crops', type=int, default=3)
    parser.add_argument('--folds', type=int, default=None,
                        help='outer folds by photo (default: leave one '
                        'photo out)')
    parser.add_argument('--lambdas', default=None,
                        help='comma-separated ridge strengths for the inner '
                        'CV (one value: fixed); default '
                        f'{",".join(f"{v:g}" for v in DEFAULT_LAMBDAS)}')
    parser.add_argument('--max-photos', type=int, default=None)
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    types = [t.strip() for t in args.types.split(',') if t.strip()]
    unknown = [t for t in types if t not in PROBE_LADDERS]
    if not types or unknown:
        raise SystemExit(f'unknown ladder types {unknown}; choose from '
                         f'{",".join(PROBE_LADDERS)}')
    if args.size < args.crop_size:
        raise SystemExit(f'--size {args.size} is smaller than --crop-size '
                         f'{args.crop_size}')
    lambdas = DEFAULT_LAMBDAS if args.lambdas is None else tuple(
        float(v) for v in args.lambdas.split(','))
    start = time.time()
    files = list_photos(args.folders)[:args.max_photos]
    if len(files) < 3:
        raise SystemExit(f'the probe needs at least 3 photos, got '
                         f'{len(files)}')
    photos = [(n, resize_short_side(read_image_rgb(p), args.size))
              for n, p in files]
    backbone = build_probe_encoder(
        None if args.random_init else args.checkpoint,
        parse_arch(args.arch), seed=args.seed)
    name = args.name or (f'random-seed{args.seed}' if args.random_init else
                         osp.splitext(osp.basename(args.checkpoint))[0])
    results = run_probe(photos, backbone, types, args.crop_size,
                        args.num_crops, lambdas, args.folds,
                        args.batch_size, args.device, args.ladder_seed)
    out = args.out_dir
    atomic_write_text(rows_csv(summary_rows(name, results), CSV_FIELDS),
                      osp.join(out, 'probe.csv'))
    atomic_write_text(markdown_table(name, results),
                      osp.join(out, 'probe.md'))
    per_photo = [
        dict(encoder=name, type=t, photo=p, srcc=f'{v:.4f}')
        for t, r in results.items() for p, v in r['per_photo'].items()
    ]
    atomic_write_text(rows_csv(per_photo, ('encoder', 'type', 'photo',
                                           'srcc')),
                      osp.join(out, 'probe_per_photo.csv'))
    settings = dict(
        name=name, checkpoint=args.checkpoint, random_init=args.random_init,
        seed=args.seed, ladder_seed=args.ladder_seed, arch=args.arch,
        photos=[n for n, _ in files],
        size=args.size, crop_size=args.crop_size, num_crops=args.num_crops,
        folds=args.folds, lambdas=list(lambdas), types=types,
        seconds=round(time.time() - start, 1))
    atomic_write_text(
        json.dumps(dict(settings=settings, results=results), indent=1) +
        '\n', osp.join(out, 'probe.json'))
    print(markdown_table(name, results))
    print(f'{len(files)} photos, {settings["seconds"]} s; written to {out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
