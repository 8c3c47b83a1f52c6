"""Calibration: a monotone mapping from a scorer's raw outputs to a MOS scale.

A scorer's *raw score* is its head's normalised output before any mapping to
a dataset's scale (``pred_score_norm``; for a released QPT V2 checkpoint the
raw head output itself). Nobody knows how the released checkpoints were
normalised, so their raw scores are not on any MOS scale. A calibration fits
a logistic (:mod:`qpt.evaluation.functional.logistic`) from raw scores to the
MOS of a labelled set and is stored in the checkpoint's meta::

    meta['calibration'] = dict(
        kind='logistic4' | 'logistic5',
        params=[b1, ..., b4 or b5],       # python floats
        source='labels.csv',              # the label file's name (no path)
        n=N,                              # labelled images used
        srcc=..., plcc=...,               # of the mapped scores vs the MOS
        raw_range=[lo, hi],               # raw scores seen in the fit
        mos_range=[lo, hi])               # MOS of the labelled set

``tools/calibrate.py`` writes it; :func:`qpt.apis.init_model` reads it and
inference then reports the calibrated MOS beside the raw score. A
calibrated score is on *that labelled set's* scale: it says nothing about
another dataset's MOS.

``qpt.evaluation`` (SciPy, metric registration) is imported on first use,
so that importing :mod:`qpt.apis` stays free of side effects.
"""
from typing import Any, Dict, Mapping, Optional, Sequence

import numpy as np

__all__ = [
    'CALIBRATION_KEY', 'SCORE_SCALES', 'fit_calibration', 'check_calibration',
    'apply_calibration'
]

#: The key of the calibration record in a checkpoint's ``meta``.
CALIBRATION_KEY = 'calibration'

#: What a reported score is: ``'mos'`` the dataset's score range applied to
#: the normalised output (our fine-tuned checkpoints); ``'calibrated'`` a
#: stored calibration applied to the raw score; ``'raw'`` no MOS at all
#: (a released checkpoint without calibration).
SCORE_SCALES = ('mos', 'calibrated', 'raw')

_REQUIRED = ('kind', 'params', 'source', 'n')


def fit_calibration(raw: Sequence[float],
                    mos: Sequence[float],
                    kind: str = 'logistic4',
                    source: str = '') -> Dict[str, Any]:
    """Fit a monotone logistic from raw scores onto MOS.

    Args:
        raw: (N,) raw scores of the labelled images.
        mos: (N,) their subjective scores (MOS or DMOS; a decreasing
            relation is fitted as such).
        kind: ``'logistic4'`` (always monotone) or ``'logistic5'``.
        source: the label file's name, recorded.

    Returns:
        The calibration record (see the module doc).

    Raises:
        ValueError: mismatched or too few values, or a 5-parameter fit that
            is not monotone over the raw scores seen (use logistic4).
        LogisticFitError: the fit fails.
    """
    from qpt.evaluation.functional import (apply_logistic, fit_logistic,
                                           is_monotone, plcc, srcc)
    x = np.asarray(raw, dtype=np.float64).reshape(-1)
    y = np.asarray(mos, dtype=np.float64).reshape(-1)
    if x.shape != y.shape:
        raise ValueError(f'{x.size} raw scores but {y.size} labels')
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError('raw scores and labels must be finite')
    if np.ptp(x) == 0:
        raise ValueError('the raw scores are all equal: nothing to '
                         'calibrate (an untrained or broken model?)')
    params = fit_logistic(x, y, kind)
    lo, hi = float(x.min()), float(x.max())
    if not is_monotone(params, kind, lo, hi):
        raise ValueError(
            f'the {kind} fit is not monotone over the raw scores '
            f'[{lo:.4g}, {hi:.4g}]: it would reorder images; use '
            "--fit logistic4 (always monotone) or more labelled images")
    mapped = apply_logistic(x, params, kind)
    return dict(
        kind=kind,
        params=[float(p) for p in params],
        source=str(source),
        n=int(x.size),
        srcc=float(srcc(mapped, y)),
        plcc=float(plcc(mapped, y)),
        raw_range=[lo, hi],
        mos_range=[float(y.min()), float(y.max())])


def check_calibration(calibration: Any,
                      source: str = 'the checkpoint') -> Dict[str, Any]:
    """Validate a stored calibration record.

    Raises:
        ValueError: naming ``source`` and what is wrong.
    """
    from qpt.evaluation.functional import LOGISTIC_KINDS
    where = f'{source}: meta[{CALIBRATION_KEY!r}]'
    if not isinstance(calibration, Mapping):
        raise ValueError(f'{where} must be a dict, got '
                         f'{type(calibration).__name__}')
    missing = [k for k in _REQUIRED if k not in calibration]
    if missing:
        raise ValueError(f'{where} lacks {missing}')
    if calibration['kind'] not in LOGISTIC_KINDS:
        raise ValueError(f'{where}: kind must be one of {LOGISTIC_KINDS}, '
                         f'got {calibration["kind"]!r}')
    n_params = 4 if calibration['kind'] == 'logistic4' else 5
    params = calibration['params']
    if not isinstance(params, (list, tuple)) or len(params) != n_params \
            or not np.isfinite(np.asarray(params, dtype=np.float64)).all():
        raise ValueError(f'{where}: {calibration["kind"]} needs {n_params} '
                         f'finite params, got {params!r}')
    return dict(calibration)


def apply_calibration(calibration: Optional[Mapping[str, Any]],
                      raw: Sequence[float]) -> np.ndarray:
    """Map raw scores (N,) to the calibrated MOS (N,), float64."""
    from qpt.evaluation.functional import apply_logistic
    if calibration is None:
        raise ValueError('no calibration')
    return apply_logistic(
        np.asarray(raw, dtype=np.float64), calibration['params'],
        calibration['kind'])
