"""Input checks shared by the functional metrics."""
from typing import Sequence, Tuple, Union

import numpy as np

ArrayLike = Union[Sequence[float], np.ndarray]


def as_pair(pred: ArrayLike, gt: ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
    """Validate and flatten a (prediction, target) pair to float64 ``(N,)``."""
    x = np.asarray(pred, dtype=np.float64)
    y = np.asarray(gt, dtype=np.float64)
    if x.ndim > 1 and x.size == max(x.shape):
        x = x.reshape(-1)
    if y.ndim > 1 and y.size == max(y.shape):
        y = y.reshape(-1)
    if x.ndim != 1 or y.ndim != 1:
        raise ValueError('expected 1-D predictions and targets, got shapes '
                         f'{x.shape} and {y.shape}')
    if x.shape[0] != y.shape[0]:
        raise ValueError(f'length mismatch: {x.shape[0]} predictions vs '
                         f'{y.shape[0]} targets')
    if x.shape[0] < 3:
        raise ValueError(f'at least 3 samples are needed, got {x.shape[0]}')
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError('predictions and targets must be finite')
    return x, y
