"""Reconstruction grids (qpt/visualization/reconstruction.py): columns of
de-normalised images, the mask drawn white, and a label row on top."""
import numpy as np
import torch

from qpt.visualization.reconstruction import (LABEL_HEIGHT, label_columns,
                                              reconstruction_grid)


def test_reconstruction_grid_layout():
    images = dict(
        input=torch.zeros(2, 3, 8, 8),
        reconstruction=torch.ones(2, 3, 8, 8),
        mask=torch.ones(2, 1, 8, 8))
    mean, std = torch.full((3, ), 100.), torch.full((3, ), 50.)
    grid = reconstruction_grid(images, mean, std,
                               ('input', 'mask', 'reconstruction'))
    assert grid.shape == (16, 24, 3) and grid.dtype == np.uint8
    assert (grid[:, :8] == 100).all()  # de-normalised zeros: the mean
    assert (grid[:, 8:16] == 255).all()  # masked: white
    assert (grid[:, 16:] == 150).all()
    labelled = label_columns(grid, ['a', 'b', 'c'])
    assert labelled.shape == (LABEL_HEIGHT + 16, 24, 3)
