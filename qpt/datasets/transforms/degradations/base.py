"""Shared machinery of the image degradations.

Every degradation follows one split (after Real-ESRGAN): a cheap, random
``get_params`` (decorated with :func:`mmcv.transforms.utils.cache_randomness`)
draws the parameters of one sample from numpy's global RNG, and a
deterministic ``apply(img, params)`` applies them. The parameters are plain
Python numbers and lists, so they can be logged, replayed on the same image,
or applied batch-wise on a GPU later. Randomness that is too large to store
(a noise field) is represented by an integer ``seed`` drawn from the global
RNG, from which ``apply`` builds its own generator.
"""
from numbers import Real
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

__all__ = ['BaseDegradation', 'check_rgb_uint8', 'record_params']

#: ``results`` key holding the list of parameter dicts drawn for a sample.
PARAMS_KEY = 'degradation_params'


def check_rgb_uint8(img: Any, owner: str) -> np.ndarray:
    """Check that ``img`` is an (H, W, 3) uint8 array.

    Args:
        img: the value of ``results['img']``.
        owner: the transform's name, put in the error message.

    Returns:
        ``img`` unchanged.

    Raises:
        TypeError: not a numpy array, or not uint8.
        ValueError: not (H, W, 3) with H, W > 0.
    """
    if not isinstance(img, np.ndarray):
        raise TypeError(
            f"{owner}: results['img'] must be an (H, W, 3) uint8 RGB numpy "
            f'array, got {type(img).__name__}')
    if img.dtype != np.uint8:
        raise TypeError(
            f"{owner}: results['img'] must be uint8 (0..255), got dtype "
            f'{img.dtype}')
    if img.ndim != 3 or img.shape[2] != 3 or img.shape[0] == 0 \
            or img.shape[1] == 0:
        raise ValueError(
            f"{owner}: results['img'] must have shape (H, W, 3) (HWC RGB), "
            f'got shape {img.shape}')
    return img


def record_params(results: dict, entry: Dict[str, Any]) -> None:
    """Append one parameter dict to ``results['degradation_params']``."""
    results.setdefault(PARAMS_KEY, []).append(entry)


def check_prob(value: Any, name: str, owner: str) -> float:
    """A probability in [0, 1] as float, or a ValueError naming it."""
    if not isinstance(value, Real) or isinstance(value, bool) \
            or not 0. <= float(value) <= 1.:
        raise ValueError(f'{owner}: {name} must be a number in [0, 1], '
                         f'got {value!r}')
    return float(value)


def check_range(value: Any,
                name: str,
                owner: str,
                low: Optional[float] = None,
                high: Optional[float] = None,
                integer: bool = False) -> Tuple[float, float]:
    """A (low, high) pair with ``low <= high`` inside [low, high] bounds.

    Args:
        value: the user's value, a sequence of two numbers.
        name: the argument name for the error message.
        owner: the transform's name for the error message.
        low: smallest allowed value (inclusive), or None.
        high: largest allowed value (inclusive), or None.
        integer: require integers and return ints.

    Returns:
        The pair as a tuple of floats (ints if ``integer``).
    """
    ok = (isinstance(value, Sequence) and not isinstance(value, str)
          and len(value) == 2
          and all(isinstance(v, Real) and not isinstance(v, bool)
                  for v in value))
    if ok and integer:
        ok = all(float(v).is_integer() for v in value)
    if not ok:
        kind = 'integers' if integer else 'numbers'
        raise ValueError(f'{owner}: {name} must be a pair (low, high) of '
                         f'{kind}, got {value!r}')
    lo, hi = (int(v) for v in value) if integer else (float(v) for v in value)
    if lo > hi:
        raise ValueError(f'{owner}: {name} must have low <= high, got '
                         f'{value!r}')
    if (low is not None and lo < low) or (high is not None and hi > high):
        raise ValueError(f'{owner}: {name} must lie in [{low}, {high}], got '
                         f'{value!r}')
    return lo, hi


def to_uint8(img: np.ndarray) -> np.ndarray:
    """Round and clip a float image to uint8."""
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


class BaseDegradation(BaseTransform):
    """Base class of a single random degradation of an RGB uint8 image.

    Subclasses implement ``_sample_params`` (random, cheap) and ``_apply``
    (deterministic). With probability ``1 - prob`` the image is left
    unchanged and the parameters are ``{'applied': False}``.

    **Required Keys:**

    - img (np.ndarray): (H, W, 3) uint8 RGB image.

    **Modified Keys:**

    - img: the degraded image, same shape and dtype.

    **Added Keys:**

    - degradation_params (list[dict]): one dict is appended per call:
      ``{'type': <class name>, 'applied': bool, <parameters>}``.

    Args:
        prob (float): probability of applying the degradation.
    """

    def __init__(self, prob: float = 1.0) -> None:
        self.prob = check_prob(prob, 'prob', type(self).__name__)

    @cache_randomness
    def get_params(self, img_shape: Tuple[int, ...]) -> Dict[str, Any]:
        """Draw the parameters of one sample from ``np.random``.

        Args:
            img_shape: the image shape (H, W, 3).

        Returns:
            ``{'applied': bool, ...}``: plain Python numbers and lists.
        """
        if np.random.rand() >= self.prob:
            return dict(applied=False)
        params = dict(applied=True)
        params.update(self._sample_params(img_shape))
        return params

    def _sample_params(self, img_shape: Tuple[int, ...]) -> Dict[str, Any]:
        raise NotImplementedError

    def _apply(self, img: np.ndarray, params: Dict[str, Any]) -> np.ndarray:
        raise NotImplementedError

    def apply(self, img: np.ndarray, params: Dict[str, Any]) -> np.ndarray:
        """Apply drawn parameters (deterministic).

        Args:
            img: (H, W, 3) uint8 RGB image.
            params: a dict returned by :meth:`get_params`.

        Returns:
            (H, W, 3) uint8 RGB image (``img`` itself if not applied).
        """
        check_rgb_uint8(img, type(self).__name__)
        if not params.get('applied', True):
            return img
        return self._apply(img, params)

    def transform(self, results: dict) -> dict:
        """Degrade ``results['img']`` and record the parameters."""
        img = check_rgb_uint8(results.get('img'), type(self).__name__)
        params = self.get_params(img.shape)
        results['img'] = self.apply(img, params)
        record_params(results, dict(type=type(self).__name__, **params))
        return results

    def _repr_args(self) -> str:
        """Constructor arguments after ``prob`` as ``'k=v, ...'``."""
        return ''

    def __repr__(self) -> str:
        args = self._repr_args()
        return (f'{type(self).__name__}(prob={self.prob}'
                + (f', {args}' if args else '') + ')')
