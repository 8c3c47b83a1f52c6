"""Pixel reconstruction target and loss for masked image modeling."""
from typing import Dict, Tuple

import torch
from mmengine.model import BaseModule

from qpt.registry import MODELS


@MODELS.register_module()
class MIMReconstructionHead(BaseModule):
    """MSE between predicted and target pixels on the masked units.

    Args:
        patch_size: pixels per unit side p (16).
        norm_pix: normalise each target unit by its own mean and variance
            (MAE's norm-pix loss; default on).
        eps: added to the variance before the square root.
    """

    def __init__(self,
                 patch_size: int = 16,
                 norm_pix: bool = True,
                 eps: float = 1e-6,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.patch_size = patch_size
        self.norm_pix = norm_pix
        self.eps = eps

    def patchify(self, imgs: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) -> (B, N, p*p*C), units row-major, pixels (py, px, c)."""
        B, C, H, W = imgs.shape
        p = self.patch_size
        h, w = H // p, W // p
        x = imgs.reshape(B, C, h, p, w, p).permute(0, 2, 4, 3, 5, 1)
        return x.reshape(B, h * w, p * p * C)

    def unpatchify(self, x: torch.Tensor, grid: Tuple[int, int],
                   in_chans: int = 3) -> torch.Tensor:
        """(B, N, p*p*C) -> (B, C, h*p, w*p); inverse of :meth:`patchify`."""
        B = x.shape[0]
        h, w = grid
        p = self.patch_size
        x = x.reshape(B, h, w, p, p, in_chans).permute(0, 5, 1, 3, 2, 4)
        return x.reshape(B, in_chans, h * p, w * p)

    def unit_stats(self, target: torch.Tensor
                   ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Per-unit mean and std of patchified pixels (B, N, 1) each."""
        mean = target.mean(dim=-1, keepdim=True)
        var = target.var(dim=-1, keepdim=True)
        return mean, (var + self.eps).sqrt()

    def construct_target(self, target_imgs: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) -> (B, N, p*p*C) regression target."""
        target = self.patchify(target_imgs)
        if self.norm_pix:
            mean, std = self.unit_stats(target)
            target = (target - mean) / std
        return target

    def per_sample_loss(self, pred: torch.Tensor, target_imgs: torch.Tensor,
                        mask: torch.Tensor) -> torch.Tensor:
        """Mean squared error over the masked units of each sample.

        Args:
            pred: (B, N, p*p*C) predictions.
            target_imgs: (B, C, H, W) target images.
            mask: (B, N), 1 for masked (to reconstruct) units, 0 for visible.

        Returns:
            (B,) loss of each sample.
        """
        # float32 even under AMP: the loss is a mean of many small squares
        target = self.construct_target(target_imgs.float())
        per_unit = (pred.float() - target).pow(2).mean(dim=-1)
        mask = mask.to(per_unit.dtype)
        return (per_unit * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)

    def loss(self, pred: torch.Tensor, target_imgs: torch.Tensor,
             mask: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Batch loss: mean of :meth:`per_sample_loss` (every sample masks
        the same number of units, so this is the mean over all masked units).
        """
        return dict(
            loss=self.per_sample_loss(pred, target_imgs, mask).mean())
