from .hivit import HiViT

__all__ = ['HiViT']
