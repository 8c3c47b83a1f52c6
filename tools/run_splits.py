"""Train and test a scoring config on each of its random splits.

    python tools/run_splits.py CONFIG --splits 10 [--work-dir DIR]

The small benchmarks (SPAQ, LIVE Challenge, KADID-10k, TID2013, CSIQ, LIVE,
...) are evaluated over 10 random train / val / test splits (the split file
of ``tools/data/make_splits.py``, named by the config's ``split_file``); the
result is the median (and mean) over the splits. For split ``i`` this tool

1. trains with ``tools/train.py`` in ``DIR/split_i`` with every dataset's
   ``split_index`` set to ``i``. Protocol (``qpt/evaluation/protocol.py``):
   when the split has a validation part, checkpoints are chosen on it as the
   config says (*validation-selected best checkpoint*); when it has none
   (``make_splits.py --val-ratio 0``) training runs without validation
   (*no selection: last checkpoint tested*);
2. tests the best checkpoint (``best_*.pth``), or the last checkpoint when
   the run kept no best one, with ``tools/test.py`` on that split's test
   part, writing ``DIR/split_i/test/metrics.json`` and the per-image
   predictions;
3. rewrites the summary ``DIR/splits_summary.csv`` and
   ``DIR/splits_summary.md``: one row per split (seed, test size, SRCC,
   PLCC, KRCC, RMSE, the protocol its checkpoint was chosen by), then the
   median and the mean. Each aggregate covers the splits that reported a
   finite value and names how many (``SRCC_n`` of ``splits`` in the CSV,
   "(9/10 splits, incomplete)" in the table); an ``incomplete`` flag marks
   an aggregate that leaves a split out (an undefined correlation, a failed
   logistic fit) or that is taken before every requested split finished.

Each step runs in its own process, so a failed split stops the run with the
tool's output and a rerun with ``--skip-done`` continues where it stopped.
Summary files are written atomically.
"""
import argparse
import copy
import csv
import glob
import io
import json
import math
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config, DictAction

from qpt.datasets.quality.splits import load_splits
from qpt.evaluation.protocol import (EvalProtocol, checkpoint_to_test,
                                     describe_checkpoint, resolve_protocol)
from qpt.utils.atomic_io import atomic_write_text

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
METRIC_KEYS = ('SRCC', 'PLCC', 'KRCC', 'RMSE')
# reported beside PLCC / RMSE when the evaluator fits a logistic mapping
RAW_KEYS = ('PLCC_raw', 'RMSE_raw')
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


def split_protocol(cfg: Config, datasets: Sequence[Tuple[str, dict]],
                   index: int) -> EvalProtocol:
    """The evaluation protocol ``tools/train.py`` runs on split ``index``
    (no-selection when that split's validation part is empty)."""
    cfg = copy.deepcopy(cfg)
    cfg.merge_from_dict({f'{key}.split_index': index for key, _ in datasets})
    return resolve_protocol(cfg)


def read_metrics(path: str) -> Dict[str, float]:
    """SRCC / PLCC / KRCC / RMSE (PLCC_raw / RMSE_raw) / num_samples from a
    test metrics file, whatever the metric prefix; NaN stays NaN."""
    with open(path, 'r', encoding='utf-8') as f:
        raw = json.load(f)
    out: Dict[str, float] = {}
    for key, value in raw.items():
        name = key.rsplit('/', 1)[-1]
        if name in METRIC_KEYS + RAW_KEYS + ('num_samples', ) and \
                name not in out:
            out[name] = float(value)
    return out


# ---------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------
def _value(row: dict, key: str) -> Optional[float]:
    """A split's finite value of ``key``, else None (absent or NaN)."""
    value = row.get(key)
    if value is None or value == '':
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def metric_keys(rows: Sequence[dict]) -> List[str]:
    """SRCC / PLCC / KRCC / RMSE, then PLCC_raw / RMSE_raw when reported."""
    return list(METRIC_KEYS) + [
        k for k in RAW_KEYS if any(r.get(k) is not None for r in rows)
    ]


def summarize(rows: Sequence[dict],
              requested: Optional[int] = None) -> List[dict]:
    """Median and mean rows over the splits that reported each metric.

    A split whose value is absent or NaN (an undefined correlation, a failed
    logistic fit) is left out of that metric's aggregate, and the aggregate
    says so: ``<key>_n`` is the number of splits it covers, ``splits`` the
    number it should cover (``requested``, default the finished splits), and
    ``incomplete`` is True when any metric covers fewer.
    """
    total = len(rows) if requested is None else int(requested)
    out = []
    for label, fn in (('median', np.median), ('mean', np.mean)):
        row = dict(split=label, seed='', num_test='', checkpoint='',
                   selection='', splits=total)
        incomplete = False
        for key in metric_keys(rows):
            values = [v for v in (_value(r, key) for r in rows)
                      if v is not None]
            row[key] = float(fn(values)) if values else None
            row[f'{key}_n'] = len(values)
            incomplete |= len(values) < total
        row['incomplete'] = incomplete
        out.append(row)
    return out


def _fmt(value, digits: int = 4) -> str:
    if value is None or value == '':
        return '' if value == '' else 'n/a'
    if isinstance(value, float):
        return f'{value:.{digits}f}' if math.isfinite(value) else 'n/a'
    return str(value)


