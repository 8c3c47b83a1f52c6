"""Pack the crops of one tile into an input tensor and a data sample."""
from typing import Sequence

import torch
from mmcv.transforms import BaseTransform
from mmpretrain.structures import DataSample

from qpt.registry import TRANSFORMS

__all__ = ['PackTileCrops']


@TRANSFORMS.register_module()
class PackTileCrops(BaseTransform):
    """Pack ``img`` (K, 3, H, W) uint8 crops for ``default_collate``.

    The collated batch is (B, K, 3, H, W) with B data samples;
    ``DegradationDataPreprocessor`` flattens it to B * K samples.

    **Required Keys:**

    - img (torch.Tensor): (K, 3, H, W) uint8.

    **Added Keys:**

    - inputs (torch.Tensor): ``img`` itself (contiguous).
    - data_samples (DataSample): with the ``meta_keys`` found in results.

    Args:
        meta_keys (sequence[str]): keys copied into the data sample's
            metainfo when present.
    """

    DEFAULT_META_KEYS = ('sample_idx', 'tile_key', 'source', 'crop_boxes',
                         'flips', 'degradation_params', 'bytes_read')

    def __init__(self, meta_keys: Sequence[str] = DEFAULT_META_KEYS) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        img = results['img']
        if not isinstance(img, torch.Tensor) or img.dim() != 4 \
                or img.dtype != torch.uint8:
            raise TypeError(f"{type(self).__name__}: results['img'] must be "
                            'a (K, 3, H, W) uint8 tensor (RandomTileCrops)')
        sample = DataSample()
        sample.set_metainfo(
            {k: results[k]
             for k in self.meta_keys if k in results})
        return dict(inputs=img.contiguous(), data_samples=sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'
