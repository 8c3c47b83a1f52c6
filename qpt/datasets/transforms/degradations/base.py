"""Shared machinery of the image degradations.

Every degradation follows one split (after Real-ESRGAN): a cheap, random
``get_params`` (decorated with :func:`mmcv.transforms.utils.cache_randomness`)
draws the parameters of one sample from numpy's global RNG, and a
deterministic ``apply(img, params)`` applies them. The parameters are plain
Python numbers and lists, so they can be logged, replayed on the same image,
or applied batch-wise on a GPU later. Randomness that is too large to store
(a noise field) is represented by an integer ``seed`` drawn from the global
RNG, from which ``apply`` builds its own generator.

Channel order (decision). The maths of every degradation is written for
RGB: colour-space matrices, luma weights, HSV hue, JPEG's YCbCr, which
noise field goes to which channel. mmpretrain's / mmcv's
``LoadImageFromFile`` yields BGR, ours (``LoadImageRGB``) RGB, and the
array does not say which it is. So the order is explicit:

- qpt's loaders record ``results['channel_order'] = 'rgb'``;
- a *channel-sensitive* degradation (``channel_sensitive = True``: CST,
  colour jitter, JPEG, noise) takes ``channel_order=None | 'rgb' | 'bgr'``.
  ``None`` (default) reads ``results['channel_order']``; when neither says,
  ``transform`` raises a ValueError naming the transform (no guess). A
  setting that contradicts the recorded order is an error too;
- for BGR input the RGB maths runs on the channel-swapped image and the
  result is swapped back, so a BGR image gives exactly the channel-swapped
  result of its RGB version (same parameters). ``apply(img, params)`` is the
  RGB maths, unchanged (``apply(..., channel_order='bgr')`` for BGR arrays);
- channel-*insensitive* degradations (blur, sharpen, resize: the same
  operation on every channel, or symmetric in the channels) accept either
  order and need no setting.
"""
from numbers import Real
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

__all__ = [
    'BaseDegradation', 'ChannelSensitiveDegradation', 'check_rgb_uint8',
    'record_params',
    'check_channel_order', 'resolve_channel_order', 'CHANNEL_ORDER_KEY',
    'CHANNEL_ORDERS'
]

#: ``results`` key holding the list of parameter dicts drawn for a sample.
PARAMS_KEY = 'degradation_params'
#: ``results`` key naming the channel order of ``results['img']``.
CHANNEL_ORDER_KEY = 'channel_order'
#: Accepted channel orders.
CHANNEL_ORDERS = ('rgb', 'bgr')


def check_channel_order(value: Any, owner: str) -> Optional[str]:
    """``None``, ``'rgb'`` or ``'bgr'`` (lower-cased), or a ValueError."""
    if value is None:
        return None
    if not isinstance(value, str) or value.lower() not in CHANNEL_ORDERS:
        raise ValueError(f"{owner}: channel_order must be None, 'rgb' or "
                         f"'bgr', got {value!r}")
    return value.lower()


