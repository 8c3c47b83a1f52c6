"""Frozen multi-scale features of a HiViT encoder for the quality probe.

Per image: the encoder's three stage maps (``forward`` with
``out_indices=(0, 1, 2)``: stage 1 (B, C1, H/4, W/4), stage 2
(B, C2, H/8, W/8), stage 3 (B, C3, H/16, W/16) after the final norm) are
each pooled over space by their mean and their standard deviation, giving
``2 * (C1 + C2 + C3)`` numbers (1344 for HiViT-T), averaged over a few fixed
crops. Standard deviations are taken over space (population std), so they
see the spread that blur removes and noise adds.

Crops: ``num_crops`` squares of ``crop_size`` spaced evenly along the long
side of the image and centred on its short side (one crop: the centre), so
the features depend only on the image. The image must be at least
``crop_size`` on both sides (resize it first; the probe tool resizes every
photo to a common short side).
"""
from typing import List, Sequence, Tuple

import numpy as np
import torch

from qpt.models.data_preprocessors.imagenet_stats import (IMAGENET_MEAN,
                                                          IMAGENET_STD)

__all__ = ['crop_offsets', 'pool_stage_maps', 'extract_features']


def crop_offsets(height: int, width: int, crop_size: int,
                 num_crops: int) -> List[Tuple[int, int]]:
    """(top, left) of the fixed crops (see the module docstring)."""
    if height < crop_size or width < crop_size:
        raise ValueError(f'image {height}x{width} is smaller than the '
                         f'{crop_size} px crop; resize it first')
    if num_crops < 1:
        raise ValueError(f'num_crops must be >= 1, got {num_crops}')
    long_side = max(height, width)
    span = long_side - crop_size
    if num_crops == 1:
        along = [span // 2]
    else:
        along = [round(i * span / (num_crops - 1)) for i in range(num_crops)]
    if height >= width:
        left = (width - crop_size) // 2
        return [(t, left) for t in along]
    top = (height - crop_size) // 2
    return [(top, a) for a in along]


def pool_stage_maps(maps: Sequence[torch.Tensor]) -> torch.Tensor:
    """Mean and std over space of each stage map.

    Args:
        maps: NCHW maps (B, C_i, H_i, W_i).

    Returns:
        (B, sum_i 2 * C_i): ``[mean_1, std_1, mean_2, std_2, ...]``.
    """
    parts = []
    for m in maps:
        flat = m.float().flatten(2)  # (B, C, H*W)
        parts += [flat.mean(2), flat.std(2, unbiased=False)]
    return torch.cat(parts, 1)


@torch.no_grad()
def extract_features(backbone: torch.nn.Module,
                     images: Sequence[np.ndarray],
                     crop_size: int = 224,
                     num_crops: int = 3,
                     batch_size: int = 16,
                     device: str = 'cpu') -> np.ndarray:
    """Frozen multi-scale features of each image.

    Args:
        backbone: a HiViT built with ``out_indices=(0, 1, 2)``; it is put in
            eval mode (no dropout, no drop-path).
        images: (H, W, 3) uint8 RGB arrays, each at least ``crop_size``.
        crop_size: side of the square crops (a multiple of 16).
        num_crops: crops per image, averaged.
        batch_size: crops per forward pass.
        device: where the encoder runs.

    Returns:
        (N, D) float64, D = 2 * (C1 + C2 + C3).
    """
    backbone.eval().to(device)
    mean = torch.tensor(IMAGENET_MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=device).view(1, 3, 1, 1)
    crops, owner = [], []
    for i, img in enumerate(images):
        h, w = img.shape[:2]
        for top, left in crop_offsets(h, w, crop_size, num_crops):
            crops.append(img[top:top + crop_size, left:left + crop_size])
            owner.append(i)
    pooled = []
    for start in range(0, len(crops), batch_size):
        batch = np.stack(crops[start:start + batch_size])  # (b, S, S, 3)
        x = torch.from_numpy(batch).to(device).permute(0, 3, 1, 2).float()
        maps = backbone((x - mean) / std)
        if len(maps) != 3:
            raise ValueError(f'the backbone returned {len(maps)} maps; build '
                             'it with out_indices=(0, 1, 2)')
        pooled.append(pool_stage_maps(maps).double().cpu())
    feats = torch.cat(pooled).numpy()
    owner = np.asarray(owner)
    out = np.zeros((len(images), feats.shape[1]))
    np.add.at(out, owner, feats)
    return out / np.bincount(owner, minlength=len(images))[:, None]
