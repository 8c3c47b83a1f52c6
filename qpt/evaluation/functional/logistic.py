"""The 4-parameter logistic mapping of VQEG for PLCC / RMSE after a fit.

Objective scores and subjective scores are rarely related linearly, so the
VQEG convention (VQEG Phase II FR-TV report, 2003) maps the predictions with a
monotone logistic function before computing PLCC and RMSE::

    f(x) = (b1 - b2) / (1 + exp(-(x - b3) / |b4|)) + b2

``b1`` and ``b2`` are the two asymptotes (upper and lower for an increasing
curve), ``b3`` the centre and ``|b4|`` the width (the absolute value keeps the
slope's sign in ``b1 - b2``, so a decreasing relation is fitted with
``b1 < b2``). The parameters are found by least squares
(:func:`scipy.optimize.curve_fit`).
"""
import warnings
from typing import Sequence, Tuple, Union

import numpy as np
from scipy import optimize, stats

from ._inputs import as_pair

__all__ = ['logistic4', 'fit_logistic4']

ArrayLike = Union[Sequence[float], np.ndarray]

# exp() of anything larger overflows float64; clipping the exponent at this
# value changes f(x) by less than 1e-300 relative.
_MAX_EXPONENT = 700.0


def logistic4(x: ArrayLike, b1: float, b2: float, b3: float,
              b4: float) -> np.ndarray:
    """Evaluate ``f(x) = (b1 - b2) / (1 + exp(-(x - b3) / |b4|)) + b2``.

    Args:
        x: predictions, any shape (``(N,)`` in practice).
        b1, b2, b3, b4: the logistic parameters (see the module docstring).

    Returns:
        np.ndarray: ``f(x)`` as float64, same shape as ``x``.
    """
    x = np.asarray(x, dtype=np.float64)
    width = max(abs(float(b4)), np.finfo(np.float64).tiny)
    z = np.clip(-(x - b3) / width, -_MAX_EXPONENT, _MAX_EXPONENT)
    return (b1 - b2) / (1.0 + np.exp(z)) + b2


def _initial_guess(x: np.ndarray, y: np.ndarray) -> Tuple[float, ...]:
    """Asymptotes at the target range, centre at the mean prediction.

    The asymptotes are ordered by the sign of the rank correlation, so the
    optimiser starts on the right (increasing or decreasing) branch.
    """
    rho = stats.spearmanr(x, y)[0]
    hi, lo = float(np.max(y)), float(np.min(y))
    if np.isfinite(rho) and rho < 0:
        hi, lo = lo, hi
    width = float(np.std(x)) or 1.0
    return hi, lo, float(np.mean(x)), width


def fit_logistic4(pred: ArrayLike,
                  gt: ArrayLike,
                  maxfev: int = 10000) -> Tuple[float, float, float, float]:
    """Least-squares fit of :func:`logistic4` mapping ``pred`` onto ``gt``.

    Initialisation: ``b1 = max(gt)``, ``b2 = min(gt)`` (swapped when the
    Spearman correlation is negative), ``b3 = mean(pred)``,
    ``b4 = std(pred)``.

    Args:
        pred: predictions, shape ``(N,)``, ``N >= 4`` recommended (4 free
            parameters); at least 3 are required.
        gt: subjective scores, shape ``(N,)``.
        maxfev: the most function evaluations :func:`curve_fit` may use.

    Returns:
        tuple: ``(b1, b2, b3, b4)`` as python floats.

    Raises:
        ValueError: on length mismatch, fewer than 3 samples or non-finite
            values.
        RuntimeError: when the optimiser does not converge.
    """
    x, y = as_pair(pred, gt)
    p0 = _initial_guess(x, y)
    with warnings.catch_warnings():
        # A covariance that cannot be estimated (N == 4, perfect fits) is
        # irrelevant here: only the parameters are used.
        warnings.simplefilter('ignore', optimize.OptimizeWarning)
        params, _ = optimize.curve_fit(
            logistic4, x, y, p0=p0, maxfev=int(maxfev))
    return tuple(float(p) for p in params)
