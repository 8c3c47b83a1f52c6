"""ReconstructionMetric: the mean held-out reconstruction loss."""
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmpretrain.structures import DataSample

from qpt.evaluation.metrics import ReconstructionMetric
from qpt.registry import METRICS


def _samples(values):
    """Data samples as ``QPTV2.predict`` returns them (0-d float tensors)."""
    out = []
    for v in values:
        sample = DataSample()
        sample.set_field(torch.tensor(v), 'recon_loss')
        out.append(sample.to_dict())
    return out


def test_mean_over_batches_by_hand():
    # two batches: (0.5 + 1.0 + 2.25 + 4.25) / 4 = 2.0
    evaluator = Evaluator(ReconstructionMetric())
    evaluator.process(_samples([0.5, 1.0]))
    evaluator.process(_samples([2.25, 4.25]))
    metrics = evaluator.evaluate(4)
    assert metrics == {'mim/recon_loss': pytest.approx(2.0),
                       'mim/num_samples': 4}


def test_the_mean_is_per_sample_not_per_batch():
    # a batch of one and a batch of three: per-sample mean (1 + 3*5) / 4 = 4,
    # a per-batch mean would give (1 + 5) / 2 = 3
    evaluator = Evaluator(ReconstructionMetric())
    evaluator.process(_samples([1.0]))
    evaluator.process(_samples([5.0, 5.0, 5.0]))
    assert evaluator.evaluate(4)['mim/recon_loss'] == pytest.approx(4.0)


@pytest.mark.parametrize('name', ['ReconstructionMetric',
                                  'ReconstructionLoss'])
def test_both_names_build_the_metric(name):
    """``ReconstructionLoss`` is the name configs used before the rename."""
    metric = METRICS.build(dict(type=name))
    assert type(metric) is ReconstructionMetric
    metric.process(None, _samples([3.0]))
    assert metric.compute_metrics(metric.results) == dict(
        recon_loss=3.0, num_samples=1)
