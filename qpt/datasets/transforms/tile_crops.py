"""Several random crops (each with its own flip) from one decoded tile."""
from typing import Any, Dict, List, Tuple

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from qpt.registry import TRANSFORMS
from ..tiles import apply_orientation

__all__ = ['RandomTileCrops']


@TRANSFORMS.register_module()
class RandomTileCrops(BaseTransform):
    """Draw ``num_crops`` square crops inside the tile's safe box.

    Repeated sampling: one read and one decode give ``num_crops`` training
    samples, each with its own position and horizontal flip (and, further
    down, its own degradation and mask). Crop origins are uniform over the
    safe box (every crop there has the pixels of the full-image decode, see
    ``qpt.datasets.tiles.tile_grid``). Each crop is cut in the coded
    orientation, turned to the displayed orientation (EXIF, lossless), then
    flipped.

    Effect on batch diversity: a batch of ``B`` samples holds ``B /
    num_crops`` tiles, and crops of one tile overlap (two random 224 crops
    of a 512 px tile share about 36% of their area on average), but their
    flips, degradations and masks are independent. MAE for video uses
    repeated sampling 4 and reports no loss at equal samples seen; we did
    not measure the effect on QPT V2 (it is a recipe choice, stated in the
    config).

    **Required Keys:**

    - img (torch.Tensor): (3, h, w) uint8 tile, coded orientation.
    - tile_safe (tuple): (top, left, bottom, right) safe box in the tile.
    - tile_box (tuple): (y, x, h, w) of the tile in the coded source.
    - orientation (int): EXIF orientation of the source (1..8).

    **Modified Keys:**

    - img: (num_crops, 3, crop_size, crop_size) uint8 tensor, displayed
      orientation, flipped where drawn.
    - img_shape: (crop_size, crop_size).

    **Added Keys:**

    - crop_boxes (list): per crop ``[y, x]``, the top-left corner in the
      coded source (each crop is ``crop_size`` square).
    - flips (list[bool]): per crop, whether it was flipped horizontally.

    Args:
        crop_size (int): crop side in pixels. Defaults to 224.
        num_crops (int): crops per tile. Defaults to 4.
        flip_prob (float): probability of a horizontal flip per crop.
            Defaults to 0.5.
    """

    def __init__(self,
                 crop_size: int = 224,
                 num_crops: int = 4,
                 flip_prob: float = 0.5) -> None:
        if int(crop_size) < 1 or int(num_crops) < 1:
            raise ValueError(f'crop_size and num_crops must be positive, '
                             f'got {crop_size}, {num_crops}')
        if not 0. <= float(flip_prob) <= 1.:
            raise ValueError(f'flip_prob must be in [0, 1], got {flip_prob}')
        self.crop_size = int(crop_size)
        self.num_crops = int(num_crops)
        self.flip_prob = float(flip_prob)

    @cache_randomness
    def get_params(self, safe: Tuple[int, int, int, int]) -> Dict[str, Any]:
        """Draw crop origins (tile coordinates) and flips from np.random."""
        t, l, b, r = safe
        c = self.crop_size
        if b - t < c or r - l < c:
            raise ValueError(f'the safe box {safe} cannot hold a {c}-pixel '
                             'crop')
        tops = np.random.randint(t, b - c + 1, size=self.num_crops)
        lefts = np.random.randint(l, r - c + 1, size=self.num_crops)
        flips = np.random.rand(self.num_crops) < self.flip_prob
        return dict(
            origins=[(int(y), int(x)) for y, x in zip(tops, lefts)],
            flips=[bool(f) for f in flips])

    def transform(self, results: dict) -> dict:
        img = results['img']
        if not isinstance(img, torch.Tensor) or img.dim() != 3 \
                or img.shape[0] != 3:
            raise TypeError(f"{type(self).__name__}: results['img'] must be "
                            'a (3, h, w) tensor (DecodeTile), got '
                            f'{type(img).__name__}')
        params = self.get_params(tuple(results['tile_safe']))
        c = self.crop_size
        y0, x0 = results['tile_box'][:2]
        crops: List[torch.Tensor] = []
        for (y, x), flip in zip(params['origins'], params['flips']):
            crop = apply_orientation(img[:, y:y + c, x:x + c],
                                     results['orientation'], hwc=False)
            crops.append(crop.flip(-1) if flip else crop)
        results['img'] = torch.stack(crops)
        results['img_shape'] = (c, c)
        results['crop_boxes'] = [[y0 + y, x0 + x]
                                 for y, x in params['origins']]
        results['flips'] = params['flips']
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(crop_size={self.crop_size}, '
                f'num_crops={self.num_crops}, flip_prob={self.flip_prob})')
