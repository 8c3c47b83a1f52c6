"""Fixed 2-D sine-cosine position embeddings (MAE convention, no class token)."""
import numpy as np
import torch


def sincos_pos_embed_2d(embed_dims: int,
                        grid_h: int,
                        grid_w: int,
                        temperature: float = 10000.) -> torch.Tensor:
    """2-D sin-cos embedding of a grid_h x grid_w grid, row-major.

    Half of the channels encode the column (x), half the row (y), each as
    ``[sin(p * w_k), cos(p * w_k)]`` with ``w_k = 1 / T**(k / (D/4))``.

    Returns:
        (1, grid_h * grid_w, embed_dims) float32.
    """
    assert embed_dims % 4 == 0, 'embed_dims must be divisible by 4'
    quarter = embed_dims // 4
    omega = 1. / temperature**(np.arange(quarter, dtype=np.float64) / quarter)
    ys, xs = np.meshgrid(
        np.arange(grid_h, dtype=np.float64),
        np.arange(grid_w, dtype=np.float64),
        indexing='ij')
    out_x = xs.reshape(-1, 1) * omega[None]
    out_y = ys.reshape(-1, 1) * omega[None]
    emb = np.concatenate(
        [np.sin(out_x), np.cos(out_x),
         np.sin(out_y), np.cos(out_y)], axis=1)
    return torch.from_numpy(emb).float().unsqueeze(0)
