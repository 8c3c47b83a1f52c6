"""Pictures for people: MIM reconstructions and degradation grids.

``degradation_grid`` (which imports the dataset transforms) is imported
from its module: ``from qpt.visualization.degradation_grid import ...``.
"""
from .reconstruction import (denormalize, encode_png, label_columns,
                             mask_to_rgb, reconstruction_grid, save_png)

__all__ = [
    'denormalize', 'mask_to_rgb', 'reconstruction_grid', 'label_columns',
    'encode_png', 'save_png'
]
