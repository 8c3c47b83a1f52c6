"""Normalisation of image, multi-crop and video batches for scoring."""
from typing import Optional, Sequence

import torch
from mmengine.model import BaseDataPreprocessor

from qpt.registry import MODELS
from .imagenet_stats import IMAGENET_MEAN, IMAGENET_STD


@MODELS.register_module()
class QualityDataPreprocessor(BaseDataPreprocessor):
    """Cast to float and normalise with per-channel mean and std.

    Accepts the batches the quality pipelines produce (``default_collate``):

    - images (B, 3, H, W);
    - deterministic test crops (B, K, 3, H, W);
    - video clips (B, 3, T, H, W) or (B, K, 3, T, H, W) with ``video=True``.

    Channels are at dim -3 for images and crops, at dim -4 for video. Data
    samples pass through untouched (scores stay as the dataset wrote them).

    Args:
        mean: per-channel mean on the 0-255 scale (RGB).
        std: per-channel std on the 0-255 scale.
        video: inputs are clips (channels before time).
    """

    def __init__(self,
                 mean: Sequence[float] = IMAGENET_MEAN,
                 std: Sequence[float] = IMAGENET_STD,
                 video: bool = False,
                 non_blocking: Optional[bool] = False) -> None:
        super().__init__(non_blocking)
        self.video = video
        shape = (-1, 1, 1, 1) if video else (-1, 1, 1)
        self.register_buffer('mean', torch.tensor(mean).view(shape), False)
        self.register_buffer('std', torch.tensor(std).view(shape), False)

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        inputs = data['inputs']
        if isinstance(inputs, (list, tuple)):
            inputs = torch.stack(list(inputs))
        min_dim = 5 if self.video else 4
        if inputs.dim() < min_dim:
            raise ValueError(f'expected a batch of at least {min_dim} dims '
                             f'({"(B, 3, T, H, W)" if self.video else "(B, 3, H, W)"}), '
                             f'got shape {tuple(inputs.shape)}')
        inputs = (inputs.float() - self.mean) / self.std
        return dict(inputs=inputs, data_samples=data.get('data_samples'))
