"""QualityMetric: values, gathering, refusals, prediction files."""
import csv
import math

import numpy as np
import pytest
import torch
from scipy import optimize, stats
from mmengine.evaluator import Evaluator
from mmpretrain.structures import DataSample

from qpt.evaluation.functional import krcc, plcc, rmse, srcc
from qpt.evaluation.metrics import QualityMetric
from qpt.evaluation.metrics import quality_metric as qm_module
from qpt.registry import METRICS

KEYS = ('SRCC', 'PLCC', 'KRCC', 'RMSE')


@pytest.fixture
def logs(monkeypatch):
    """Messages the metric logs, as (level, text)."""
    seen = []

    def record(msg, logger=None, level=20):
        seen.append((level, msg))

    monkeypatch.setattr(qm_module, 'print_log', record)
    return seen


def _data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    gt = rng.uniform(1, 5, size=n)
    pred = np.tanh(gt - 3) + 0.2 * rng.normal(size=n)
    return pred, gt


def _samples(pred, gt, start=0):
    """Mixed input types: float, 0-d tensor, 1-element tensor, numpy."""
    out = []
    for i, (p, g) in enumerate(zip(pred, gt)):
        kind = i % 3
        p_val = float(p) if kind == 0 else torch.tensor(
            p, dtype=torch.float32) if kind == 1 else torch.tensor([p])
        out.append(
            dict(
                pred_score=p_val,
                gt_score=np.float64(g),
                img_path=f'img_{start + i}.jpg'))
    return out


@pytest.mark.parametrize('fit', ['none', 'logistic4', 'logistic5'])
def test_values_equal_functional_across_batches(fit, logs):
    pred, gt = _data()
    metric = METRICS.build(dict(type='QualityMetric', plcc_fit=fit))
    for s in range(0, len(pred), 16):  # several batches, like several ranks
        metric.process(None, _samples(pred[s:s + 16], gt[s:s + 16], s))
    # Torch float32 storage of some predictions: compare with what was kept.
    kept = np.asarray([r['pred'] for r in metric.results])
    np.testing.assert_allclose(kept, pred, atol=1e-6)
    out = metric.evaluate(len(pred))
    assert out['num_samples'] == len(pred)
    assert out['SRCC'] == pytest.approx(srcc(kept, gt), abs=1e-12)
    assert out['KRCC'] == pytest.approx(krcc(kept, gt), abs=1e-12)
    assert out['PLCC'] == pytest.approx(plcc(kept, gt, fit=fit), abs=1e-9)
    assert out['RMSE'] == pytest.approx(rmse(kept, gt, fit=fit), abs=1e-9)
    if fit != 'none':
        assert out['PLCC'] > plcc(kept, gt)
        assert out['RMSE'] < rmse(kept, gt)
        assert out['PLCC_raw'] == pytest.approx(plcc(kept, gt), abs=1e-12)
        assert out['RMSE_raw'] == pytest.approx(rmse(kept, gt), abs=1e-12)
    assert any(f'plcc_fit = {fit}' in m for _, m in logs)
    assert metric.results == []  # reset after evaluate


def test_prefix_and_collect_device():
    pred, gt = _data(10)
    metric = QualityMetric(prefix='koniq', collect_device='cpu')
    assert metric.collect_device == 'cpu'
    metric.process(None, _samples(pred, gt))
    out = metric.evaluate(10)
    assert set(out) == {f'koniq/{k}' for k in KEYS + ('num_samples', )}


def test_through_mmengine_evaluator_with_data_samples():
    pred, gt = _data(12)
    evaluator = Evaluator(QualityMetric(plcc_fit='logistic4'))
    samples = []
    for i, (p, g) in enumerate(zip(pred, gt)):
        s = DataSample(metainfo=dict(img_path=f'{i}.png'))
        s.set_field(torch.tensor([p]), 'pred_score')
        s.set_field(torch.tensor(g), 'gt_score')
        samples.append(s)
    evaluator.process(samples[:5])
    evaluator.process(samples[5:])
    out = evaluator.evaluate(12)
    assert out['SRCC'] == pytest.approx(srcc(pred, gt), abs=1e-6)


