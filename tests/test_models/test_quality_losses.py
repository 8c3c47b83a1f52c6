"""Score losses against closed-form / numpy references."""
import itertools

import numpy as np
import pytest
import torch

from qpt.models.heads import QualityRegressionHead
from qpt.models.losses import (EMDLoss, PairwiseRankLoss, PLCCLoss,
                               ScoreL1Loss, ScoreMSELoss)
from qpt.registry import MODELS

RNG = np.random.default_rng(0)
PRED = RNG.uniform(0, 1, 12)
TARGET = RNG.uniform(0, 1, 12)


def _t(x, grad=False):
    return torch.tensor(x, dtype=torch.float64, requires_grad=grad)


def _check_grad(loss_fn, pred=PRED, target=TARGET, **kwargs):
    pred_t = _t(pred, grad=True)
    value = loss_fn(pred_t, _t(target), **kwargs)
    value.backward()
    assert value.dim() == 0
    assert torch.isfinite(pred_t.grad).all()
    assert pred_t.grad.abs().sum() > 0
    return value


def test_l1_and_mse_match_numpy():
    l1 = ScoreL1Loss(loss_weight=2.)(_t(PRED), _t(TARGET))
    mse = ScoreMSELoss(loss_weight=.5)(_t(PRED), _t(TARGET))
    assert l1.item() == pytest.approx(2 * np.abs(PRED - TARGET).mean())
    assert mse.item() == pytest.approx(.5 * ((PRED - TARGET)**2).mean())
    _check_grad(ScoreL1Loss())
    _check_grad(ScoreMSELoss())


def test_plcc_matches_numpy_and_is_scale_free():
    loss = PLCCLoss(eps=0.)
    r = np.corrcoef(PRED, TARGET)[0, 1]
    assert loss(_t(PRED), _t(TARGET)).item() == pytest.approx(1 - r)
    # invariant to an affine map of the predictions
    assert loss(_t(3 * PRED + 1), _t(TARGET)).item() == pytest.approx(1 - r)
    assert loss(_t(TARGET), _t(TARGET)).item() == pytest.approx(0, abs=1e-12)
    assert loss(_t(-TARGET), _t(TARGET)).item() == pytest.approx(2)
    # the default eps changes nothing measurable on spread-out scores
    assert PLCCLoss()(_t(PRED), _t(TARGET)).item() == pytest.approx(
        1 - r, abs=1e-6)
    _check_grad(PLCCLoss(loss_weight=3.))


def test_plcc_constant_predictions_and_single_sample():
    pred = _t(np.full(8, .5), grad=True)
    value = PLCCLoss()(pred, _t(TARGET[:8]))
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(pred.grad).all()
    one = _t([.3], grad=True)
    value = PLCCLoss()(one, _t([.7]))
    assert value.item() == 0
    value.backward()  # still on the graph
    assert one.grad is not None


def _rank_numpy(pred, target, margin=0., scale=False, tie=0.):
    terms = []
    for i, j in itertools.permutations(range(len(pred)), 2):
        gap = target[i] - target[j]
        if gap > tie:
            m = margin * gap if scale else margin
            terms.append(max(0., m - (pred[i] - pred[j])))
    return np.mean(terms)


@pytest.mark.parametrize('margin,scale', [(0., False), (.1, False),
                                          (.5, True)])
def test_rank_matches_pairwise_reference(margin, scale):
    loss = PairwiseRankLoss(margin=margin, scale_margin=scale)
    expected = _rank_numpy(PRED, TARGET, margin, scale)
    assert loss(_t(PRED), _t(TARGET)).item() == pytest.approx(expected)
    _check_grad(PairwiseRankLoss(margin=.2))


def test_rank_ordered_predictions_ties_and_degenerate_batches():
    loss = PairwiseRankLoss()
    assert loss(_t(TARGET * 2), _t(TARGET)).item() == 0  # same order
    target = np.array([.2, .2, .8])
    pred = np.array([.9, .1, .5])  # the tie (0, 1) must not count
    assert loss(_t(pred), _t(target)).item() == pytest.approx(
        _rank_numpy(pred, target))
    pred_t = _t([.1, .9], grad=True)
    tied = loss(pred_t, _t([.5, .5]))
    assert tied.item() == 0
    tied.backward()
    assert pred_t.grad is not None


