"""Save a picture of what MIM reconstructs, so a user can see it working."""
import os.path as osp
from typing import Optional

import torch
from mmengine.dataset import default_collate
from mmengine.dist import master_only
from mmengine.hooks import Hook

from qpt.registry import HOOKS
from qpt.visualization.reconstruction import reconstruction_grid, save_png

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

        grid = reconstruction_grid(images, model.data_preprocessor.mean,
                                   model.data_preprocessor.std)
        out_dir = self.out_dir or osp.join(runner.work_dir, 'vis')
        path = save_png(grid, osp.join(out_dir, f'reconstruction_{name}.png'))
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
