"""Train and test a scoring config on each of its random splits.

    python tools/run_splits.py CONFIG --splits 10 [--work-dir DIR]

The small benchmarks (SPAQ, LIVE Challenge, KADID-10k, TID2013, CSIQ, LIVE,
...) are evaluated over 10 random train / val / test splits (the split file
of ``tools/data/make_splits.py``, named by the config's ``split_file``); the
result is the median (and mean) over the splits. For split ``i`` this tool

1. trains with ``tools/train.py`` in ``DIR/split_i`` with every dataset's
   ``split_index`` set to ``i`` (checkpoints are chosen on that split's
   validation part, as the config says);
2. tests the best checkpoint (``best_*.pth``; the last checkpoint when the
   config keeps no best one) with ``tools/test.py`` on that split's test
   part, writing ``DIR/split_i/test/metrics.json`` and the per-image
   predictions;
3. rewrites the summary ``DIR/splits_summary.csv`` and
   ``DIR/splits_summary.md``: one row per split (seed, test size, SRCC,
   PLCC, KRCC, RMSE), then the median and the mean over the finished splits.

Each step runs in its own process, so a failed split stops the run with the
tool's output and a rerun with ``--skip-done`` continues where it stopped.
Summary files are written atomically.
"""
import argparse
import csv
import glob
import io
import json
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config, DictAction

from qpt.datasets.quality.splits import load_splits
from qpt.utils.atomic_io import atomic_write_text

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
METRIC_KEYS = ('SRCC', 'PLCC', 'KRCC', 'RMSE')
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
FIT_TEXT = {
    'none': 'raw predictions (no fit)',
    'logistic4': 'after the 4-parameter logistic fit (VQEG)',
    'logistic5': 'after the 5-parameter logistic fit (VQEG / LIVE)',
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Train + test a config on each of its random splits and '
        'report the median and mean.')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--splits', type=int, default=10, help='number of splits to run')
    parser.add_argument(
        '--start', type=int, default=0, help='first split index')
    parser.add_argument(
        '--work-dir',
        help='output folder (default work_dirs/<config>_splits)')
    parser.add_argument(
        '--skip-done',
        action='store_true',
        help='reuse the splits whose test metrics already exist')
    parser.add_argument(
        '--amp', action='store_true', help='pass --amp to tools/train.py')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        metavar='KEY=VALUE',
        help='config overrides passed on to training and testing')
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------
# Config inspection
# ---------------------------------------------------------------------------
def split_datasets(cfg: Config) -> List[Tuple[str, dict]]:
    """``(option key, dataset cfg)`` of every dataset with a ``split_file``
    in the train / val / test dataloaders (wrapped datasets included)."""
    found: List[Tuple[str, dict]] = []

    def visit(node, key: str) -> None:
        if isinstance(node, dict):
            if node.get('split_file'):
                found.append((key, node))
            for name in ('dataset', 'datasets'):
                if name in node:
                    visit(node[name], f'{key}.{name}')
        elif isinstance(node, (list, tuple)):
            for i, item in enumerate(node):
                visit(item, f'{key}.{i}')

    for loader in LOADERS:
        if cfg.get(loader):
            visit(cfg[loader].get('dataset'), f'{loader}.dataset')
    return found


def resolve_split_file(dataset: dict) -> str:
    """The split file as the dataset finds it: as given, else under
    ``data_root``."""
    path = dataset['split_file']
    root = dataset.get('data_root') or ''
    if root and not osp.isabs(path) and not osp.isfile(path):
        return osp.join(root, path)
    return path


def evaluator_fit(cfg: Config) -> Optional[str]:
    """``plcc_fit`` of the test evaluator's QualityMetric, if any."""
    ev = cfg.get('test_evaluator')
    items = ev if isinstance(ev, (list, tuple)) else [ev]
    for item in items:
        if isinstance(item, dict):
            metrics = item.get('metrics', item)
            for m in (metrics if isinstance(metrics, (list, tuple)) else
                      [metrics]):
                if isinstance(m, dict) and 'QualityMetric' in str(
                        m.get('type', '')):
                    return m.get('plcc_fit', 'none')
    return None


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------
def parse_options(options: Sequence[str]) -> Dict[str, object]:
    """``KEY=VALUE`` strings -> dict, read as ``--cfg-options`` reads them."""
    out: Dict[str, object] = {}
    for item in options:
        if '=' not in item:
            raise SystemExit(f'--cfg-options: expected KEY=VALUE, got '
                             f'{item!r}')
        key, value = item.split('=', 1)
        out[key] = DictAction._parse_iterable(value)
    return out


def run(cmd: Sequence[str], what: str) -> None:
    print(f'[run_splits] {what}: {" ".join(cmd)}', flush=True)
    proc = subprocess.run(list(cmd), cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f'[run_splits] {what} failed with exit code '
                         f'{proc.returncode}')


def best_checkpoint(work_dir: str) -> str:
    """The ``best_*.pth`` of a training run, else its last checkpoint."""
    best = sorted(glob.glob(osp.join(work_dir, 'best_*.pth')),
                  key=osp.getmtime)
    if best:
        return best[-1]
    last = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(last):
        with open(last, 'r', encoding='utf-8') as f:
            path = f.read().strip()
        if path and osp.isfile(path):
            return path
    raise FileNotFoundError(f'no checkpoint in {work_dir}')


def read_metrics(path: str) -> Dict[str, float]:
    """SRCC / PLCC / KRCC / RMSE / num_samples from a test metrics file,
    whatever the metric prefix."""
    with open(path, 'r', encoding='utf-8') as f:
        raw = json.load(f)
    out: Dict[str, float] = {}
    for key, value in raw.items():
        name = key.rsplit('/', 1)[-1]
        if name in METRIC_KEYS + ('num_samples', ) and name not in out:
            out[name] = float(value)
    return out


