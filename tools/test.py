"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT``.

For a pretraining config this reports the reconstruction loss on the
held-out images of ``test_dataloader`` (deterministic masks).

For a scoring config (IQA / IAA / VQA, a ``QualityMetric`` evaluator) it also
writes the per-image predictions (``quality_predictions.csv``: path, gt,
pred[, pred_fitted]) and the scatter plot (``quality_scatter.png``) into the
work dir, unless the config sets the metric's ``out_dir``, and prints SRCC /
PLCC / KRCC / RMSE with the way PLCC was computed (raw predictions or after
the 4- or 5-parameter logistic fit; then also PLCC_raw / RMSE_raw). A value
the metric could not compute (constant predictions, too few samples for the
fit) prints as ``nan``.
"""
import argparse
import os.path as osp
from typing import List

import torch
from mmengine.config import Config
from mmengine.runner import Runner

from qpt.utils import (add_runner_args, destroy_process_group,
                       init_cpu_distributed, merge_runner_args,
                       parse_runner_args, register_all_modules)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Evaluate a qpt model')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='folder for logs and results')
    parser.add_argument(
        '--out', help='also dump the metrics to this file (json/yaml/pkl)')
    add_runner_args(parser, 'test_dataloader')
    return parse_runner_args(parser)


QUALITY_METRIC_TYPES = ('QualityMetric', 'qpt.QualityMetric')
PLCC_FIT_TEXT = {
    'none': 'PLCC and RMSE of the raw predictions (no fit)',
    'logistic4': 'PLCC and RMSE after the VQEG 4-parameter logistic fit of '
    'the predictions onto the subjective scores (raw: PLCC_raw, RMSE_raw)',
    'logistic5': 'PLCC and RMSE after the VQEG / LIVE 5-parameter logistic '
    'fit of the predictions onto the subjective scores (raw: PLCC_raw, '
    'RMSE_raw)',
}


def quality_metric_cfgs(evaluator) -> List[dict]:
    """The ``QualityMetric`` configs of an evaluator config (a metric dict,
    a list of them, or ``dict(type='Evaluator', metrics=...)``)."""
    if evaluator is None:
        return []
    if isinstance(evaluator, (list, tuple)):
        return [m for e in evaluator for m in quality_metric_cfgs(e)]
    if 'metrics' in evaluator:
        return quality_metric_cfgs(evaluator['metrics'])
    return [evaluator] if evaluator.get('type') in QUALITY_METRIC_TYPES \
        else []


def report_quality(metrics: dict, metric_cfgs: List[dict]) -> None:
    """Print SRCC / PLCC / KRCC / RMSE of each quality metric, how PLCC was
    computed, and where the prediction files are."""
    for m in metric_cfgs:
        prefix = m.get('prefix')
        key = (lambda k: f'{prefix}/{k}') if prefix else (lambda k: k)
        n = metrics.get(key('num_samples'))
        values = '  '.join(
            f'{k} {metrics[key(k)]:.4f}' if key(k) in metrics else f'{k} n/a'
            for k in ('SRCC', 'PLCC', 'KRCC', 'RMSE', 'PLCC_raw', 'RMSE_raw')
            if k in ('SRCC', 'PLCC', 'KRCC', 'RMSE') or key(k) in metrics)
        fit = m.get('plcc_fit', 'none')
        print(f'Quality{" [" + prefix + "]" if prefix else ""} on {n} '
              f'samples: {values}')
        print(f'  plcc_fit={fit!r}: {PLCC_FIT_TEXT.get(fit, fit)}')
        if m.get('out_dir') and m.get('save_predictions', True):
            stem = osp.join(m['out_dir'],
                            (prefix or 'quality').replace('/', '_'))
            print(f'  predictions: {stem}_predictions.csv')
            print(f'  scatter plot: {stem}_scatter.png')


def main() -> None:
    args = parse_args()
    register_all_modules(init_default_scope=False)
    cfg = merge_runner_args(Config.fromfile(args.config), args)
    cfg.load_from = args.checkpoint
    # Scoring configs: per-image predictions and the scatter plot go to the
    # work dir unless the config names another folder.
    metric_cfgs = quality_metric_cfgs(cfg.get('test_evaluator'))
    for m in metric_cfgs:
        if not m.get('out_dir'):
            m['out_dir'] = cfg.work_dir
    if args.launcher != 'none' and not torch.cuda.is_available():
        init_cpu_distributed(cfg)

    runner = Runner.from_cfg(cfg)
    try:
        metrics = runner.test()
    finally:
        destroy_process_group()
    if metric_cfgs and runner.rank == 0:
        report_quality(metrics, metric_cfgs)
    if args.out:
        from mmengine.fileio import dump
        from qpt.utils import atomic_write_text
        fmt = osp.splitext(args.out)[1].lstrip('.') or 'json'
        atomic_write_text(dump(metrics, file_format=fmt), args.out)


if __name__ == '__main__':
    main()
