"""Pretraining tiles in shards (``tools/data/make_pretrain_tiles.py``)."""
import os.path as osp
from typing import List, Optional

from mmengine.dataset import BaseDataset

from qpt.registry import DATASETS
from .tiles import read_index

__all__ = ['PretrainTileDataset']


@DATASETS.register_module()
class PretrainTileDataset(BaseDataset):
    """Lossless tiles of the pretraining images, one sample per tile.

    Reads the JSON-lines index that ``tools/data/make_pretrain_tiles.py``
    writes beside the shards. Each data info holds what the pipeline needs
    to read and crop one tile (``LoadTileFromShard`` -> ``DecodeTile`` ->
    ``RandomTileCrops``): ``shard_path``, ``offset``, ``size``,
    ``tile_format``, ``tile_box`` (y, x, h, w in the coded source),
    ``tile_safe`` (top, left, bottom, right in the tile), ``orientation``,
    ``source`` and ``tile_key``. An epoch visits every tile once, so with
    the default (full-coverage) tiling an image contributes in proportion to
    its area, as crops of the full images would.

    Args:
        data_root: the folder holding the shards and the index.
        ann_file: the index, relative to ``data_root``.
        crop_size: the training crop side; every tile's safe box must hold
            it (a ValueError names the index otherwise: the tiles were cut
            for smaller crops). None skips the check.
        **kwargs: passed to ``mmengine.dataset.BaseDataset``.
    """

    def __init__(self,
                 data_root: str = '',
                 ann_file: str = 'index.jsonl',
                 crop_size: Optional[int] = 224,
                 **kwargs) -> None:
        self.crop_size = crop_size
        super().__init__(ann_file=ann_file, data_root=data_root, **kwargs)

    def load_data_list(self) -> List[dict]:
        records = read_index(self.ann_file)
        if not records:
            raise ValueError(f'{self.ann_file}: the tile index is empty')
        out = []
        for rec in records:
            t, l, b, r = rec['safe']
            if self.crop_size is not None and min(b - t, r - l) < \
                    self.crop_size:
                raise ValueError(
                    f'{self.ann_file}: tile {rec["key"]} has a safe box of '
                    f'{b - t}x{r - l}, smaller than crop_size '
                    f'{self.crop_size}; cut the tiles with --crop '
                    f'{self.crop_size} or larger')
            out.append(
                dict(
                    shard_path=osp.join(self.data_root, rec['shard']),
                    offset=int(rec['offset']),
                    size=int(rec['size']),
                    tile_format=rec['format'],
                    tile_box=tuple(rec['box']),
                    tile_safe=tuple(rec['safe']),
                    orientation=int(rec['orientation']),
                    source=rec['source'],
                    tile_key=rec['key']))
        return out