# ---------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------
def summarize(rows: Sequence[dict]) -> List[dict]:
    """Median and mean rows over the finished splits (NaN-free columns)."""
    out = []
    for label, fn in (('median', np.median), ('mean', np.mean)):
        row = dict(split=label, seed='', num_test='', checkpoint='')
        for key in METRIC_KEYS:
            values = [r[key] for r in rows if r.get(key) is not None]
            row[key] = float(fn(values)) if values else None
        out.append(row)
    return out


def _fmt(value, digits: int = 4) -> str:
    if value is None or value == '':
        return '' if value == '' else 'n/a'
    if isinstance(value, float):
        return f'{value:.{digits}f}'
    return str(value)


def summary_csv(rows: Sequence[dict]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator='\n')
    columns = ['split', 'seed', 'num_test', *METRIC_KEYS, 'checkpoint']
    writer.writerow(columns)
    for row in list(rows) + summarize(rows):
        writer.writerow([
            repr(row[c]) if isinstance(row.get(c), float) else
            ('' if row.get(c) is None else row[c]) for c in columns
        ])
    return buf.getvalue()


def summary_markdown(rows: Sequence[dict], config: str,
                     plcc_fit: Optional[str], requested: int) -> str:
    fit = FIT_TEXT.get(plcc_fit or '', str(plcc_fit))
    lines = [
        f'# {osp.basename(config)}: {len(rows)} of {requested} splits',
        '',
        f'PLCC and RMSE: {fit}. Checkpoints chosen on each split\'s '
        'validation part; metrics on its test part.',
        '',
        '| split | seed | test images | SRCC | PLCC | KRCC | RMSE |',
        '| --- | --- | --- | --- | --- | --- | --- |',
    ]
    for row in rows:
        lines.append('| ' + ' | '.join(
            [str(row['split']), str(row['seed']), str(row['num_test'])] +
            [_fmt(row.get(k)) for k in METRIC_KEYS]) + ' |')
    for row in summarize(rows):
        lines.append('| ' + ' | '.join(
            [f'**{row["split"]}**', '', ''] +
            [f'**{_fmt(row.get(k))}**' for k in METRIC_KEYS]) + ' |')
    return '\n'.join(lines) + '\n'


def write_summary(work_dir: str, rows: Sequence[dict], config: str,
                  plcc_fit: Optional[str], requested: int) -> None:
    atomic_write_text(summary_csv(rows),
                      osp.join(work_dir, 'splits_summary.csv'))
    atomic_write_text(
        summary_markdown(rows, config, plcc_fit, requested),
        osp.join(work_dir, 'splits_summary.md'))


# ---------------------------------------------------------------------------
def main(argv=None) -> int:
    args = parse_args(argv)
    if args.splits < 1 or args.start < 0:
        raise SystemExit('--splits must be >= 1 and --start >= 0')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(parse_options(args.cfg_options))
    datasets = split_datasets(cfg)
    if not datasets:
        raise SystemExit(
            f'{args.config} names no split_file: it uses one fixed (official)'
            ' split; train and test it with tools/train.py and tools/test.py')
    split_files = {resolve_split_file(d) for _, d in datasets}
    seeds: List[Optional[int]] = []
    for path in sorted(split_files):
        splits = load_splits(path)
        if len(splits) < args.start + args.splits:
            raise SystemExit(
                f'{path} holds {len(splits)} splits; asked for splits '
                f'{args.start}..{args.start + args.splits - 1}')
        seeds = [s.get('seed') for s in splits]
    work_dir = args.work_dir or osp.join(
        'work_dirs',
        osp.splitext(osp.basename(args.config))[0] + '_splits')
    work_dir = osp.abspath(work_dir)
    config = osp.abspath(args.config)
    plcc_fit = evaluator_fit(cfg)
    user_opts = list(args.cfg_options)

    rows: List[dict] = []
    for i in range(args.start, args.start + args.splits):
        split_dir = osp.join(work_dir, f'split_{i}')
        test_dir = osp.join(split_dir, 'test')
        metrics_file = osp.join(test_dir, 'metrics.json')
        opts = user_opts + [f'{key}.split_index={i}' for key, _ in datasets]
        if not (args.skip_done and osp.isfile(metrics_file)):
            train_cmd = [sys.executable, 'tools/train.py', config,
                         '--work-dir', split_dir]
            if args.amp:
                train_cmd.append('--amp')
            run(train_cmd + ['--cfg-options'] + opts, f'split {i}: train')
            ckpt = best_checkpoint(split_dir)
            run([sys.executable, 'tools/test.py', config, ckpt,
                 '--work-dir', test_dir, '--out', metrics_file,
                 '--cfg-options'] + opts, f'split {i}: test')
        else:
            ckpt = best_checkpoint(split_dir) if glob.glob(
                osp.join(split_dir, '*.pth')) else ''
            print(f'[run_splits] split {i}: reusing {metrics_file}')
        metrics = read_metrics(metrics_file)
        rows.append(
            dict(
                split=i,
                seed=seeds[i] if i < len(seeds) and seeds[i] is not None
                else '',
                num_test=int(metrics.get('num_samples', 0)),
                checkpoint=osp.relpath(ckpt, work_dir) if ckpt else '',
                **{k: metrics.get(k) for k in METRIC_KEYS}))
        write_summary(work_dir, rows, args.config, plcc_fit, args.splits)
    print(summary_markdown(rows, args.config, plcc_fit, args.splits))
    print(f'[run_splits] wrote {osp.join(work_dir, "splits_summary.csv")} '
          f'and splits_summary.md')
    return 0


if __name__ == '__main__':
    sys.exit(main())