def test_reads_the_scale_from_dataset_meta(tmp_path):
    """The prediction is put on the dataset's scale with the facts of
    ``dataset_meta`` (what MMEngine's loops hand over), not the model's
    ``pred_score``: a DMOS set flips the normalised output."""
    rng = np.random.default_rng(1)
    dmos = rng.uniform(-3, 112, size=20)  # LIVE's realigned DMOS
    quality = 1 - (dmos + 3) / 115  # higher = better, what the model learns
    samples = [
        dict(pred_score=torch.tensor(0.5), pred_score_norm=torch.tensor(q),
             gt_score=float(g), img_path=f'{i}.bmp')
        for i, (q, g) in enumerate(zip(quality, dmos))
    ]
    evaluator = Evaluator(QualityMetric(out_dir=str(tmp_path)))
    evaluator.dataset_meta = dict(score_range=(-3.0, 112.0),
                                  lower_better=True)
    evaluator.process(samples)
    out = evaluator.evaluate(len(samples))
    # the model's placeholder pred_score (constant 0.5) is not used; the
    # normalised output mapped back onto the DMOS scale is exact
    assert out['SRCC'] == pytest.approx(1.0)
    assert out['RMSE'] == pytest.approx(0.0, abs=1e-4)
    with open(tmp_path / 'quality_predictions.csv') as f:
        rows = list(csv.DictReader(f))
    assert float(rows[0]['pred']) == pytest.approx(dmos[0], abs=1e-4)
    # without dataset_meta: pred_score as given (here constant -> NaN)
    metric = QualityMetric()
    metric.process(None, samples)
    assert math.isnan(metric.compute_metrics(metric.results)['SRCC'])


def _assert_nan(out, logs, n, reason, nan_keys, finite_keys=()):
    """Every key is there; the undefined ones are NaN, with a warning."""
    assert out['num_samples'] == n
    for key in nan_keys:
        assert math.isnan(out[key]), (key, out)
    for key in finite_keys:
        assert math.isfinite(out[key]), (key, out)
    assert set(out) == {'num_samples', *nan_keys, *finite_keys}
    warnings = [m for level, m in logs if level >= 30]
    assert any(reason in m and 'NaN' in m for m in warnings), logs


def test_fewer_than_three_samples(logs):
    metric = QualityMetric(plcc_fit='logistic4')
    metric.process(None, _samples([1.0, 2.0], [2.0, 1.0]))
    out = metric.evaluate(2)
    _assert_nan(out, logs, 2, 'only 2 samples',
                ('SRCC', 'PLCC', 'KRCC', 'RMSE', 'PLCC_raw'), ('RMSE_raw', ))
    assert out['RMSE_raw'] == pytest.approx(1.0)


def test_constant_predictions_and_targets(logs):
    """Early training: constant predictions give NaN correlations, not a
    missing key (``CheckpointHook(save_best='SRCC')`` reads it)."""
    metric = QualityMetric()
    metric.process(None, _samples([0.5] * 8, np.arange(8.0)))
    out = metric.evaluate(8)
    _assert_nan(out, logs, 8, 'predictions are equal',
                ('SRCC', 'PLCC', 'KRCC'), ('RMSE', ))
    assert out['RMSE'] == pytest.approx(
        np.sqrt(np.mean((0.5 - np.arange(8.0))**2)))
    metric.process(None, _samples(np.arange(8.0), [3.0] * 8))
    _assert_nan(metric.evaluate(8), logs, 8, 'targets are equal',
                ('SRCC', 'PLCC', 'KRCC'), ('RMSE', ))


def test_nonfinite_predictions(logs):
    metric = QualityMetric()
    metric.process(None, _samples([0.1, float('nan'), 0.3, 0.4], [1, 2, 3, 4]))
    _assert_nan(metric.evaluate(4), logs, 4, 'not finite',
                ('SRCC', 'PLCC', 'KRCC', 'RMSE'))


def test_empty_evaluation_set(logs):
    """An empty validation set (``make_splits.py --val-ratio 0``) used to
    give ``{'num_samples': 0}`` only."""
    metric = QualityMetric(plcc_fit='logistic5', prefix='val')
    out = metric.evaluate(0)
    assert out['val/num_samples'] == 0
    keys = ('SRCC', 'PLCC', 'KRCC', 'RMSE', 'PLCC_raw', 'RMSE_raw')
    assert set(out) == {f'val/{k}' for k in keys + ('num_samples', )}
    assert all(math.isnan(out[f'val/{k}']) for k in keys)
    assert any('no samples' in m for level, m in logs if level >= 30)


@pytest.mark.parametrize('fit,n', [('logistic4', 3), ('logistic5', 3),
                                   ('logistic5', 4)])
