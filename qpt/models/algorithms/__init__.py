from .qptv2 import QPTV2

__all__ = ['QPTV2']
