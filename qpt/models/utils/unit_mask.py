"""Random masking of units (one unit = one 16x16 main-stage token)."""
from typing import Optional, Sequence, Tuple

import torch


@torch.compiler.disable
def random_unit_mask(batch_size: int,
                     num_units: int,
                     mask_ratio: float,
                     device: torch.device,
                     seeds: Optional[Sequence[int]] = None
                     ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Draw MAE-style random masks.

    Args:
        batch_size: B.
        num_units: N units per image.
        mask_ratio: fraction of units to mask; ``L = int(N * (1 - ratio))``
            stay visible.
        device: where the returned tensors live.
        seeds: one integer per sample for reproducible masks (each sample's
            mask depends on its seed only, not on the batch or the process);
            ``None`` draws from torch's global RNG.

    The masks are always drawn eagerly (``torch.compiler.disable``): a
    ``torch.compile``'d model draws from the same RNG stream as an eager one,
    so a compiled run masks exactly as an eager run with the same seed (the
    compiler's own random numbers would differ from eager ones).

    Returns:
        ids_keep: (B, L) indices of the visible units (random order).
        ids_restore: (B, N), the inverse permutation: unit n sits at slot
            ``ids_restore[:, n]`` of ``[visible, masked]``.
        mask: (B, N) float, 1 for masked units, 0 for visible ones.
    """
    num_keep = int(num_units * (1 - mask_ratio))
    if not 0 < num_keep <= num_units:
        raise ValueError(f'mask_ratio {mask_ratio} keeps {num_keep} of '
                         f'{num_units} units')
    if seeds is None:
        noise = torch.rand(batch_size, num_units, device=device)
    else:
        if len(seeds) != batch_size:
            raise ValueError(f'{len(seeds)} seeds for {batch_size} samples')
        noise = torch.stack([
            torch.rand(num_units,
                       generator=torch.Generator().manual_seed(int(s)))
            for s in seeds
        ]).to(device)
    ids_shuffle = noise.argsort(dim=1)
    ids_restore = ids_shuffle.argsort(dim=1)
    ids_keep = ids_shuffle[:, :num_keep]
    mask = torch.ones(batch_size, num_units, device=device)
    mask[:, :num_keep] = 0
    mask = torch.gather(mask, 1, ids_restore)
    return ids_keep, ids_restore, mask


def gather_units(x: torch.Tensor, ids_keep: torch.Tensor) -> torch.Tensor:
    """Keep units along dim 1: (B, N, ...) and (B, L) -> (B, L, ...).

    A leading batch dimension of 1 in ``x`` is broadcast to B (a position
    embedding (1, N, C) gathered for every sample's kept units).
    """
    B, L = ids_keep.shape
    index = ids_keep.reshape(B, L, *([1] * (x.dim() - 2)))
    index = index.expand(B, L, *x.shape[2:])
    return torch.gather(x.expand(B, *x.shape[1:]), 1, index)
