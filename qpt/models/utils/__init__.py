from .position_embedding import sincos_pos_embed_2d
from .transformer import Attention, LayerNorm, Mlp, TransformerBlock

__all__ = [
    'Attention', 'LayerNorm', 'Mlp', 'TransformerBlock', 'sincos_pos_embed_2d'
]
