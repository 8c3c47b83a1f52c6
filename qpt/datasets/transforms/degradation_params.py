"""Draw degradation parameters on the data side, apply them on the device."""
from typing import Callable, List, Tuple, Union

from mmcv.transforms import BaseTransform

from qpt.registry import TRANSFORMS
from .degradations.base import PARAMS_KEY, BaseDegradation
from .degradations.compose import SequentialDegradation

__all__ = ['DrawDegradationParams', 'draw_degradation_params']


def draw_degradation_params(degradation: Callable,
                            img_shape: Tuple[int, ...]) -> List[dict]:
    """The parameter list one pass of ``degradation`` would record.

    The numpy RNG is consumed in the same order as the CPU transform does,
    so for one RNG state this equals the ``degradation_params`` that
    ``DegradationPair(degradation)`` records, and applying it (on the CPU or
    with ``DegradationDataPreprocessor``) gives the same image.

    Args:
        degradation: a built ``SequentialDegradation`` or single
            degradation (``BaseDegradation`` subclass).
        img_shape: (H, W, 3) of the image it will be applied to.

    Returns:
        ``[{'type': ..., ...}, ...]`` in application order.

    Raises:
        TypeError: a composition without a per-sample parameter split
            (e.g. ``AdvancedDegradation``): use the CPU pipeline for it.
    """
    if isinstance(degradation, SequentialDegradation):
        params = degradation.get_params()
        entries = [dict(type=type(degradation).__name__, **params)]
        for i in params['order']:
            entries += draw_degradation_params(degradation.transforms[i],
                                               img_shape)
        return entries
    if isinstance(degradation, BaseDegradation):
        params = degradation.get_params(img_shape)
        return [dict(type=type(degradation).__name__, **params)]
    raise TypeError(
        f'cannot draw parameters of {type(degradation).__name__} for '
        'device application: only SequentialDegradation and single '
        'degradations are supported (apply the others on the CPU with '
        'DegradationPair)')


@TRANSFORMS.register_module()
class DrawDegradationParams(BaseTransform):
    """Draw, without applying, one degradation per crop.

    The data side of the Real-ESRGAN split: the worker draws the cheap
    random parameters, ``DegradationDataPreprocessor`` (built with the same
    ``degradation`` config) applies them batch-wise on the device.

    **Required Keys:**

    - img (torch.Tensor): (K, 3, H, W) crops or (3, H, W) one image.

    **Added Keys:**

    - degradation_params (list): for (K, 3, H, W) crops a list of K
      parameter lists, else one parameter list; each parameter list is what
      ``DegradationPair`` records (``[{'type': ..., ...}, ...]``).

    Args:
        degradation (dict | callable): the degradation config (built from
            ``qpt.registry.TRANSFORMS``) or object.
    """

    def __init__(self, degradation: Union[dict, Callable]) -> None:
        self.degradation = TRANSFORMS.build(degradation) if isinstance(
            degradation, dict) else degradation
        # fail at build time, not in a worker
        if not isinstance(self.degradation,
                          (SequentialDegradation, BaseDegradation)):
            raise TypeError(
                f'{type(self).__name__}: {type(self.degradation).__name__} '
                'has no device application; use SequentialDegradation or a '
                'single degradation')

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.dim() == 4:
            shape = (int(img.shape[2]), int(img.shape[3]), 3)
            results[PARAMS_KEY] = [
                draw_degradation_params(self.degradation, shape)
                for _ in range(img.shape[0])
            ]
        else:
            shape = (int(img.shape[1]), int(img.shape[2]), 3)
            results[PARAMS_KEY] = draw_degradation_params(
                self.degradation, shape)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(degradation={self.degradation!r})'
