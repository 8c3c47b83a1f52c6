"""QualityMetric: values, gathering, refusals, prediction files."""
import csv
import math

import numpy as np
import pytest
import torch
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


@pytest.mark.parametrize('fit', ['none', 'logistic4'])
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
    if fit == 'logistic4':
        assert out['PLCC'] > plcc(kept, gt)
        assert out['RMSE'] < rmse(kept, gt)
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


def _assert_refused(out, logs, n, reason):
    assert out == {'num_samples': n}
    assert all(not (isinstance(v, float) and math.isnan(v))
               for v in out.values())
    warnings = [m for level, m in logs if level >= 30]
    assert any(reason in m and 'not reported' in m for m in warnings), logs


def test_fewer_than_three_samples(logs):
    metric = QualityMetric(plcc_fit='logistic4')
    metric.process(None, _samples([1.0, 2.0], [2.0, 1.0]))
    _assert_refused(metric.evaluate(2), logs, 2, 'only 2 samples')


def test_constant_predictions_and_targets(logs):
    metric = QualityMetric()
    metric.process(None, _samples([0.5] * 8, np.arange(8.0)))
    _assert_refused(metric.evaluate(8), logs, 8, 'predictions are equal')
    metric.process(None, _samples(np.arange(8.0), [3.0] * 8))
    _assert_refused(metric.evaluate(8), logs, 8, 'targets are equal')


def test_nonfinite_predictions(logs):
    metric = QualityMetric()
    metric.process(None, _samples([0.1, float('nan'), 0.3, 0.4], [1, 2, 3, 4]))
    _assert_refused(metric.evaluate(4), logs, 4, 'not finite')


def test_bad_inputs():
    with pytest.raises(ValueError, match='plcc_fit'):
        QualityMetric(plcc_fit='linear')
    metric = QualityMetric()
    with pytest.raises(KeyError, match='pred_score'):
        metric.process(None, [dict(gt_score=1.0)])
    with pytest.raises(ValueError, match='one value'):
        metric.process(None, [dict(pred_score=torch.ones(2), gt_score=1.0)])


@pytest.mark.parametrize('fit', ['none', 'logistic4'])
def test_writes_csv_and_png(tmp_path, fit):
    pred, gt = _data(40)
    metric = QualityMetric(plcc_fit=fit, out_dir=str(tmp_path), prefix='val')
    metric.process(None, _samples(pred, gt))
    metric.evaluate(40)
    with open(tmp_path / 'val_predictions.csv', newline='') as f:
        rows = list(csv.reader(f))
    header = ['path', 'gt', 'pred'] + (['pred_fitted']
                                       if fit == 'logistic4' else [])
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
