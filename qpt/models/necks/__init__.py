from .hivit_mim_decoder import HiViTMIMDecoder
from .multiscale_fusion import MultiScaleFusionNeck

__all__ = ['HiViTMIMDecoder', 'MultiScaleFusionNeck']
