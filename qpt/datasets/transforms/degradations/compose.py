"""Compositions of degradations: the paper's sequential one and an advanced
(Real-ESRGAN-like) one."""
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from qpt.registry import TRANSFORMS
from .base import check_prob, check_rgb_uint8, record_params

__all__ = ['SequentialDegradation', 'AdvancedDegradation']

TransformLike = Union[dict, Callable[[dict], Optional[dict]]]


def build_transforms(transforms: Sequence[TransformLike],
                     owner: str,
                     name: str = 'transforms') -> List[Callable]:
    """Build a list of config dicts / callables into transforms."""
    if isinstance(transforms, (dict, str)) or not isinstance(
            transforms, Sequence) or len(transforms) == 0:
        raise TypeError(f'{owner}: {name} must be a non-empty list of '
                        f'transform configs or callables, got {transforms!r}')
    built = []
    for t in transforms:
        if isinstance(t, dict):
            built.append(TRANSFORMS.build(t))
        elif callable(t):
            built.append(t)
        else:
            raise TypeError(f'{owner}: each of {name} must be a config dict '
                            f'or a callable transform, got {t!r}')
    return built


def _run(stages: Sequence[Callable], order: Sequence[int],
         skipped: Optional[Sequence[bool]], results: dict) -> Optional[dict]:
    for i in order:
        if skipped is not None and skipped[i]:
            continue
        results = stages[i](results)
        if results is None:  # a stage dropped the sample
            return None
    return results


def _repr_list(stages: Sequence[Callable]) -> str:
    return '[' + ', '.join(repr(s) for s in stages) + ']'


@TRANSFORMS.register_module()
class SequentialDegradation(BaseTransform):
    """Apply degradations one after the other, optionally in random order.

    The paper's chosen composition is blurring and CST "sequentially in
    either order": ``transforms=[blur, cst]`` with ``random_order=True``
    applies blur -> CST or CST -> blur with equal probability, each stage
    with its own ``prob``.

    **Required Keys:**

    - img (np.ndarray): (H, W, 3) uint8 RGB image.

    **Modified Keys:**

    - img: the degraded image, same shape, uint8.

    **Added Keys:**

    - degradation_params (list[dict]): appends ``{'type':
      'SequentialDegradation', 'order': [stage indices in application
      order]}`` followed by each stage's own entry, in application order.

    Args:
        transforms (list[dict | callable]): the stages, as configs built from
            ``qpt.registry.TRANSFORMS`` or transform objects.
        random_order (bool): draw a random permutation of the stages per
            sample (uniform over all orders). Defaults to True.
    """

    def __init__(self,
                 transforms: Sequence[TransformLike],
                 random_order: bool = True) -> None:
        self.transforms = build_transforms(transforms, type(self).__name__)
        self.random_order = bool(random_order)

    @cache_randomness
    def get_params(self) -> Dict[str, Any]:
        """Draw the stage order: ``{'order': [int, ...]}``."""
        n = len(self.transforms)
        if self.random_order:
            order = [int(i) for i in np.random.permutation(n)]
        else:
            order = list(range(n))
        return dict(order=order)

    def transform(self, results: dict) -> Optional[dict]:
        """Apply the stages in the drawn order."""
        check_rgb_uint8(results.get('img'), type(self).__name__)
        params = self.get_params()
        record_params(results, dict(type=type(self).__name__, **params))
        return _run(self.transforms, params['order'], None, results)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}('
                f'transforms={_repr_list(self.transforms)}, '
                f'random_order={self.random_order})')


