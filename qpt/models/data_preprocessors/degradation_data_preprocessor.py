"""Pretraining data preprocessor that degrades the batch on the device."""
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.model import BaseDataPreprocessor
from mmpretrain.structures import DataSample

from qpt.datasets.transforms.degradations.base import (PARAMS_KEY,
                                                       BaseDegradation)
from qpt.datasets.transforms.degradations.blur import GaussianBlurDegradation
from qpt.datasets.transforms.degradations.color_space import \
    ColorSpaceTransform
from qpt.datasets.transforms.degradations.compose import SequentialDegradation
from qpt.registry import MODELS, TRANSFORMS
from .batch_degradations import (batch_color_space_transform,
                                 batch_gaussian_blur, stack_kernels)
from .imagenet_stats import IMAGENET_MEAN, IMAGENET_STD

__all__ = ['DegradationDataPreprocessor']

#: The CPU transforms with a batch-wise device form.
DEVICE_STAGES = (GaussianBlurDegradation, ColorSpaceTransform)


@MODELS.register_module()
class DegradationDataPreprocessor(BaseDataPreprocessor):
    """Make QPT V2's (degraded input, target) views on the device.

    The device side of the Real-ESRGAN split. Two kinds of batch:

    - **clean crops with parameters** (the fast path: ``RandomTileCrops`` ->
      ``DrawDegradationParams`` -> ``PackTileCrops``): inputs (B, K, 3, H,
      W) or (B, 3, H, W) uint8, each data sample holding
      ``degradation_params`` (K lists, or one). The batch is flattened to
      N = B * K samples, each degradation stage runs batch-wise on the
      samples that drew it, in every sample's own order, with the same math
      and 8-bit rounding as the CPU ``apply`` (at most one grey level apart;
      tested). The target is the clean crop (``target='clean'``) or the
      degraded one. Data sample ``b, k`` becomes sample ``b * K + k`` with
      ``sample_idx = sample_idx_b * K + k`` (so seeded masks differ between
      the crops of one tile), ``tile_idx = sample_idx_b``, its own
      ``crop_box``, ``flip`` and ``degradation_params``.
    - **views made on the CPU** (``DegradationPair`` pipelines, e.g. the
      held-out set): a list of (B, 3, H, W) views, only normalised.

    Both views are normalised with ``mean``/``std`` (RGB, 0-255 scale) and
    returned as ``[input, target]``, the layout ``QPTV2`` reads.

    Args:
        degradation (dict | callable | None): the same degradation config as
            the data side's ``DrawDegradationParams`` (a
            ``SequentialDegradation`` of ``GaussianBlurDegradation`` /
            ``ColorSpaceTransform`` stages, or one of them); its stage
            settings (LUTs, ``preserve_luminance``) are used here. None:
            only CPU-made views are accepted.
        target (str): 'clean' or 'degraded'. Defaults to 'clean'.
        mean, std: per-channel normalisation (RGB, 0-255).
        non_blocking: passed to ``BaseDataPreprocessor``.
    """

    TARGETS = ('clean', 'degraded')

    def __init__(self,
                 degradation: Optional[Union[dict, Callable]] = None,
                 target: str = 'clean',
                 mean: Sequence[float] = IMAGENET_MEAN,
                 std: Sequence[float] = IMAGENET_STD,
                 non_blocking: Optional[bool] = False) -> None:
        super().__init__(non_blocking)
        if target not in self.TARGETS:
            raise ValueError(f'target must be one of {self.TARGETS}, got '
                             f'{target!r}')
        self.target = target
        if isinstance(degradation, dict):
            degradation = TRANSFORMS.build(degradation)
        self.degradation = degradation
        stages = []
        if isinstance(degradation, SequentialDegradation):
            stages = list(degradation.transforms)
        elif isinstance(degradation, BaseDegradation):
            stages = [degradation]
        elif degradation is not None:
            raise TypeError(
                f'{type(self).__name__}: degradation must be a '
                'SequentialDegradation or a single degradation, got '
                f'{type(degradation).__name__}')
        for s in stages:
            if not isinstance(s, DEVICE_STAGES):
                raise NotImplementedError(
                    f'{type(self).__name__}: {type(s).__name__} has no '
                    'device form (supported: '
                    f'{", ".join(c.__name__ for c in DEVICE_STAGES)}); '
                    'apply it on the CPU with DegradationPair')
            # None reads the order the loader records: RGB on this path
            order = getattr(s, 'channel_order', None)
            if order not in (None, 'rgb'):
                raise ValueError(
                    f'{type(self).__name__}: {type(s).__name__} has '
                    f"channel_order={order!r}; device batches are RGB")
        self.stages = stages
        self.register_buffer('mean', torch.tensor(mean).view(-1, 1, 1),
                             False)
        self.register_buffer('std', torch.tensor(std).view(-1, 1, 1), False)
        self._luts: Dict[int, Tuple[torch.Tensor, torch.Tensor]] = {}

    # ------------------------------------------------------------- helpers
    def _normalize(self, x: torch.Tensor) -> torch.Tensor:
        return (x.float() - self.mean) / self.std

    def _stage_plan(self, entries: List[dict]) -> List[Tuple[int, dict]]:
        """[(stage index, params), ...] in application order."""
        if not entries:
            return []
        if isinstance(self.degradation, SequentialDegradation):
            head, rest = entries[0], entries[1:]
            if head.get('type') != 'SequentialDegradation' or \
                    len(rest) != len(head['order']):
                raise ValueError(
                    f'{type(self).__name__}: degradation_params {entries!r} '
                    'do not come from a SequentialDegradation of '
                    f'{len(self.stages)} stages')
            plan = list(zip(head['order'], rest))
        else:
            plan = [(0, entries[0])]
        for i, params in plan:
            name = type(self.stages[i]).__name__
            if params.get('type') != name:
                raise ValueError(
                    f'{type(self).__name__}: parameters of '
                    f'{params.get("type")} where the config has {name}: the '
                    'data side and the preprocessor use different '
                    'degradation configs')
        return plan

    def _luts_of(self, stage: ColorSpaceTransform, device) -> Tuple:
        key = id(stage)
        if key not in self._luts or self._luts[key][0].device != device:
            self._luts[key] = (
                torch.from_numpy(stage._decode_lut).to(device),
                torch.from_numpy(stage._encode_lut).to(device))
        return self._luts[key]

    def _apply_stage(self, stage, imgs: torch.Tensor,
                     params: List[dict]) -> torch.Tensor:
        if isinstance(stage, GaussianBlurDegradation):
            return batch_gaussian_blur(imgs, stack_kernels(params))
        mats = torch.from_numpy(
            np.stack([stage.color_matrix(p) for p in params]).astype(
                np.float32))
        dec, enc = self._luts_of(stage, imgs.device)
        return batch_color_space_transform(imgs, mats, dec, enc,
                                           stage.preserve_luminance)

    def degrade(self, imgs: torch.Tensor,
                params: Sequence[List[dict]]) -> torch.Tensor:
        """Apply per-sample parameter lists batch-wise.

        Args:
            imgs: (N, 3, H, W) uint8 clean images (RGB).
            params: N parameter lists (``DrawDegradationParams`` entries).

        Returns:
            (N, 3, H, W) uint8 degraded images.
        """
        if len(params) != imgs.shape[0]:
            raise ValueError(f'{len(params)} parameter lists for '
                             f'{imgs.shape[0]} images')
        if imgs.dtype != torch.uint8:
            raise TypeError(f'clean images must be uint8, got {imgs.dtype}')
        plans = [self._stage_plan(p) for p in params]
        out = imgs.clone()
        for step in range(max((len(p) for p in plans), default=0)):
            for i, stage in enumerate(self.stages):
                idx = [
                    n for n, plan in enumerate(plans) if len(plan) > step
                    and plan[step][0] == i and plan[step][1].get(
                        'applied', True)
                ]
                if not idx:
                    continue
                sel = torch.tensor(idx, device=out.device)
                out[sel] = self._apply_stage(
                    stage, out[sel], [plans[n][step][1] for n in idx])
        return out

    @staticmethod
    def _flatten_samples(samples: List[DataSample], k: int,
                         five_d: bool) -> List[DataSample]:
        out = []
        for b, s in enumerate(samples):
            meta = s.metainfo
            base = int(meta.get('sample_idx', b))
            for j in range(k):
                info = {
                    key: value
                    for key, value in meta.items()
                    if key not in ('crop_boxes', 'flips', PARAMS_KEY)
                }
                info.update(sample_idx=base * k + j if five_d else base,
                            tile_idx=base, crop_index=j)
                if 'crop_boxes' in meta:
                    info['crop_box'] = meta['crop_boxes'][j]
                if 'flips' in meta:
                    info['flip'] = meta['flips'][j]
                params = meta.get(PARAMS_KEY, [])
                info[PARAMS_KEY] = params[j] if five_d else params
                new = DataSample()
                new.set_metainfo(info)
                out.append(new)
        return out

    # ------------------------------------------------------------- forward
    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        inputs, samples = data['inputs'], data.get('data_samples')
        if isinstance(inputs, (list, tuple)):  # views made on the CPU
            views = [self._normalize(v) for v in inputs]
            return dict(inputs=views, data_samples=samples)
        if self.degradation is None:
            raise ValueError(f'{type(self).__name__}: a batch of clean crops '
                             'needs degradation= (the same config as the '
                             'data side)')
        if inputs.dim() not in (4, 5) or samples is None:
            raise ValueError(
                f'{type(self).__name__}: expected (B, K, 3, H, W) or (B, 3, '
                'H, W) clean crops with data samples holding '
                f'degradation_params, got shape {tuple(inputs.shape)}')
        five_d = inputs.dim() == 5
        k = inputs.shape[1] if five_d else 1
        clean = inputs.flatten(0, 1) if five_d else inputs
        samples = self._flatten_samples(samples, k, five_d)
        missing = [i for i, s in enumerate(samples) if PARAMS_KEY not in s]
        if missing:
            raise ValueError(f'{type(self).__name__}: data samples {missing} '
                             'lack degradation_params (DrawDegradationParams '
                             'and PackTileCrops must be in the pipeline)')
        degraded = self.degrade(clean, [s.get(PARAMS_KEY) for s in samples])
        target = clean if self.target == 'clean' else degraded
        return dict(
            inputs=[self._normalize(degraded),
                    self._normalize(target)],
            data_samples=samples)
