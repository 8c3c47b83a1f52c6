"""Logistic mappings of predictions onto subjective scores (VQEG / LIVE).

Objective and subjective scores are rarely related linearly, so PLCC and
RMSE are conventionally computed after mapping the predictions with a
monotone logistic function fitted onto the subjective scores by least
squares (:func:`scipy.optimize.curve_fit`). Two forms are offered:

``'logistic4'`` (VQEG Phase II FR-TV report, 2003)::

    f(x) = (b1 - b2) / (1 + exp(-(x - b3) / |b4|)) + b2

``b1`` and ``b2`` are the two asymptotes (upper and lower for an increasing
curve), ``b3`` the centre and ``|b4|`` the width (the absolute value keeps
the slope's sign in ``b1 - b2``, so a decreasing relation is fitted with
``b1 < b2``). Always monotone.

``'logistic5'`` (VQEG Phase I, used by the LIVE, CSIQ and TID2013
comparisons in the literature)::

    f(x) = b1 * (0.5 - 1 / (1 + exp(b2 * (x - b3)))) + b4 * x + b5

a logistic of height ``b1``, slope ``b2`` and centre ``b3`` plus a linear
term ``b4 * x + b5``. ``(b1, b2)`` and ``(-b1, -b2)`` give the same curve.
It is monotone where ``f'(x) = b1 * b2 * s * (1 - s) + b4`` (``s`` the
logistic at ``x``) keeps one sign, which a fit does not guarantee; see
:func:`is_monotone`.

Functional API (used by ``QualityMetric`` and by calibration code that
stores a mapping with a checkpoint)::

    params = fit_logistic(pred, mos, kind='logistic5')   # tuple of floats
    mapped = apply_logistic(pred, params, kind='logistic5')
    ok = is_monotone(params, 'logistic5', pred.min(), pred.max())

``params`` is a plain tuple of python floats (4 or 5), so
``dict(kind=kind, params=list(params))`` is a JSON/checkpoint-safe record of
the mapping. :func:`logistic4` / :func:`fit_logistic4` and
:func:`logistic5` / :func:`fit_logistic5` are the same functions for one
form each.

A fit needs at least as many samples as the form has parameters (4 or 5);
with fewer, or when the optimiser does not converge or returns non-finite
parameters, :class:`LogisticFitError` is raised (a ``RuntimeError``), never
a SciPy ``TypeError``. Callers that must report something
(``QualityMetric``) catch it and say so.
"""
import warnings
from typing import Callable, Dict, Sequence, Tuple, Union

import numpy as np
from scipy import optimize, stats

from ._inputs import as_pair

__all__ = [
    'LOGISTIC_KINDS', 'PLCC_FITS', 'LogisticFitError', 'logistic4',
    'logistic5', 'fit_logistic', 'fit_logistic4', 'fit_logistic5',
    'apply_logistic', 'is_monotone', 'num_logistic_params'
]

ArrayLike = Union[Sequence[float], np.ndarray]

# exp() of anything larger overflows float64; clipping the exponent at this
# value changes f(x) by less than 1e-300 relative.
_MAX_EXPONENT = 700.0


class LogisticFitError(RuntimeError):
    """A logistic mapping could not be fitted (too few samples, no
    convergence, non-finite parameters)."""


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


def logistic5(x: ArrayLike, b1: float, b2: float, b3: float, b4: float,
              b5: float) -> np.ndarray:
    """Evaluate ``f(x) = b1 * (0.5 - 1 / (1 + exp(b2 * (x - b3)))) +
    b4 * x + b5``.

    Args:
        x: predictions, any shape (``(N,)`` in practice).
        b1, b2, b3, b4, b5: the parameters (see the module docstring).

    Returns:
        np.ndarray: ``f(x)`` as float64, same shape as ``x``.
    """
    x = np.asarray(x, dtype=np.float64)
    z = np.clip(b2 * (x - b3), -_MAX_EXPONENT, _MAX_EXPONENT)
    return b1 * (0.5 - 1.0 / (1.0 + np.exp(z))) + b4 * x + b5


def _guess4(x: np.ndarray, y: np.ndarray, rho: float) -> Tuple[float, ...]:
    """Asymptotes at the target range (ordered by the sign of the rank
    correlation), centre at the mean prediction, width its std."""
    hi, lo = float(np.max(y)), float(np.min(y))
    if rho < 0:
        hi, lo = lo, hi
    return hi, lo, float(np.mean(x)), float(np.std(x)) or 1.0


def _guess5(x: np.ndarray, y: np.ndarray, rho: float) -> Tuple[float, ...]:
    """Height = target range (signed by the rank correlation), slope =
    1 / std(pred), centre = mean(pred), no linear term, offset =
    mean(target)."""
    height = float(np.ptp(y)) or 1.0
    if rho < 0:
        height = -height
    std = float(np.std(x)) or 1.0
    return height, 1.0 / std, float(np.mean(x)), 0.0, float(np.mean(y))


_FORMS: Dict[str, Tuple[Callable[..., np.ndarray], Callable, int]] = {
    'logistic4': (logistic4, _guess4, 4),
    'logistic5': (logistic5, _guess5, 5),
}
LOGISTIC_KINDS = tuple(_FORMS)
# Every ``plcc_fit`` / ``fit`` value the metrics accept.
PLCC_FITS = ('none', ) + LOGISTIC_KINDS


def _form(kind: str):
    if kind not in _FORMS:
        raise ValueError(f'kind must be one of {LOGISTIC_KINDS}, got '
                         f'{kind!r}')
    return _FORMS[kind]


def num_logistic_params(kind: str) -> int:
    """Number of parameters of a logistic form (4 or 5)."""
    return _form(kind)[2]


