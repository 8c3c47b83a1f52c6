"""Functional metrics agree with SciPy; the VQEG logistic fit is right."""
import numpy as np
import pytest
from scipy import optimize, stats

from qpt.evaluation.functional import (fit_logistic4, krcc, logistic4, plcc,
                                       rmse, srcc)


def _pairs():
    """Random (pred, gt) pairs: continuous, heavily tied, mixed."""
    rng = np.random.default_rng(1234)
    for n in (3, 17, 250):
        x = rng.normal(size=n)
        yield x, 0.5 * x + rng.normal(size=n)
        # Ties in both: integer grades.
        xt = rng.integers(0, 5, size=n).astype(float)
        yt = np.round(xt + rng.normal(size=n))
        if np.ptp(xt) > 0 and np.ptp(yt) > 0:
            yield xt, yt
        yield rng.uniform(size=n), rng.integers(1, 4, size=n).astype(float)


@pytest.mark.parametrize('pair', list(_pairs()))
def test_agrees_with_scipy(pair):
    x, y = pair
    assert srcc(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-9)
    assert krcc(x, y) == pytest.approx(stats.kendalltau(x, y)[0], abs=1e-9)
    assert plcc(x, y) == pytest.approx(stats.pearsonr(x, y)[0], abs=1e-9)
    assert rmse(x, y) == pytest.approx(
        np.sqrt(np.mean((x - y)**2)), abs=1e-9)


def test_returns_python_floats_and_accepts_lists():
    x, y = [1.0, 2.0, 3.0, 4.0], [1, 3, 2, 4]
    for fn in (srcc, krcc, plcc, rmse):
        assert type(fn(x, y)) is float
    assert type(plcc(x, y, fit='logistic4')) is float
    assert all(type(p) is float for p in fit_logistic4(x, y))
    # Column vectors are flattened.
    assert srcc(np.asarray(x)[:, None], y) == srcc(x, y)


@pytest.mark.parametrize('fn', [srcc, krcc, plcc, rmse])
def test_input_errors(fn):
    with pytest.raises(ValueError, match='length mismatch'):
        fn([1, 2, 3], [1, 2, 3, 4])
    with pytest.raises(ValueError, match='at least 3'):
        fn([1, 2], [2, 1])
    with pytest.raises(ValueError, match='finite'):
        fn([1, 2, np.nan], [1, 2, 3])
    with pytest.raises(ValueError, match='1-D'):
        fn(np.ones((3, 3)), np.ones((3, 3)))


def test_bad_fit_mode():
    with pytest.raises(ValueError, match='fit must be'):
        plcc([1, 2, 3, 4], [1, 2, 3, 5], fit='linear')


def _sigmoid_data(seed=0, n=300):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, size=n)
    y = 1.0 + 4.0 / (1.0 + np.exp(-(x - 0.3) / 0.5))
    return x, y + 0.1 * rng.normal(size=n)


def test_logistic_fit_improves_plcc_on_monotone_nonlinear_relation():
    x, y = _sigmoid_data()
    raw, fitted = plcc(x, y), plcc(x, y, fit='logistic4')
    assert fitted > raw + 0.02
    assert fitted > 0.99
    assert rmse(x, y, fit='logistic4') < 0.5 * rmse(x, y)
    # Rank correlations do not change under a monotone map.
    b = fit_logistic4(x, y)
    assert srcc(logistic4(x, *b), y) == pytest.approx(srcc(x, y), abs=1e-12)


def test_logistic_fit_matches_direct_curve_fit():
    x, y = _sigmoid_data(seed=7)

    def four_param(t, a, b, c, d):  # written out independently
        return (a - b) / (1 + np.exp(-(t - c) / np.abs(d))) + b

    p0 = [np.max(y), np.min(y), np.mean(x), np.std(x)]
    ref, _ = optimize.curve_fit(four_param, x, y, p0=p0, maxfev=10000)
    ours = fit_logistic4(x, y)
    np.testing.assert_allclose(
        logistic4(x, *ours), four_param(x, *ref), atol=1e-6)
    np.testing.assert_allclose(ours[:3], ref[:3], rtol=1e-5, atol=1e-6)
    assert abs(ours[3]) == pytest.approx(abs(ref[3]), rel=1e-5)
    expected = stats.pearsonr(four_param(x, *ref), y)[0]
    assert plcc(x, y, fit='logistic4') == pytest.approx(expected, abs=1e-9)
    expected_rmse = np.sqrt(np.mean((four_param(x, *ref) - y)**2))
    assert rmse(x, y, fit='logistic4') == pytest.approx(
        expected_rmse, abs=1e-7)


def test_logistic_fit_handles_decreasing_relation():
    x, y = _sigmoid_data(seed=3)
    b = fit_logistic4(-x, y)
    assert b[0] < b[1]  # decreasing branch
    assert plcc(-x, y, fit='logistic4') == pytest.approx(
        plcc(x, y, fit='logistic4'), abs=1e-6)


def test_logistic4_formula_and_overflow():
    assert logistic4(0.3, 5.0, 1.0, 0.3, 0.5) == pytest.approx(3.0)
    # Same value for b4 and -b4 (|b4|), no overflow warnings far out.
    x = np.array([-1e6, 0.0, 1e6])
    with np.errstate(all='raise'):
        np.testing.assert_allclose(
            logistic4(x, 5, 1, 0, 1e-3), logistic4(x, 5, 1, 0, -1e-3))
        np.testing.assert_allclose(logistic4(x, 5, 1, 0, 1e-3), [1, 3, 5])
