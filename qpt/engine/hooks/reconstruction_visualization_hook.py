"""Save a picture of what MIM reconstructs, so a user can see it working."""
import os.path as osp
from typing import Optional

import cv2
import numpy as np
import torch
from mmengine.dataset import default_collate
from mmengine.dist import master_only
from mmengine.hooks import Hook

from qpt.registry import HOOKS
from qpt.utils import atomic_write_bytes

__all__ = ['ReconstructionVisualizationHook']


@HOOKS.register_module()
class ReconstructionVisualizationHook(Hook):
    """Write a grid ``degraded+masked input | reconstruction | target`` (one
    row per image) as PNG into ``{work_dir}/vis/``.

    The images are the first ``num_images`` samples of the validation
    dataset (the training dataset if there is none), run through its
    pipeline; masks are the model's deterministic evaluation masks.

    Args:
        interval: also draw every ``interval`` training iterations
            (0: only after training).
        num_images: rows of the grid.
        out_dir: folder for the PNGs (default ``{work_dir}/vis``).
    """

    priority = 'LOW'

    def __init__(self,
                 interval: int = 0,
                 num_images: int = 4,
                 out_dir: Optional[str] = None) -> None:
        self.interval = interval
        self.num_images = num_images
        self.out_dir = out_dir

    def _dataset(self, runner):
        loader = runner.cfg.get('val_dataloader') and runner.val_dataloader
        if loader is None:
            loader = runner.train_dataloader
        return loader.dataset

    @torch.no_grad()
    def draw(self, runner, name: str) -> str:
        """Render the grid and return the PNG path."""
        model = runner.model.module if hasattr(runner.model, 'module') \
            else runner.model
        dataset = self._dataset(runner)
        samples = [dataset[i] for i in range(
            min(self.num_images, len(dataset)))]
        was_training = model.training
        model.eval()
        data = model.data_preprocessor(default_collate(samples), False)
        images = model.reconstruct(data['inputs'], data['data_samples'])
        model.train(was_training)

        mean = model.data_preprocessor.mean.view(1, -1, 1, 1)
        std = model.data_preprocessor.std.view(1, -1, 1, 1)
        columns = []
        for key in ('input', 'reconstruction', 'target'):
            pixels = (images[key].float() * std + mean).clamp(0, 255)
            columns.append(pixels.round().byte().permute(0, 2, 3, 1).cpu())
        rows = [
            np.concatenate([c[i].numpy() for c in columns], axis=1)
            for i in range(len(samples))
        ]
        grid = np.concatenate(rows, axis=0)
        out_dir = self.out_dir or osp.join(runner.work_dir, 'vis')
        path = osp.join(out_dir, f'reconstruction_{name}.png')
        ok, buf = cv2.imencode('.png', cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))
        assert ok, 'PNG encoding failed'
        atomic_write_bytes(buf.tobytes(), path)
        runner.logger.info(
            f'Reconstructions (input | reconstruction | target) in {path}')
        return path

    @master_only
    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if self.interval > 0 and self.every_n_train_iters(
                runner, self.interval):
            self.draw(runner, f'iter_{runner.iter + 1}')

    @master_only
    def after_train(self, runner) -> None:
        self.draw(runner, 'final')