def fit_logistic(pred: ArrayLike,
                 gt: ArrayLike,
                 kind: str = 'logistic4',
                 maxfev: int = 10000) -> Tuple[float, ...]:
    """Least-squares fit of a logistic mapping ``pred`` onto ``gt``.

    Initialisation: see ``_guess4`` / ``_guess5`` (asymptotes or height from
    the target range, ordered by the sign of the Spearman correlation so the
    optimiser starts on the right branch; centre ``mean(pred)``).

    Args:
        pred: predictions, shape ``(N,)``; at least as many as the form has
            parameters (4 or 5), many more for a meaningful fit.
        gt: subjective scores, shape ``(N,)``.
        kind: ``'logistic4'`` or ``'logistic5'``.
        maxfev: the most function evaluations :func:`curve_fit` may use.

    Returns:
        tuple: the parameters ``(b1, ..., b4)`` or ``(b1, ..., b5)`` as
        python floats, for :func:`apply_logistic`.

    Raises:
        ValueError: on an unknown ``kind``, length mismatch, fewer than 3
            samples or non-finite values.
        LogisticFitError: fewer samples than parameters, no convergence, or
            non-finite parameters.
    """
    fn, guess, n_params = _form(kind)
    x, y = as_pair(pred, gt)
    if x.shape[0] < n_params:
        raise LogisticFitError(
            f'the {n_params}-parameter logistic needs at least {n_params} '
            f'samples, got {x.shape[0]}')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', stats.ConstantInputWarning)
        rho = stats.spearmanr(x, y)[0]
    p0 = guess(x, y, float(rho) if np.isfinite(rho) else 0.0)
    with warnings.catch_warnings():
        # A covariance that cannot be estimated (N == number of parameters,
        # perfect fits) is irrelevant here: only the parameters are used.
        warnings.simplefilter('ignore', optimize.OptimizeWarning)
        try:
            params, _ = optimize.curve_fit(
                fn, x, y, p0=p0, maxfev=int(maxfev))
        except RuntimeError as e:
            raise LogisticFitError(
                f'the {n_params}-parameter logistic fit did not converge: '
                f'{e}') from e
    if not np.all(np.isfinite(params)):
        raise LogisticFitError(f'the {n_params}-parameter logistic fit gave '
                               f'non-finite parameters {params.tolist()}')
    return tuple(float(p) for p in params)


def apply_logistic(x: ArrayLike, params: Sequence[float],
                   kind: str = 'logistic4') -> np.ndarray:
    """Map predictions with fitted parameters (of :func:`fit_logistic`).

    Args:
        x: predictions, any shape.
        params: 4 (``logistic4``) or 5 (``logistic5``) parameters.
        kind: the form the parameters belong to.

    Returns:
        np.ndarray: the mapped predictions, float64, same shape as ``x``.
    """
    fn, _, n_params = _form(kind)
    params = [float(p) for p in params]
    if len(params) != n_params:
        raise ValueError(f'{kind} takes {n_params} parameters, got '
                         f'{len(params)}')
    return fn(x, *params)


def is_monotone(params: Sequence[float], kind: str, lo: float,
                hi: float) -> bool:
    """Whether the mapping is monotone (non-strictly) on ``[lo, hi]``.

    ``logistic4`` always is. For ``logistic5`` the derivative
    ``b1 * b2 * s * (1 - s) + b4`` is checked at ``lo``, ``hi`` and the
    centre ``b3`` when it lies between them: ``s * (1 - s)`` is unimodal in
    ``x`` with its peak at ``b3``, so the derivative takes its extremes on
    ``[lo, hi]`` at those points and the check is exact.
    """
    _, _, n_params = _form(kind)
    if len(params) != n_params:
        raise ValueError(f'{kind} takes {n_params} parameters, got '
                         f'{len(params)}')
    if kind == 'logistic4':
        return True
    b1, b2, b3, b4, _ = (float(p) for p in params)
    lo, hi = float(min(lo, hi)), float(max(lo, hi))
    xs = np.array([lo, hi] + ([b3] if lo < b3 < hi else []))
    z = np.clip(b2 * (xs - b3), -_MAX_EXPONENT, _MAX_EXPONENT)
    s = 1.0 / (1.0 + np.exp(-z))
    slope = b1 * b2 * s * (1.0 - s) + b4
    return bool(np.all(slope >= 0) or np.all(slope <= 0))


def fit_logistic4(pred: ArrayLike,
                  gt: ArrayLike,
                  maxfev: int = 10000) -> Tuple[float, float, float, float]:
    """:func:`fit_logistic` with ``kind='logistic4'``: ``(b1, b2, b3, b4)``
    for :func:`logistic4` (initialisation ``b1 = max(gt)``, ``b2 = min(gt)``,
    swapped when the Spearman correlation is negative, ``b3 = mean(pred)``,
    ``b4 = std(pred)``)."""
    return fit_logistic(pred, gt, 'logistic4', maxfev)  # type: ignore


def fit_logistic5(
        pred: ArrayLike,
        gt: ArrayLike,
        maxfev: int = 10000) -> Tuple[float, float, float, float, float]:
    """:func:`fit_logistic` with ``kind='logistic5'``: ``(b1, ..., b5)`` for
    :func:`logistic5` (initialisation ``b1 = ptp(gt)``, negated when the
    Spearman correlation is negative, ``b2 = 1 / std(pred)``,
    ``b3 = mean(pred)``, ``b4 = 0``, ``b5 = mean(gt)``)."""
    return fit_logistic(pred, gt, 'logistic5', maxfev)  # type: ignore
