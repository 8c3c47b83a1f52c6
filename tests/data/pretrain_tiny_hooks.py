"""A test-only hook that records what each rank trains on.

Imported through ``custom_imports`` by ``pretrain_tiny_unseeded.py`` (the
test puts this folder on ``PYTHONPATH``). Not part of the package.
"""
import os.path as osp

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from qpt.registry import HOOKS


@HOOKS.register_module(force=True)
class MaskRecorderHook(Hook):
    """Save ``masks_rank{r}.pt`` in the work dir after training: one record
    per training iteration with the (B, N) mask the model drew, the
    samples' indices and their degradation parameters."""

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        self.records = []
        draw = model.reconstruct_units

        def recording(inputs, data_samples, training):
            out = draw(inputs, data_samples, training)
            if training:
                self.records.append(dict(
                    iter=runner.iter,
                    mask=out[1].detach().cpu(),
                    sample_idx=[int(s.sample_idx) for s in data_samples],
                    degradation=[s.get('degradation_params')
                                 for s in data_samples]))
            return out

        model.reconstruct_units = recording  # instance attribute wins

    def after_train(self, runner) -> None:
        torch.save(self.records,
                   osp.join(runner.work_dir, f'masks_rank{get_rank()}.pt'))
