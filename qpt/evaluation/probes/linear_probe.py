"""Ridge regression with photo-grouped cross-validation, and its SRCCs.

The probe's question: do frozen features predict how strongly a photo was
degraded, on photos the regressor never saw? For one ladder type, X holds
the features of every rung of every photo, y the severities, groups the
photo of each row.

Decisions:
- Ridge in closed form (numpy). Features are standardised with the mean
  and std of the training fold only (a constant feature gets std 1); the
  target is centred on the training fold; the intercept is not penalised.
  The solve uses the dual form ``w = Xs^T (Xs Xs^T + lam I)^-1 yc`` (fewer
  rows than features: about 40 rows, 1344 features).
- Outer loop: leave one photo out (``num_folds=None``) or ``num_folds``
  folds of whole photos (photos sorted, dealt round-robin). Every row gets
  exactly one out-of-fold prediction.
- Ridge strength: chosen per outer fold by an inner leave-one-photo-out
  over the training photos, minimising the mean squared error, among
  :data:`DEFAULT_LAMBDAS` (ties go to the larger strength). With a single
  strength given, it is used as is.
- SRCC (``scipy.stats.spearmanr``): per held-out photo over its rungs, and
  their median; pooled over all out-of-fold predictions. A constant
  prediction ranks nothing: its SRCC is reported as 0, not NaN.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy.stats import spearmanr

__all__ = [
    'DEFAULT_LAMBDAS', 'ridge_fit', 'ridge_predict', 'photo_folds',
    'choose_lambda', 'grouped_cv_predict', 'srcc', 'probe_srcc'
]

#: Ridge strengths searched by the inner CV (features standardised).
DEFAULT_LAMBDAS: Tuple[float, ...] = (1e-1, 1., 1e1, 1e2, 1e3, 1e4, 1e5)

Ridge = Tuple[np.ndarray, np.ndarray, np.ndarray, float]


def ridge_fit(X: np.ndarray, y: np.ndarray, lam: float) -> Ridge:
    """Fit ridge on standardised features.

    Args:
        X: (n, d) features.
        y: (n,) targets.
        lam: ridge strength (> 0) on the standardised scale.

    Returns:
        ``(mean (d,), std (d,), w (d,), b)``: predict with
        ``((X - mean) / std) @ w + b``.
    """
    X = np.asarray(X, np.float64)
    y = np.asarray(y, np.float64)
    if X.ndim != 2 or y.shape != (X.shape[0], ):
        raise ValueError(f'X must be (n, d) and y (n,), got {X.shape} and '
                         f'{y.shape}')
    if lam <= 0:
        raise ValueError(f'the ridge strength must be > 0, got {lam}')
    mean = X.mean(0)
    std = X.std(0)
    std = np.where(std > 1e-12 * max(1., float(np.abs(mean).max())), std,
                   1.)
    Xs = (X - mean) / std
    b = float(y.mean())
    yc = y - b
    gram = Xs @ Xs.T
    alpha = np.linalg.solve(gram + lam * np.eye(len(y)), yc)
    return mean, std, Xs.T @ alpha, b


def ridge_predict(model: Ridge, X: np.ndarray) -> np.ndarray:
    """(n, d) features -> (n,) predictions of a :func:`ridge_fit` model."""
    mean, std, w, b = model
    return ((np.asarray(X, np.float64) - mean) / std) @ w + b


def photo_folds(groups: Sequence[str],
                num_folds: Optional[int] = None) -> List[np.ndarray]:
    """Boolean test masks, one per fold, each holding whole photos.

    ``num_folds=None``: one fold per photo. Otherwise the sorted photos are
    dealt round-robin to ``num_folds`` folds.
    """
    groups = np.asarray(groups)
    photos = sorted(set(groups.tolist()))
    if len(photos) < 2:
        raise ValueError(f'grouped CV needs at least 2 photos, got '
                         f'{len(photos)}')
    if num_folds is None or num_folds >= len(photos):
        return [groups == p for p in photos]
    if num_folds < 2:
        raise ValueError(f'num_folds must be >= 2, got {num_folds}')
    fold_of = {p: i % num_folds for i, p in enumerate(photos)}
    ids = np.array([fold_of[g] for g in groups.tolist()])
    return [ids == k for k in range(num_folds)]


def choose_lambda(X: np.ndarray, y: np.ndarray, groups: Sequence[str],
                  lambdas: Sequence[float] = DEFAULT_LAMBDAS) -> float:
    """The strength with the least inner leave-one-photo-out MSE (ties: the
    larger strength)."""
    if len(lambdas) == 1:
        return float(lambdas[0])
    folds = photo_folds(groups)
    best, best_err = None, np.inf
    for lam in sorted(lambdas, reverse=True):
        err = 0.
        for test in folds:
            model = ridge_fit(X[~test], y[~test], lam)
            err += float(((ridge_predict(model, X[test]) - y[test])**2).sum())
        if err < best_err * (1 - 1e-9):
            best, best_err = float(lam), err
    return best


def grouped_cv_predict(X: np.ndarray,
                       y: np.ndarray,
                       groups: Sequence[str],
                       lambdas: Sequence[float] = DEFAULT_LAMBDAS,
                       num_folds: Optional[int] = None
                       ) -> Tuple[np.ndarray, List[float]]:
    """Out-of-fold ridge predictions with whole photos held out.

    Args:
        X: (n, d) features; y: (n,) targets; groups: (n,) photo names.
        lambdas: candidate strengths (inner CV), or one fixed strength.
        num_folds: outer folds (``None``: leave one photo out).

    Returns:
        ``(pred (n,), chosen strength per outer fold)``.
    """
    X = np.asarray(X, np.float64)
    y = np.asarray(y, np.float64)
    groups = np.asarray(groups)
    pred = np.full(len(y), np.nan)
    chosen = []
    for test in photo_folds(groups, num_folds):
        train = ~test
        if len(set(groups[train].tolist())) >= 2:
            lam = choose_lambda(X[train], y[train], groups[train], lambdas)
        else:
            lam = float(sorted(lambdas)[len(lambdas) // 2])
        chosen.append(lam)
        pred[test] = ridge_predict(ridge_fit(X[train], y[train], lam),
                                   X[test])
    return pred, chosen


def srcc(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho (scipy); 0 where either side is constant."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.
    return float(spearmanr(a, b)[0])


def probe_srcc(y: np.ndarray, pred: np.ndarray,
               groups: Sequence[str]) -> Dict[str, object]:
    """SRCC of out-of-fold predictions against the severities.

    Returns:
        ``per_photo`` (photo -> SRCC over its rungs), ``median`` (of the
        per-photo values) and ``pooled`` (over all rows).
    """
    groups = np.asarray(groups)
    per_photo = {
        p: srcc(y[groups == p], pred[groups == p])
        for p in sorted(set(groups.tolist()))
    }
    return dict(
        per_photo=per_photo,
        median=float(np.median(list(per_photo.values()))),
        pooled=srcc(y, pred))
