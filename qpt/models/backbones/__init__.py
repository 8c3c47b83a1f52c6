from .hivit import HiViT
from .hivit_3d import HiViT3D

__all__ = ['HiViT', 'HiViT3D']
