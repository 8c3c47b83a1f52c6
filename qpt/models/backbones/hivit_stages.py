"""Freezing and layer-wise lr decay of HiViT's stages.

Decisions:

* ``frozen_stages=k``: a PatchMerge belongs to the stage *before* it (like
  Swin's downsample and like ``get_layer_depth``): stage 0 = blocks 0..2,
  stage 1 = blocks 3..5, stage 2 = the main blocks, ``absolute_pos_embed``
  and ``norm``. ``k >= 0`` also freezes ``patch_embed``. Frozen modules stay
  in eval mode through ``train()``.
* Layer-wise lr decay (``get_layer_depth``): ``patch_embed`` and
  ``absolute_pos_embed`` are layer 0; every non-merge block (stem blocks
  included) is one layer, in order; a PatchMerge takes the depth of the
  block before it; ``norm`` and anything else (e.g. a head) is the last
  layer; ``num_layers = non-merge blocks + 2`` (HiViT-T: 16).
"""
from typing import List, Tuple

import torch.nn as nn

__all__ = ['HiViTStagesMixin']


class HiViTStagesMixin:
    """``frozen_stages`` and ``get_layer_depth`` of :class:`HiViT` (and so
    of ``HiViT3D``), which builds what they read: ``patch_embed``,
    ``blocks`` with ``stage_block_indices`` and ``merge_indices``,
    ``absolute_pos_embed``, ``pos_drop``, ``norm``, ``frozen_stages``,
    ``num_layers`` and ``_block_depths``.
    """

    def _stage_modules(self, stage: int) -> List[nn.Module]:
        """Modules of a stage for freezing (a merge joins the stage before
        it; stage 2 also owns the position dropout and ``norm``)."""
        ids = list(self.stage_block_indices[stage])
        if stage < 2:
            ids.append(self.merge_indices[stage])
        modules = [self.blocks[i] for i in ids]
        if stage == 2:
            modules += [self.pos_drop, self.norm]
        return modules

    def _freeze_stages(self) -> None:
        """Stop gradients of, and set to eval, the frozen modules."""
        if self.frozen_stages < 0:
            return
        modules = [self.patch_embed]
        for stage in range(self.frozen_stages + 1):
            modules += self._stage_modules(stage)
        for m in modules:
            m.eval()
            for p in m.parameters():
                p.requires_grad = False
        if self.frozen_stages >= 2 and self.absolute_pos_embed is not None:
            self.absolute_pos_embed.requires_grad = False

    def train(self, mode: bool = True) -> nn.Module:
        """Set the mode; frozen modules stay in eval mode."""
        super().train(mode)
        if mode:
            self._freeze_stages()
        return self

    def get_layer_depth(self,
                        param_name: str,
                        prefix: str = '') -> Tuple[int, int]:
        """Layer-wise lr-decay depth of a parameter (mmpretrain convention).

        ``patch_embed.*`` and ``absolute_pos_embed`` -> 0; the k-th non-merge
        block (stem blocks included, counted from 1) -> k; a PatchMerge ->
        the depth of the block before it; ``norm`` and any other name (e.g.
        a head, or a name not starting with ``prefix``) -> num_layers - 1.
        HiViT-T: blocks.0 -> 1, blocks.2 -> 2, blocks.5 -> 4, blocks.15 ->
        14, num_layers 16.

        Args:
            param_name: full parameter name.
            prefix: prefix of this backbone's names (e.g. ``'backbone.'``).

        Returns:
            (layer_depth, num_layers) with num_layers = non-merge blocks + 2.
        """
        num_layers = self.num_layers
        if not param_name.startswith(prefix):
            return num_layers - 1, num_layers
        name = param_name[len(prefix):]
        if name.startswith('patch_embed.') or name == 'absolute_pos_embed':
            return 0, num_layers
        if name.startswith('blocks.'):
            return self._block_depths[int(name.split('.')[1])], num_layers
        return num_layers - 1, num_layers
