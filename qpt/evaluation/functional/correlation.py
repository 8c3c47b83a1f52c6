"""Agreement between predicted and subjective scores: SRCC, PLCC, KRCC, RMSE.

All functions take two 1-D array-likes of equal length (predictions first,
subjective scores second), need at least 3 samples and return python floats.
Ties are handled as SciPy does: SRCC on average ranks, KRCC is Kendall's
tau-b. A correlation of constant input is undefined and comes back as NaN
(SciPy's convention); callers that report numbers (``QualityMetric``) check
for constant input first.
"""
import warnings
from typing import Sequence, Union

import numpy as np
from scipy import stats

from ._inputs import as_pair
from .logistic import PLCC_FITS, apply_logistic, fit_logistic

__all__ = ['srcc', 'plcc', 'krcc', 'rmse']

ArrayLike = Union[Sequence[float], np.ndarray]
FIT_MODES = PLCC_FITS


def _mapped(x: np.ndarray, y: np.ndarray, fit: str) -> np.ndarray:
    if fit not in FIT_MODES:
        raise ValueError(f'fit must be one of {FIT_MODES}, got {fit!r}')
    if fit == 'none':
        return x
    return apply_logistic(x, fit_logistic(x, y, fit), fit)


def _quiet(fn, *args) -> float:
    """Call a SciPy statistic, returning NaN silently for constant input."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', stats.ConstantInputWarning)
        warnings.simplefilter('ignore', RuntimeWarning)
        return float(fn(*args)[0])


def srcc(pred: ArrayLike, gt: ArrayLike) -> float:
    """Spearman rank-order correlation, shape ``(N,)`` inputs."""
    x, y = as_pair(pred, gt)
    return _quiet(stats.spearmanr, x, y)


def krcc(pred: ArrayLike, gt: ArrayLike) -> float:
    """Kendall rank-order correlation (tau-b), shape ``(N,)`` inputs."""
    x, y = as_pair(pred, gt)
    return _quiet(stats.kendalltau, x, y)


def plcc(pred: ArrayLike, gt: ArrayLike, fit: str = 'none') -> float:
    """Pearson linear correlation, shape ``(N,)`` inputs.

    Args:
        pred: predictions.
        gt: subjective scores.
        fit: ``'none'`` for the raw predictions, ``'logistic4'`` /
            ``'logistic5'`` to map them with the 4- / 5-parameter logistic
            fitted onto ``gt`` first (:mod:`.logistic`).

    Raises:
        LogisticFitError: the fit is impossible (fewer samples than
            parameters) or fails.
    """
    x, y = as_pair(pred, gt)
    return _quiet(stats.pearsonr, _mapped(x, y, fit), y)


def rmse(pred: ArrayLike, gt: ArrayLike, fit: str = 'none') -> float:
    """Root-mean-square error, on the scale of ``gt``.

    With ``fit='logistic4'`` / ``'logistic5'`` the error is that of the
    fitted logistic mapping of the predictions (VQEG convention), otherwise
    of the raw predictions.
    """
    x, y = as_pair(pred, gt)
    return float(np.sqrt(np.mean((_mapped(x, y, fit) - y)**2)))
