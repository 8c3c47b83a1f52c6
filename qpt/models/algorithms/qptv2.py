"""QPT V2: quality- and aesthetics-aware masked image modeling on HiViT."""
import zlib
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.logging import MessageHub
from mmpretrain.models.selfsup import BaseSelfSupervisor
from mmpretrain.structures import DataSample

from qpt.registry import MODELS
from ..data_preprocessors.imagenet_stats import IMAGENET_MEAN, IMAGENET_STD
from ..utils import random_unit_mask

Inputs = Union[torch.Tensor, Sequence[torch.Tensor]]


@MODELS.register_module()
class QPTV2(BaseSelfSupervisor):
    """Masked image modeling with a degraded input and a (clean) target.

    Data flow (B images, N units of 16x16, L = N * (1 - mask_ratio) visible):
    the data preprocessor normalises both views (degraded input, target)
    -> random unit mask -> ``backbone.forward_masked`` on the degraded view
    (multi-scale features of the L visible units) -> ``neck`` fuses them into
    (B, L, D) -> ``decoder`` restores all N positions and predicts pixels
    (B, N, 16*16*3) -> ``head`` MSE against the target view on masked units.

    mmpretrain's ``BaseSelfSupervisor`` provides the ``forward`` dispatch
    (``mode='tensor'``: :meth:`extract_feat`, ``'loss'``: :meth:`loss`),
    the ``with_neck`` / ``with_head`` checks and ``get_layer_depth``; this
    class adds ``mode='predict'`` (the held-out reconstruction loss that
    ``ReconstructionMetric`` averages).

    Args:
        backbone: a HiViT config (must provide ``forward_masked``).
        neck: the multi-scale fusion config.
        decoder: the MIM decoder config.
        head: the reconstruction head config.
        mask_ratio: fraction of masked units (0.75).
        mask_seed: ``None`` (default) draws training masks from torch's
            global RNG, which the runner seeds per rank
            (``randomness.diff_rank_seed=True`` in
            ``configs/_base_/default_runtime.py``): every rank draws its own
            masks, reproducibly for a given seed and number of processes.
            An integer makes each training mask a function of (mask_seed,
            iteration, sample_idx) only, so runs are reproducible whatever
            the number of processes (ranks read different samples, so
            their masks differ as well).
        eval_mask_seed: masks in ``predict`` (held-out reconstruction loss)
            are always a function of (eval_mask_seed, sample), so the metric
            is comparable between checkpoints.
        data_preprocessor: defaults to mmpretrain's
            ``SelfSupDataPreprocessor`` with ImageNet mean/std (RGB input).
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 decoder: dict,
                 head: dict,
                 mask_ratio: float = 0.75,
                 mask_seed: Optional[int] = None,
                 eval_mask_seed: int = 0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg=None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(
                type='SelfSupDataPreprocessor',
                mean=IMAGENET_MEAN,
                std=IMAGENET_STD,
                to_rgb=False)
        # Components are built through our registry (it sees mmpretrain's
        # too; mmpretrain's alone would find its own HiViT). The head is
        # set after the decoder, keeping the order of the parameters (and
        # so of optimizer states) of earlier checkpoints.
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(
            backbone=MODELS.build(backbone),
            neck=MODELS.build(neck),
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.decoder = MODELS.build(decoder)
        self.head = MODELS.build(head)
        self.mask_ratio = mask_ratio
        self.mask_seed = mask_seed
        self.eval_mask_seed = eval_mask_seed
        self.patch_size = self.head.patch_size

    # ----------------------------------------------------------------- helpers
    @staticmethod
    def split_views(inputs: Inputs) -> Tuple[torch.Tensor, torch.Tensor]:
        """(encoder input, target), each (B, 3, H, W). A single tensor is
        both (pretraining without degradation)."""
        if isinstance(inputs, torch.Tensor):
            return inputs, inputs
        return inputs[0], inputs[-1]

    @staticmethod
    def _sample_key(sample: Optional[DataSample], position: int) -> int:
        if sample is not None:
            if 'sample_idx' in sample:
                return int(sample.sample_idx)
            if 'img_path' in sample:
                return zlib.crc32(str(sample.img_path).encode())
        return position

    def mask_seeds(self, batch_size: int,
                   data_samples: Optional[List[DataSample]],
                   training: bool) -> Optional[List[int]]:
        """Per-sample mask seeds, or None for the global RNG."""
        if training and self.mask_seed is None:
            return None
        base = self.mask_seed if training else self.eval_mask_seed
        step = MessageHub.get_current_instance().get_info('iter', 0) \
            if training else 0
        samples = data_samples or [None] * batch_size
        return [
            zlib.crc32(f'{base}/{step}/{self._sample_key(s, i)}'.encode())
            for i, s in enumerate(samples)
        ]

    def reconstruct_units(
        self, inputs: Inputs, data_samples: Optional[List[DataSample]],
        training: bool
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, Tuple[int, int]]:
        """Run mask -> encoder -> fusion -> decoder.

        Returns:
            pred: (B, N, p*p*3) predicted (normalised) unit pixels.
            mask: (B, N), 1 = masked.
            target: (B, 3, H, W) target view.
            grid: (h, w) units.
        """
        source, target = self.split_views(inputs)
        B, _, H, W = source.shape
        p = self.patch_size
        if H % p or W % p:
            raise ValueError(f'input size {H}x{W} is not a multiple of {p}')
        grid = (H // p, W // p)
        seeds = self.mask_seeds(B, data_samples, training)
        ids_keep, ids_restore, mask = random_unit_mask(
            B, grid[0] * grid[1], self.mask_ratio, source.device, seeds)
        feats = self.backbone.forward_masked(source, ids_keep)
        pred = self.decoder(self.neck(feats), ids_restore, grid)
        return pred, mask, target, grid

    # ------------------------------------------------------------------- modes
    def extract_feat(self, inputs: Inputs) -> Tuple[torch.Tensor, ...]:
        """Encoder features of the (first view of the) unmasked input, as
        the backbone's ``forward`` returns them (NCHW maps)."""
        return self.backbone(self.split_views(inputs)[0])

    def loss(self, inputs: Inputs,
             data_samples: Optional[List[DataSample]] = None
             ) -> Dict[str, torch.Tensor]:
        pred, mask, target, _ = self.reconstruct_units(
            inputs, data_samples, training=True)
        return self.head.loss(pred, target, mask)

    def predict(self, inputs: Inputs,
                data_samples: Optional[List[DataSample]] = None
                ) -> List[DataSample]:
        """Held-out reconstruction loss of each sample (deterministic masks),
        stored as ``recon_loss`` in its data sample."""
        pred, mask, target, _ = self.reconstruct_units(
            inputs, data_samples, training=False)
        losses = self.head.per_sample_loss(pred, target, mask)
        if data_samples is None:
            data_samples = [DataSample() for _ in range(len(losses))]
        for sample, value in zip(data_samples, losses):
            sample.set_field(value.detach().float(), 'recon_loss')
        return data_samples

    def forward(self,
                inputs: Inputs,
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        """``BaseSelfSupervisor``'s modes and ``mode='predict'``."""
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        return super().forward(inputs, data_samples, mode)

    @torch.no_grad()
    def reconstruct(self,
                    inputs: Inputs,
                    data_samples: Optional[List[DataSample]] = None
                    ) -> Dict[str, torch.Tensor]:
        """Images for looking at MIM (deterministic masks), all
        (B, 3, H, W) in the normalised pixel space of the inputs:

        - ``input``: the encoder's (degraded) view with masked units zeroed;
        - ``reconstruction``: predictions on masked units (de-normalised with
          the target unit's own mean/std when ``norm_pix``, as MAE's
          visualisation does), the encoder's view on visible units;
        - ``target``: the reconstruction target view;
        - ``mask``: (B, 1, H, W), 1 on masked pixels.
        """
        source, target = self.split_views(inputs)
        pred, mask, target, grid = self.reconstruct_units(
            inputs, data_samples, training=False)
        head = self.head
        if head.norm_pix:
            mean, std = head.unit_stats(head.patchify(target))
            pred = pred * std + mean
        unit_mask = mask.unsqueeze(-1).expand_as(pred)
        mask_img = head.unpatchify(unit_mask, grid)[:, :1]
        pred_img = head.unpatchify(pred, grid)
        return dict(
            input=source * (1 - mask_img),
            reconstruction=pred_img * mask_img + source * (1 - mask_img),
            target=target,
            mask=mask_img)