def test_fewer_samples_than_fit_parameters(fit, n, logs):
    """3 samples with a 4-parameter fit used to raise SciPy's TypeError.
    Now: SRCC/KRCC reported, the fitted PLCC/RMSE NaN, and the raw PLCC/RMSE
    reported under their own labelled keys."""
    pred = np.array([0.2, 0.9, 0.4, 0.7])[:n]
    gt = np.array([1.5, 4.0, 2.0, 3.5])[:n]
    metric = QualityMetric(plcc_fit=fit)
    metric.process(None, _samples(pred, gt))
    out = metric.evaluate(n)
    _assert_nan(out, logs, n, f'needs at least {fit[-1]} samples',
                ('PLCC', 'RMSE'), ('SRCC', 'KRCC', 'PLCC_raw', 'RMSE_raw'))
    assert out['SRCC'] == pytest.approx(stats.spearmanr(pred, gt)[0])
    assert out['PLCC_raw'] == pytest.approx(stats.pearsonr(pred, gt)[0])
    assert out['RMSE_raw'] == pytest.approx(
        np.sqrt(np.mean((pred - gt)**2)))


def test_logistic5_values_against_scipy_refit(logs):
    """plcc_fit='logistic5': PLCC / RMSE of an independent curve_fit of the
    5-parameter form; the raw values under PLCC_raw / RMSE_raw."""
    rng = np.random.default_rng(3)
    pred = rng.uniform(0, 1, size=80)
    gt = 1 + 3 / (1 + np.exp(-8 * (pred - 0.5))) + 0.5 * pred + \
        0.1 * rng.normal(size=80)

    def five(t, a, b, c, d, e):
        return a * (0.5 - 1 / (1 + np.exp(b * (t - c)))) + d * t + e

    metric = QualityMetric(plcc_fit='logistic5')
    metric.process(None, [dict(pred_score=float(p), gt_score=float(g))
                          for p, g in zip(pred, gt)])
    out = metric.evaluate(80)
    p0 = [np.ptp(gt), 1 / np.std(pred), np.mean(pred), 0.0, np.mean(gt)]
    ref, _ = optimize.curve_fit(five, pred, gt, p0=p0, maxfev=10000)
    mapped = five(pred, *ref)
    assert out['PLCC'] == pytest.approx(stats.pearsonr(mapped, gt)[0],
                                        abs=1e-9)
    assert out['RMSE'] == pytest.approx(
        np.sqrt(np.mean((mapped - gt)**2)), abs=1e-7)
    assert out['PLCC_raw'] == pytest.approx(stats.pearsonr(pred, gt)[0])
    assert out['PLCC'] > out['PLCC_raw']
    assert any('plcc_fit = logistic5' in m for _, m in logs)


def test_bad_inputs():
    with pytest.raises(ValueError, match='plcc_fit'):
        QualityMetric(plcc_fit='linear')
    metric = QualityMetric()
    with pytest.raises(KeyError, match='pred_score'):
        metric.process(None, [dict(gt_score=1.0)])
    with pytest.raises(ValueError, match='one value'):
        metric.process(None, [dict(pred_score=torch.ones(2), gt_score=1.0)])


@pytest.mark.parametrize('fit', ['none', 'logistic4', 'logistic5'])
def test_writes_csv_and_png(tmp_path, fit):
    pred, gt = _data(40)
    metric = QualityMetric(plcc_fit=fit, out_dir=str(tmp_path), prefix='val')
    metric.process(None, _samples(pred, gt))
    metric.evaluate(40)
    with open(tmp_path / 'val_predictions.csv', newline='') as f:
        rows = list(csv.reader(f))
    header = ['path', 'gt', 'pred'] + (['pred_fitted']
                                       if fit != 'none' else [])
    assert rows[0] == header
    assert len(rows) == 41
    assert rows[1][0] == 'img_0.jpg'
    assert float(rows[3][1]) == pytest.approx(gt[2])
    png = (tmp_path / 'val_scatter.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n' and len(png) > 1000
    assert not [p for p in tmp_path.iterdir() if p.name.endswith('.tmp')]


def test_no_files_without_out_dir_or_when_disabled(tmp_path):
    pred, gt = _data(10)
    metric = QualityMetric(out_dir=str(tmp_path), save_predictions=False)
    metric.process(None, _samples(pred, gt))
    metric.evaluate(10)
    assert list(tmp_path.iterdir()) == []
