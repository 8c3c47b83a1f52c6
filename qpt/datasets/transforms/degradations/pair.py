"""The pretraining two-view wrapper: degraded input + reconstruction target."""
import zlib
from typing import Callable, Optional, Union

import numpy as np
from mmcv.transforms import BaseTransform

from qpt.registry import TRANSFORMS
from .base import PARAMS_KEY, check_rgb_uint8

__all__ = ['DegradationPair']


@TRANSFORMS.register_module()
class DegradationPair(BaseTransform):
    """Turn one clean crop into the (encoder input, target) pair of QPT V2.

    A copy of the clean image is kept, ``degradation`` is applied to produce
    the encoder input, and ``results['img']`` becomes a list of two
    (H, W, 3) uint8 arrays:

    - view 0: the degraded image, fed to the encoder;
    - view 1: the reconstruction target, the clean image
      (``target='clean'``, the default: the reading of secondary sources
      that QPT V2 reconstructs pristine content from distorted input) or
      a copy of the degraded image (``target='degraded'``).

    ``degradation=None`` applies no degradation (ablation): both views are
    the clean crop. Place it after cropping/flipping and before
    ``PackInputs``, which packs the list into a list of two (3, H, W)
    tensors.

    With ``seed`` set (the held-out pipelines), the degradation of a sample
    is a function of ``(seed, sample_idx)`` only: numpy's global RNG, from
    which every degradation draws its parameters, is seeded from the pair
    around the degradation call and restored afterwards, so two evaluations
    of one checkpoint see the same degraded images, whatever the order,
    batch, worker or process, and the training randomness is untouched.

    **Required Keys:**

    - img (np.ndarray): (H, W, 3) uint8 RGB image (the clean crop).
    - sample_idx (int): with ``seed`` only: the dataset index (MMEngine's
      ``BaseDataset`` sets it); without it, ``img_path`` (its CRC-32) keys
      the sample instead.

    **Modified Keys:**

    - img: becomes ``[degraded, target]``.

    **Added Keys:**

    - degradation_params (list[dict]): the parameters drawn by the
      degradation (reset to an empty list first; empty for
      ``degradation=None``).

    Args:
        degradation (dict | callable | None): the degradation, as a config
            built from ``qpt.registry.TRANSFORMS`` (e.g. a
            ``SequentialDegradation``) or a transform object; None for no
            degradation. Required, so that "no degradation" is explicit.
        target (str): 'clean' or 'degraded'. Defaults to 'clean'.
        seed (int, optional): make each sample's degradation a function of
            ``(seed, sample_idx)`` (deterministic held-out data). None (the
            default, for training) draws from numpy's global RNG as it is.
    """

    TARGETS = ('clean', 'degraded')

    def __init__(self,
                 degradation: Optional[Union[dict, Callable]],
                 target: str = 'clean',
                 seed: Optional[int] = None) -> None:
        name = type(self).__name__
        if degradation is None or callable(degradation):
            self.degradation = degradation
        elif isinstance(degradation, dict):
            self.degradation = TRANSFORMS.build(degradation)
        else:
            raise TypeError(f'{name}: degradation must be a config dict, a '
                            f'callable transform or None, got '
                            f'{degradation!r}')
        if target not in self.TARGETS:
            raise ValueError(f'{name}: target must be one of {self.TARGETS}, '
                             f'got {target!r}')
        self.target = target
        if seed is not None and (isinstance(seed, bool)
                                 or not isinstance(seed, (int, np.integer))
                                 or seed < 0):
            raise TypeError(f'{name}: seed must be a non-negative integer or '
                            f'None, got {seed!r}')
        self.seed = None if seed is None else int(seed)

    def sample_key(self, results: dict) -> int:
        """The integer that, with ``seed``, fixes a sample's degradation:
        ``sample_idx``, else the CRC-32 of ``img_path``."""
        if results.get('sample_idx') is not None:
            return int(results['sample_idx'])
        if results.get('img_path') is not None:
            return zlib.crc32(str(results['img_path']).encode())
        raise KeyError(f'{type(self).__name__}: seed={self.seed} needs '
                       "results['sample_idx'] (or 'img_path') to key the "
                       'degradation of the sample')

    def degrade(self, results: dict) -> Optional[dict]:
        """Run the degradation, seeded per sample when ``seed`` is set."""
        if self.seed is None:
            return self.degradation(results)
        entropy = [self.seed, self.sample_key(results)]
        state = np.random.get_state()
        try:
            np.random.seed(np.random.SeedSequence(entropy).generate_state(4))
            return self.degradation(results)
        finally:
            np.random.set_state(state)

    def transform(self, results: dict) -> Optional[dict]:
        """Build ``results['img'] = [degraded, target]``."""
        name = type(self).__name__
        clean = check_rgb_uint8(results.get('img'), name)
        results[PARAMS_KEY] = []
        if self.degradation is None:
            degraded = clean.copy()
        else:
            results['img'] = clean.copy()  # a stage may work in place
            results = self.degrade(results)
            if results is None:
                return None
            degraded = check_rgb_uint8(results.get('img'), name)
            if degraded.shape != clean.shape:
                raise ValueError(
                    f'{name}: the degradation changed the image shape from '
                    f'{clean.shape} to {degraded.shape}')
        target = clean if self.target == 'clean' else degraded.copy()
        results['img'] = [degraded, target]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(degradation={self.degradation!r}, '
                f"target='{self.target}', seed={self.seed})")
