"""Reading and decoding one pretraining tile from a shard."""
from mmcv.transforms import BaseTransform

from qpt.registry import TRANSFORMS
from ..tiles import ShardReader, decode_tile

__all__ = ['LoadTileFromShard', 'DecodeTile']


@TRANSFORMS.register_module()
class LoadTileFromShard(BaseTransform):
    """Read the encoded bytes of one tile with a single positional read.

    **Required Keys:**

    - shard_path (str), offset (int), size (int)

    **Added Keys:**

    - tile_bytes (bytes): the encoded tile (JPEG or PNG).
    - bytes_read (int): bytes read from storage for this tile.
    """

    def __init__(self) -> None:
        self.reader = ShardReader()

    def transform(self, results: dict) -> dict:
        data = self.reader.read(results['shard_path'], results['offset'],
                                results['size'])
        results['tile_bytes'] = data
        results['bytes_read'] = len(data)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}()'


@TRANSFORMS.register_module()
class DecodeTile(BaseTransform):
    """Decode the tile to RGB with torchvision's decoder (libjpeg-turbo).

    The tile stays in the coded orientation of its source (the crop step
    applies the EXIF orientation to each crop), as a CHW tensor so that
    crops go to the batch without a layout change.

    **Required Keys:**

    - tile_bytes (bytes), tile_format (str: 'jpg' or 'png'),
      tile_box (y, x, h, w)

    **Modified Keys:**

    - tile_bytes: removed (freed once decoded).

    **Added Keys:**

    - img (torch.Tensor): (3, h, w) uint8 RGB.
    - img_shape (tuple): (h, w).
    - channel_order (str): ``'rgb'``, as qpt's other loaders record.

    Raises:
        ValueError: the decoded size is not the size in the index (names
            the tile's source and shard).
    """

    def transform(self, results: dict) -> dict:
        img = decode_tile(results.pop('tile_bytes'), results['tile_format'])
        h, w = results['tile_box'][2:]
        if tuple(img.shape[1:]) != (h, w):
            raise ValueError(
                f"{results.get('shard_path')}: tile of "
                f"{results.get('source')} decodes to "
                f'{tuple(img.shape[1:])}, the index says ({h}, {w})')
        results['img'] = img
        results['img_shape'] = (h, w)
        results['channel_order'] = 'rgb'
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}()'
