"""Lossless pretraining tiles: grid, DCT-domain cutting, shards, decoding."""
from .decode import decode_tile
from .lossless_cut import (JpegTileCutter, PixelTileCutter, exif_orientation,
                           open_tile_cutter)
from .make_tiles import TileConfig, TileReport, make_tiles, tile_image, \
    verify_tiles
from .orientation import apply_orientation, undo_orientation
from .shards import ShardReader, TileShardWriter, iter_shard, read_index
from .tile_grid import (AxisTile, TileBox, axis_coverage, axis_tiles,
                        default_stride, image_tiles)

__all__ = [
    'AxisTile', 'JpegTileCutter', 'PixelTileCutter', 'ShardReader',
    'TileBox', 'TileConfig', 'TileReport', 'TileShardWriter',
    'apply_orientation', 'axis_coverage', 'axis_tiles', 'decode_tile',
    'default_stride', 'exif_orientation', 'image_tiles', 'iter_shard',
    'make_tiles', 'open_tile_cutter', 'read_index', 'tile_image',
    'undo_orientation', 'verify_tiles'
]