def test_emd_known_histograms():
    K = 10
    first = torch.zeros(1, K, dtype=torch.float64)
    first[0, 0] = 1
    last = torch.zeros(1, K, dtype=torch.float64)
    last[0, -1] = 1
    score = torch.zeros(1, dtype=torch.float64)
    emd = EMDLoss(eps=0.)
    # all mass moved across the whole range: CDF gap 1 in K-1 of K bins
    assert emd(score, score, pred_hist=first, target_hist=last).item() == \
        pytest.approx(np.sqrt((K - 1) / K))
    assert emd(score, score, pred_hist=last, target_hist=last).item() == 0
    # one bin apart: CDF gap 1 in one bin
    second = torch.roll(first, 1, dims=1)
    assert emd(score, score, pred_hist=first,
               target_hist=second).item() == pytest.approx(np.sqrt(1 / K))
    # r = 1 is the mean absolute CDF gap
    assert EMDLoss(r=1., eps=0.)(score, score, pred_hist=first,
                                 target_hist=last).item() == \
        pytest.approx((K - 1) / K)


def test_emd_matches_numpy_and_normalises_counts():
    p = RNG.dirichlet(np.ones(10), size=6)
    counts = RNG.integers(0, 50, size=(6, 10)).astype(np.float64)
    t = counts / counts.sum(1, keepdims=True)
    ref = np.sqrt(((p.cumsum(1) - t.cumsum(1))**2).mean(1)).mean()
    score = torch.zeros(6, dtype=torch.float64)
    value = EMDLoss(loss_weight=2.)(score, score, pred_hist=_t(p),
                                    target_hist=_t(counts))
    assert value.item() == pytest.approx(2 * ref)
    logits = _t(np.log(p), grad=True)
    EMDLoss()(score, score, pred_hist=logits.softmax(-1),
              target_hist=_t(t)).backward()
    assert torch.isfinite(logits.grad).all() and logits.grad.abs().sum() > 0


def test_emd_errors_name_the_missing_histogram():
    score = torch.zeros(2)
    hist = torch.full((2, 10), .1)
    with pytest.raises(ValueError, match='pred_hist.*num_bins'):
        EMDLoss()(score, score, target_hist=hist)
    with pytest.raises(ValueError, match='target_hist.*gt_hist'):
        EMDLoss()(score, score, pred_hist=hist)
    with pytest.raises(ValueError, match='differ in shape'):
        EMDLoss()(score, score, pred_hist=hist, target_hist=hist[:, :5])


def test_shape_errors():
    with pytest.raises(ValueError, match=r'\(B,\)'):
        ScoreL1Loss()(torch.zeros(4, 1), torch.zeros(4))
    with pytest.raises(ValueError, match='target has 3'):
        PLCCLoss()(torch.zeros(4), torch.zeros(3))


def test_registry_names_and_combined_head():
    for name in ('ScoreL1Loss', 'ScoreMSELoss', 'PLCCLoss',
                 'PairwiseRankLoss', 'EMDLoss'):
        loss = MODELS.build(dict(type=name, loss_weight=.5))
        assert loss.loss_weight == .5 and loss.loss_name
    head = QualityRegressionHead(
        in_channels=8,
        loss=[
            dict(type='ScoreL1Loss'),
            dict(type='PLCCLoss', loss_weight=.5),
            dict(type='PairwiseRankLoss')
        ])
    feats = torch.randn(6, 8)
    target = torch.rand(6)
    losses = head.loss(head(feats), target)
    assert set(losses) == {'loss_score_l1', 'loss_plcc', 'loss_rank'}
    sum(losses.values()).backward()
    assert head.fc_cls[0].weight.grad.abs().sum() > 0

    hist_head = QualityRegressionHead(
        in_channels=8,
        num_bins=10,
        loss=[dict(type='EMDLoss'),
              dict(type='ScoreMSELoss')])
    gt_hist = torch.rand(6, 10)
    losses = hist_head.loss(hist_head(feats), target, gt_hist)
    assert set(losses) == {'loss_emd', 'loss_score_mse'}
    sum(losses.values()).backward()
    # a scalar head cannot feed EMD: the error says what to change
    emd_scalar = QualityRegressionHead(
        in_channels=8, loss=dict(type='EMDLoss'))
    with pytest.raises(ValueError, match='num_bins'):
        emd_scalar.loss(emd_scalar(feats), target, gt_hist)
