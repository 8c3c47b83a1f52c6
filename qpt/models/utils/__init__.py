from .position_embedding import sincos_pos_embed_2d
from .relative_position import (relative_position_index,
                                relative_position_table_size,
                                resize_relative_position_table)
from .transformer import Attention, LayerNorm, Mlp, TransformerBlock
from .unit_mask import random_unit_mask

__all__ = [
    'Attention', 'LayerNorm', 'Mlp', 'TransformerBlock', 'sincos_pos_embed_2d',
    'relative_position_index', 'relative_position_table_size',
    'resize_relative_position_table', 'random_unit_mask'
]