def resolve_channel_order(results: dict, channel_order: Optional[str],
                          owner: str) -> str:
    """The channel order of ``results['img']`` for a channel-sensitive
    transform (see the module docstring).

    Args:
        results: the pipeline dict; ``results['channel_order']`` is read.
        channel_order: the transform's setting (None: not set).
        owner: the transform's name, for the error message.

    Returns:
        ``'rgb'`` or ``'bgr'``.

    Raises:
        ValueError: neither says, or they disagree.
    """
    recorded = results.get(CHANNEL_ORDER_KEY)
    if recorded is not None:
        recorded = check_channel_order(
            recorded, f"{owner} (results['{CHANNEL_ORDER_KEY}'])")
    if channel_order is None and recorded is None:
        raise ValueError(
            f"{owner}: the channel order of results['img'] is unknown and "
            f'its result depends on it. Set channel_order on {owner} '
            "('bgr' after mmpretrain/mmcv's LoadImageFromFile, which "
            "yields BGR; 'rgb' for RGB arrays), or load with qpt's "
            f"LoadImageRGB, which records results['{CHANNEL_ORDER_KEY}'] "
            "= 'rgb'")
    if channel_order is not None and recorded is not None and \
            channel_order != recorded:
        raise ValueError(
            f"{owner}: channel_order='{channel_order}' contradicts "
            f"results['{CHANNEL_ORDER_KEY}'] = '{recorded}' recorded by the "
            'loader; remove the setting or fix the loader')
    return channel_order or recorded


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
                integer: bool = False,
                positive: bool = False) -> Tuple[float, float]:
    """A (low, high) pair with ``low <= high`` inside [low, high] bounds.

    Args:
        value: the user's value, a sequence of two numbers.
        name: the argument name for the error message.
        owner: the transform's name for the error message.
        low: smallest allowed value (inclusive), or None.
        high: largest allowed value (inclusive), or None.
        integer: require integers and return ints.
        positive: require both values to be > 0 (a sigma, a gain).

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
    if positive and lo <= 0:
        raise ValueError(f'{owner}: {name} must be positive, got {value!r}')
    return lo, hi


def to_uint8(img: np.ndarray) -> np.ndarray:
    """Round and clip a float image to uint8."""
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


class BaseDegradation(BaseTransform):
    """Base class of a single random degradation of an RGB uint8 image.

    Subclasses implement ``_sample_params`` (random, cheap) and ``_apply``
    (deterministic, RGB maths). With probability ``1 - prob`` the image is
    left unchanged and the parameters are ``{'applied': False}``. A
    degradation whose result depends on the channel order derives from
    :class:`ChannelSensitiveDegradation` (module docstring).

    **Required Keys:**

    - img (np.ndarray): (H, W, 3) uint8 image, RGB (or BGR, see
      ``channel_order``).
    - channel_order (str, optional): ``'rgb'`` / ``'bgr'``, recorded by
      qpt's loaders; read by channel-sensitive subclasses when their
      ``channel_order`` is None.

    **Modified Keys:**

    - img: the degraded image, same shape and dtype.

    **Added Keys:**

    - degradation_params (list[dict]): one dict is appended per call:
      ``{'type': <class name>, 'applied': bool, <parameters>}``.

    Args:
        prob (float): probability of applying the degradation.
        channel_order (str | None): ``'rgb'``, ``'bgr'`` or None (read
            ``results['channel_order']``); only channel-sensitive subclasses
            use it.
    """

    #: Whether the result depends on which channel is red.
    channel_sensitive: bool = False

    def __init__(self,
                 prob: float = 1.0,
                 channel_order: Optional[str] = None) -> None:
        name = type(self).__name__
        self.prob = check_prob(prob, 'prob', name)
        self.channel_order = check_channel_order(channel_order, name)

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

    def apply(self,
              img: np.ndarray,
              params: Dict[str, Any],
              channel_order: str = 'rgb') -> np.ndarray:
        """Apply drawn parameters (deterministic).

        Args:
            img: (H, W, 3) uint8 image in ``channel_order``.
            params: a dict returned by :meth:`get_params`.
            channel_order: ``'rgb'`` (the maths as written) or ``'bgr'``
                (a channel-sensitive transform then computes on the swapped
                image and swaps back: exactly the swapped RGB result).

        Returns:
            (H, W, 3) uint8 image in the same order (``img`` itself if not
            applied).
        """
        name = type(self).__name__
        check_rgb_uint8(img, name)
        if check_channel_order(channel_order, name) is None:
            raise ValueError(f"{name}: apply needs channel_order 'rgb' or "
                             "'bgr', got None")
        if not params.get('applied', True):
            return img
        if channel_order == 'bgr' and self.channel_sensitive:
            out = self._apply(np.ascontiguousarray(img[..., ::-1]), params)
            return np.ascontiguousarray(out[..., ::-1])
        return self._apply(img, params)

    def transform(self, results: dict) -> dict:
        """Degrade ``results['img']`` and record the parameters."""
        name = type(self).__name__
        img = check_rgb_uint8(results.get('img'), name)
        order = resolve_channel_order(results, self.channel_order, name) \
            if self.channel_sensitive else 'rgb'
        params = self.get_params(img.shape)
        results['img'] = self.apply(img, params, channel_order=order)
        record_params(results, dict(type=name, **params))
        return results

    def _repr_args(self) -> str:
        """Constructor arguments after ``prob`` as ``'k=v, ...'``."""
        return ''

    def __repr__(self) -> str:
        args = self._repr_args()
        if self.channel_sensitive:
            order = None if self.channel_order is None else \
                f"'{self.channel_order}'"
            args = (f'{args}, ' if args else '') + f'channel_order={order}'
        return (f'{type(self).__name__}(prob={self.prob}'
                + (f', {args}' if args else '') + ')')


class ChannelSensitiveDegradation(BaseDegradation):
    """Base class of a degradation whose result depends on which channel is
    red (colour matrices, luma weights, HSV hue, JPEG's YCbCr).

    Its maths is written for RGB. The channel order of ``results['img']``
    is ``channel_order`` or, when that is None, ``results['channel_order']``
    (recorded by qpt's loaders); when neither says, or they disagree,
    ``transform`` raises a ValueError naming the transform. A BGR image is
    degraded as its channel-swapped RGB version and swapped back (see the
    module docstring).

    **Required Keys:**

    - img (np.ndarray): (H, W, 3) uint8 image, RGB or BGR.
    - channel_order (str, optional): read when ``channel_order`` is None.

    Args:
        prob (float): probability of applying the degradation.
        channel_order (str | None): ``'rgb'``, ``'bgr'`` or None (default:
            read ``results['channel_order']``, which qpt's loaders record;
            an error if absent).
    """

    channel_sensitive = True
