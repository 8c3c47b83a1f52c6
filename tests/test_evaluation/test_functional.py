"""Functional metrics agree with SciPy; the VQEG logistic fit is right."""
import numpy as np
import pytest
from scipy import optimize, stats

from qpt.evaluation.functional import (LogisticFitError, apply_logistic,
                                       fit_logistic, fit_logistic4,
                                       fit_logistic5, is_monotone, krcc,
                                       logistic4, logistic5, plcc, rmse, srcc)


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


def _five_param_data(seed=0, n=300):
    """A logistic plus a linear trend (what the 5-parameter form models)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 10, size=n)
    y = 60.0 / (1.0 + np.exp(-1.3 * (x - 4.0))) + 2.0 * x + 10.0
    return x, y + 2.0 * rng.normal(size=n)


def _five_param_ref(t, a, b, c, d, e):  # written out independently
    return a * (0.5 - 1.0 / (1.0 + np.exp(b * (t - c)))) + d * t + e


@pytest.mark.parametrize('sign', [1.0, -1.0])
def test_logistic5_fit_matches_direct_curve_fit(sign):
    x, y = _five_param_data(seed=5)
    x = sign * x  # a decreasing relation as well
    rho = stats.spearmanr(x, y)[0]
    p0 = [np.copysign(np.ptp(y), rho), 1 / np.std(x), np.mean(x), 0.0,
          np.mean(y)]
    ref, _ = optimize.curve_fit(_five_param_ref, x, y, p0=p0, maxfev=10000)
    ours = fit_logistic5(x, y)
    assert len(ours) == 5 and all(type(p) is float for p in ours)
    assert fit_logistic(x, y, kind='logistic5') == ours
    fitted_ref = _five_param_ref(x, *ref)
    np.testing.assert_allclose(logistic5(x, *ours), fitted_ref, atol=1e-6)
    np.testing.assert_allclose(
        apply_logistic(x, ours, 'logistic5'), fitted_ref, atol=1e-6)
    expected = stats.pearsonr(fitted_ref, y)[0]
    assert plcc(x, y, fit='logistic5') == pytest.approx(expected, abs=1e-9)
    assert rmse(x, y, fit='logistic5') == pytest.approx(
        np.sqrt(np.mean((fitted_ref - y)**2)), abs=1e-7)
    # the linear trend is something the 4-parameter form cannot follow
    assert rmse(x, y, fit='logistic5') < rmse(x, y, fit='logistic4')


def test_generic_api_equals_the_named_functions():
    x, y = _sigmoid_data(seed=11)
    b = fit_logistic(x, y)  # default kind: logistic4
    assert b == fit_logistic4(x, y)
    np.testing.assert_array_equal(
        apply_logistic(x, b, 'logistic4'), logistic4(x, *b))
    with pytest.raises(ValueError, match='kind must be one of'):
        fit_logistic(x, y, kind='logistic3')
    with pytest.raises(ValueError, match='takes 5 parameters'):
        apply_logistic(x, b, 'logistic5')
    with pytest.raises(ValueError, match='fit must be'):
        plcc(x, y, fit='logistic3')


@pytest.mark.parametrize('kind,n_params', [('logistic4', 4),
                                           ('logistic5', 5)])
def test_fewer_samples_than_parameters_is_a_clear_error(kind, n_params):
    """3 samples (the documented minimum of the metrics) used to reach
    SciPy and raise its TypeError."""
    x, y = [0.1, 0.5, 0.9, 1.3][:n_params - 1], [1.0, 2.0, 4.0, 4.5][:n_params
                                                                   - 1]
    with pytest.raises(LogisticFitError, match=f'at least {n_params}'):
        fit_logistic(x, y, kind)
    with pytest.raises(LogisticFitError):
        plcc(x, y, fit=kind)
    assert issubclass(LogisticFitError, RuntimeError)
    # exactly as many samples as parameters: an (exact) fit, not an error
    xs = np.linspace(0, 1, n_params)
    ys = np.array([1.0, 1.5, 3.5, 4.0, 4.2][:n_params])
    params = fit_logistic(xs, ys, kind)
    assert len(params) == n_params


def test_logistic5_formula_overflow_and_monotonicity():
    # centre: the logistic part is 0, leaving the linear term
    assert logistic5(2.0, 10.0, 3.0, 2.0, 0.5, 1.0) == pytest.approx(2.0)
    x = np.array([-1e6, 0.0, 1e6])
    with np.errstate(all='raise'):
        np.testing.assert_allclose(
            logistic5(x, 10, 1e3, 0, 0, 1), [-4, 1, 6])
    # (b1, b2) and (-b1, -b2) are the same curve
    t = np.linspace(-3, 3, 50)
    np.testing.assert_allclose(
        logistic5(t, 4, 2, 0.5, 0.1, 1), logistic5(t, -4, -2, 0.5, 0.1, 1))
    # closed-form check against a numerical derivative on a dense grid
    cases = [(4, 2, 0, 0.1, 0), (4, 2, 0, -0.5, 0), (4, 2, 0, -3.0, 0),
             (-4, 2, 0, 0.2, 0), (4, 2, 5, -0.5, 0)]
    grid = np.linspace(-3, 3, 20001)
    for params in cases:
        d = np.diff(logistic5(grid, *params))
        numeric = bool(np.all(d >= -1e-12) or np.all(d <= 1e-12))
        assert is_monotone(params, 'logistic5', -3, 3) is numeric, params
    assert is_monotone((5, 1, 0, 1), 'logistic4', -1, 1)