@TRANSFORMS.register_module()
class AdvancedDegradation(BaseTransform):
    """A Real-ESRGAN-like chain: random skipping, order and parameters, with
    optional second-order repetition.

    Per sample: each stage is skipped with probability ``skip_prob`` (a
    stage that is not skipped still applies its own ``prob``), the stages
    run in a random order if ``shuffle``, and every stage draws fresh random
    parameters. With probability ``second_order_prob`` the chain is run a
    second time on its own output — with ``second_order_transforms`` if
    given (e.g. milder ranges), else with the same stages, which draw new
    parameters — again with random skipping and order.

    **Required Keys:**

    - img (np.ndarray): (H, W, 3) uint8 RGB image.

    **Modified Keys:**

    - img: the degraded image, same shape, uint8.

    **Added Keys:**

    - degradation_params (list[dict]): appends ``{'type':
      'AdvancedDegradation', 'order', 'skipped', 'second_order',
      'second_order_order', 'second_order_skipped'}`` (``order``: stage
      indices in application order; ``skipped``: one bool per stage index;
      the ``second_order_*`` entries are None without a second pass),
      followed by the entries of the stages that ran, in application order.

    Args:
        transforms (list[dict | callable]): the first-order stages.
        skip_prob (float | list[float]): probability of skipping each stage;
            a list gives one value per stage (and then
            ``second_order_transforms``, if given, must have as many
            stages). Defaults to 0.2.
        shuffle (bool): random stage order per pass. Defaults to True.
        second_order_prob (float): probability of the second pass.
            Defaults to 0.5.
        second_order_transforms (list[dict | callable] | None): the stages of
            the second pass; None reuses ``transforms``. Defaults to None.
    """

    def __init__(self,
                 transforms: Sequence[TransformLike],
                 skip_prob: Union[float, Sequence[float]] = 0.2,
                 shuffle: bool = True,
                 second_order_prob: float = 0.5,
                 second_order_transforms: Optional[
                     Sequence[TransformLike]] = None) -> None:
        name = type(self).__name__
        self.transforms = build_transforms(transforms, name)
        self.second_order_transforms = None if second_order_transforms \
            is None else build_transforms(second_order_transforms, name,
                                          'second_order_transforms')
        n2 = len(self.second_order_transforms or self.transforms)
        if isinstance(skip_prob, Sequence) and not isinstance(skip_prob, str):
            if len(skip_prob) != len(self.transforms) or \
                    len(skip_prob) != n2:
                raise ValueError(
                    f'{name}: a list skip_prob needs one value per stage '
                    f'({len(self.transforms)} first-order, {n2} '
                    f'second-order), got {skip_prob!r}')
            self.skip_prob = [
                check_prob(p, 'skip_prob', name) for p in skip_prob
            ]
        else:
            self.skip_prob = check_prob(skip_prob, 'skip_prob', name)
        self.shuffle = bool(shuffle)
        self.second_order_prob = check_prob(second_order_prob,
                                            'second_order_prob', name)

    def _draw_pass(self, n: int) -> Dict[str, List]:
        if self.shuffle:
            order = [int(i) for i in np.random.permutation(n)]
        else:
            order = list(range(n))
        probs = self.skip_prob if isinstance(self.skip_prob, list) \
            else [self.skip_prob] * n
        skipped = [bool(np.random.rand() < p) for p in probs]
        return dict(order=order, skipped=skipped)

    @cache_randomness
    def get_params(self) -> Dict[str, Any]:
        """Draw the plan of both passes (order, skips, second pass or not)."""
        first = self._draw_pass(len(self.transforms))
        params = dict(
            order=first['order'],
            skipped=first['skipped'],
            second_order=bool(np.random.rand() < self.second_order_prob),
            second_order_order=None,
            second_order_skipped=None)
        if params['second_order']:
            second = self._draw_pass(
                len(self.second_order_transforms or self.transforms))
            params['second_order_order'] = second['order']
            params['second_order_skipped'] = second['skipped']
        return params

    def transform(self, results: dict) -> Optional[dict]:
        """Run the first pass and, if drawn, the second."""
        check_rgb_uint8(results.get('img'), type(self).__name__)
        params = self.get_params()
        record_params(results, dict(type=type(self).__name__, **params))
        results = _run(self.transforms, params['order'], params['skipped'],
                       results)
        if results is None or not params['second_order']:
            return results
        return _run(self.second_order_transforms or self.transforms,
                    params['second_order_order'],
                    params['second_order_skipped'], results)

    def __repr__(self) -> str:
        second = None if self.second_order_transforms is None else \
            _repr_list(self.second_order_transforms)
        return (f'{type(self).__name__}('
                f'transforms={_repr_list(self.transforms)}, '
                f'skip_prob={self.skip_prob}, shuffle={self.shuffle}, '
                f'second_order_prob={self.second_order_prob}, '
                f'second_order_transforms={second})')