def _csv_cell(value) -> str:
    if value is None:
        return ''
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else 'nan'
    return str(value)


def summary_csv(rows: Sequence[dict], requested: Optional[int] = None) -> str:
    """One row per split, then ``median`` and ``mean``.

    Columns: split, seed, num_test, each metric followed by ``<key>_n`` (the
    splits an aggregate covers; empty on split rows), ``splits`` (the splits
    an aggregate should cover), ``incomplete`` (True when an aggregate
    leaves a split out), ``selection`` (the protocol each split's checkpoint
    was chosen by) and ``checkpoint``. A value the metric reported as NaN is
    written ``nan``, an absent one as an empty cell.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator='\n')
    keys = metric_keys(rows)
    columns = ['split', 'seed', 'num_test']
    for key in keys:
        columns += [key, f'{key}_n']
    columns += ['splits', 'incomplete', 'selection', 'checkpoint']
    writer.writerow(columns)
    for row in list(rows) + summarize(rows, requested):
        writer.writerow([_csv_cell(row.get(c)) for c in columns])
    return buf.getvalue()


def _aggregate_cell(row: dict, key: str) -> str:
    n, total = row[f'{key}_n'], row['splits']
    if n < total:
        return f'**{_fmt(row.get(key))}** ({n}/{total} splits, incomplete)'
    return f'**{_fmt(row.get(key))}** ({n}/{total})'


def summary_markdown(rows: Sequence[dict], config: str,
                     plcc_fit: Optional[str], requested: int) -> str:
    fit = FIT_TEXT.get(plcc_fit or '', str(plcc_fit))
    keys = metric_keys(rows)
    by_selection: Dict[str, List[str]] = {}
    for row in rows:
        by_selection.setdefault(row.get('selection') or 'not recorded',
                                []).append(str(row['split']))
    selection = '; '.join(
        f'{text} (split{"s" if len(splits) > 1 else ""} '
        f'{", ".join(splits)})' for text, splits in by_selection.items())
    lines = [
        f'# {osp.basename(config)}: {len(rows)} of {requested} splits',
        '',
        f'PLCC and RMSE: {fit}. Checkpoint tested on each split\'s test '
        f'part: {selection or "none yet"}. Aggregates name the splits they '
        'cover.',
        '',
        '| split | seed | test images | ' + ' | '.join(keys) + ' |',
        '| --- | --- | --- | ' + ' | '.join('---' for _ in keys) + ' |',
    ]
    for row in rows:
        lines.append('| ' + ' | '.join(
            [str(row['split']), str(row['seed']), str(row['num_test'])] +
            [_fmt(row.get(k)) for k in keys]) + ' |')
    aggregates = summarize(rows, requested)
    for row in aggregates:
        lines.append('| ' + ' | '.join(
            [f'**{row["split"]}**', '', ''] +
            [_aggregate_cell(row, k) for k in keys]) + ' |')
    missing = {
        k: [str(r['split']) for r in rows if _value(r, k) is None]
        for k in keys
    }
    notes = [f'{k}: no value from split(s) {", ".join(v)}'
             for k, v in missing.items() if v]
    if aggregates[0]['incomplete']:
        lines += ['', '**Incomplete aggregates.** ' + (
            '; '.join(notes) + ' (undefined: constant predictions, too few '
            'samples or a failed logistic fit; see that split\'s test log)'
            if notes else '') + (
                f'{"; " if notes else ""}{len(rows)} of {requested} splits '
                'finished' if len(rows) < requested else '')]
    return '\n'.join(lines) + '\n'


def write_summary(work_dir: str, rows: Sequence[dict], config: str,
                  plcc_fit: Optional[str], requested: int) -> None:
    atomic_write_text(summary_csv(rows, requested),
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
            ckpt, selected = checkpoint_to_test(split_dir)
            run([sys.executable, 'tools/test.py', config, ckpt,
                 '--work-dir', test_dir, '--out', metrics_file,
                 '--cfg-options'] + opts, f'split {i}: test')
        else:
            ckpt, selected = checkpoint_to_test(split_dir) if glob.glob(
                osp.join(split_dir, '*.pth')) else ('', False)
            print(f'[run_splits] split {i}: reusing {metrics_file}')
        selection, as_planned = describe_checkpoint(
            split_protocol(cfg, datasets, i), selected)
        print(f'[run_splits] split {i}: {selection}'
              f'{"" if as_planned else " (WARNING)"}', flush=True)
        metrics = read_metrics(metrics_file)
        rows.append(
            dict(
                split=i,
                seed=seeds[i] if i < len(seeds) and seeds[i] is not None
                else '',
                num_test=int(metrics.get('num_samples', 0)),
                checkpoint=osp.relpath(ckpt, work_dir) if ckpt else '',
                selection=selection,
                **{k: metrics.get(k) for k in METRIC_KEYS + RAW_KEYS
                   if k in METRIC_KEYS or k in metrics}))
        write_summary(work_dir, rows, args.config, plcc_fit, args.splits)
    print(summary_markdown(rows, args.config, plcc_fit, args.splits))
    print(f'[run_splits] wrote {osp.join(work_dir, "splits_summary.csv")} '
          f'and splits_summary.md')
    return 0


if __name__ == '__main__':
    sys.exit(main())
