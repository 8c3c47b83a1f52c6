"""Score distortion ladders of held-out photos with a scorer; report how the
score follows the severity.

    python tools/analysis/score_ladders.py CONFIG CHECKPOINT \
        [--photos DIR] [--types blur,jpeg,noise,contrast] [--out-dir DIR]

Each photo (default: the demo's held-out photos, which no stage of the demo
chain trains on, :mod:`qpt.datasets.demo_photos`) is resized to a short side
of ``--size`` pixels and degraded along the quality probe's ladders
(:data:`qpt.evaluation.probes.ladders.PROBE_LADDERS`: 6 rungs per type, with
values that differ from the 5 training levels of the synthetic IQA set).
Every rung is scored with :func:`qpt.apis.inference_model`. For each
(photo, type) the Spearman correlation of score against severity is
computed; a scorer that ranks quality correctly gives -1 (the score falls as
the distortion grows).

Written to ``--out-dir`` (atomically): ``ladder_scores.csv`` (one row per
rung), ``ladder_srcc.md`` (per photo and type, and the median per type) and
``ladder_scores.png`` (score against severity, one panel per type, one line
per photo). The last line printed is ``median SRCC <type> <value> ...``.
"""
import argparse
import csv
import io
import os.path as osp
import sys
from typing import Dict, List, Sequence, Tuple

import numpy as np
from scipy.stats import spearmanr

from qpt.apis import inference_model, init_model
from qpt.datasets.demo_photos import HELDOUT_PHOTOS, load_demo_photos
from qpt.datasets.image_io import read_image_folder
from qpt.evaluation.protocol import checkpoint_to_test
from qpt.evaluation.probes.ladders import (PROBE_LADDERS, build_ladders,
                                           resize_short_side)
from qpt.utils import atomic_write_bytes, atomic_write_text


def ladder_srcc(rows: Sequence[dict]) -> Dict[Tuple[str, str], float]:
    """(photo, type) -> SRCC of score against severity (NaN when the
    scores are constant)."""
    groups: Dict[Tuple[str, str], List[dict]] = {}
    for row in rows:
        groups.setdefault((row['photo'], row['type']), []).append(row)
    out = {}
    for key, group in groups.items():
        scores = [r['score'] for r in group]
        if np.ptp(scores) == 0:
            out[key] = float('nan')
        else:
            out[key] = float(spearmanr([r['severity'] for r in group],
                                       scores).statistic)
    return out


def markdown(srcc: Dict[Tuple[str, str], float], photos: Sequence[str],
             types: Sequence[str]) -> str:
    lines = ['| photo | ' + ' | '.join(types) + ' |',
             '| --- |' + ' --- |' * len(types)]
    for photo in photos:
        lines.append(f'| {photo} | ' + ' | '.join(
            f'{srcc[(photo, t)]:.2f}' for t in types) + ' |')
    lines.append('| **median** | ' + ' | '.join(
        f'**{median_srcc(srcc, t):.2f}**' for t in types) + ' |')
    return '\n'.join(lines) + '\n'


def median_srcc(srcc: Dict[Tuple[str, str], float], dist_type: str) -> float:
    """Median over photos of one type's SRCC (NaN counts as 0: a flat
    ladder ranks nothing)."""
    values = [0. if np.isnan(v) else v for (_, t), v in srcc.items()
              if t == dist_type]
    return float(np.median(values))


def plot(rows: Sequence[dict], types: Sequence[str], path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(types), figsize=(3.2 * len(types), 3),
                             sharey=True, squeeze=False)
    for ax, dist_type in zip(axes[0], types):
        sub = [r for r in rows if r['type'] == dist_type]
        for photo in dict.fromkeys(r['photo'] for r in sub):
            pts = [r for r in sub if r['photo'] == photo]
            ax.plot([r['severity'] for r in pts], [r['score'] for r in pts],
                    marker='o', label=photo)
        ax.set_title(dist_type)
        ax.set_xlabel('severity (rung)')
    axes[0][0].set_ylabel('predicted score')
    axes[0][-1].legend(fontsize=7)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=100)
    plt.close(fig)
    atomic_write_bytes(buf.getvalue(), path)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument(
        'checkpoint',
        help='a checkpoint, or a training work dir (its best_*.pth, else '
        'its last checkpoint)')
    parser.add_argument(
        '--photos', default=None,
        help="a folder of photos (default: the demo's held-out photos "
        f'{",".join(HELDOUT_PHOTOS)})')
    parser.add_argument('--types', default='blur,jpeg,noise,contrast')
    parser.add_argument('--size', type=int, default=256,
                        help='short side of the photos before degrading')
    parser.add_argument('--out-dir', default=None,
                        help='default: a ladders/ folder beside CHECKPOINT')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    types = [t.strip() for t in args.types.split(',') if t.strip()]
    unknown = [t for t in types if t not in PROBE_LADDERS]
    if unknown:
        raise SystemExit(f'unknown ladder types {unknown}; known: '
                         f'{",".join(PROBE_LADDERS)}')
    photos = read_image_folder(args.photos) if args.photos else \
        load_demo_photos(HELDOUT_PHOTOS)
    photos = [(name, resize_short_side(img, args.size))
              for name, img in photos]
    rungs = build_ladders(photos, types, seed=args.seed)
    if osp.isdir(args.checkpoint):  # a work dir: the checkpoint to test
        args.checkpoint = checkpoint_to_test(args.checkpoint)[0]
    print(f'scoring with {args.checkpoint}')
    model = init_model(args.config, args.checkpoint, device=args.device)
    records = inference_model(model, [r.image for r in rungs], details=True)
    scale = records[0]['score_scale']
    key = 'raw_score' if scale == 'raw' else 'score'
    rows = [dict(photo=r.photo, type=r.dist_type, severity=r.severity,
                 value=r.value, score=float(rec[key]))
            for r, rec in zip(rungs, records)]
    out_dir = args.out_dir or osp.join(
        osp.dirname(osp.abspath(args.checkpoint)), 'ladders')
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]),
                            lineterminator='\n')
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(buf.getvalue(), osp.join(out_dir, 'ladder_scores.csv'))
    srcc = ladder_srcc(rows)
    names = [name for name, _ in photos]
    table = markdown(srcc, names, types)
    atomic_write_text(
        f'Scores ({key}, scale {scale}) of `{args.checkpoint}` along '
        f'distortion ladders; SRCC of score against severity (-1: the '
        f'score falls as the distortion grows).\n\n' + table,
        osp.join(out_dir, 'ladder_srcc.md'))
    plot(rows, types, osp.join(out_dir, 'ladder_scores.png'))
    print(table)
    print(f'written to {out_dir}')
    print('median SRCC ' + ' '.join(
        f'{t} {median_srcc(srcc, t):.2f}' for t in types))
    return 0


if __name__ == '__main__':
    sys.exit(main())
