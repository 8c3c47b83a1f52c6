"""Packing of quality samples: images (or crops) and their scores."""
from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmpretrain.structures import DataSample

from qpt.registry import TRANSFORMS

__all__ = ['PackQualityInputs']


@TRANSFORMS.register_module()
class PackQualityInputs(BaseTransform):
    """Pack an image (or a stack of crops) and its scores for the model.

    mmpretrain's ``PackInputs`` treats ``gt_score`` as a multi-label score
    vector; quality scores are scalars, so they get their own packer.

    Required Keys:
        - img: (H, W, 3) uint8, or a list / (K, H, W, 3) array of crops

    Optional Keys (copied as float tensors when present):
        - gt_score, gt_score_norm, gt_hist

    Added Keys:
        - inputs: (3, H, W) or (K, 3, H, W) uint8 tensor
        - data_samples: ``DataSample`` with the scores and ``meta_keys``

    Args:
        score_keys: result keys copied into the data sample as tensors.
        meta_keys: result keys copied into the data sample's metainfo.
    """

    def __init__(self,
                 score_keys: Sequence[str] = ('gt_score', 'gt_score_norm',
                                              'gt_hist'),
                 meta_keys: Sequence[str] = ('img_path', 'sample_idx',
                                             'ori_shape', 'img_shape')
                 ) -> None:
        self.score_keys = tuple(score_keys)
        self.meta_keys = tuple(meta_keys)

    @staticmethod
    def to_chw(img) -> torch.Tensor:
        """HWC (or K,H,W,C / list of HWC) uint8 -> CHW (or K,C,H,W)."""
        if isinstance(img, (list, tuple)):
            img = np.stack(img)
        arr = np.ascontiguousarray(np.moveaxis(np.asarray(img), -1, -3))
        return torch.from_numpy(arr)

    def transform(self, results: dict) -> dict:
        sample = DataSample()
        for key in self.score_keys:
            if key in results:
                sample.set_field(
                    torch.as_tensor(results[key], dtype=torch.float32), key)
        for key in self.meta_keys:
            if key in results:
                sample.set_field(results[key], key, field_type='metainfo')
        return dict(inputs=self.to_chw(results['img']), data_samples=sample)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(score_keys={self.score_keys}, '
                f'meta_keys={self.meta_keys})')
