from .patch_embed import PatchEmbed
from .patch_merge import PatchMerge
from .position_embedding import sincos_pos_embed_2d
from .relative_position import (gather_relative_position_biases,
                                relative_position_index,
                                relative_position_table_size,
                                resize_relative_position_table)
from .transformer import Attention, LayerNorm, Mlp, TransformerBlock
from .unit_mask import gather_units, random_unit_mask

__all__ = [
    'Attention', 'LayerNorm', 'Mlp', 'PatchEmbed', 'PatchMerge',
    'TransformerBlock', 'gather_relative_position_biases', 'gather_units',
    'sincos_pos_embed_2d', 'relative_position_index',
    'relative_position_table_size', 'resize_relative_position_table',
    'random_unit_mask'
]
