"""HiViT3D: the HiViT encoder inflated to space-time (QPT V2 video model).

QPT V2 scores videos with its image encoder turned into a spatio-temporal
one by **weight inflation** (project reference, sections 1 and 3). The
layout follows the released video checkpoints: 32 frames of 224 x 224
(FAST-VQA fragments) with a temporal patch of 2 give 16 x 14 x 14 = 3136
main-stage tokens with global attention and a 3-D relative position bias.

Layout (HiViT-T, T = ``num_frames``, T' = T / ``temporal_patch_size``)::

    patch_embed.proj   Conv3d(3, C1, (2, 4, 4), stride (2, 4, 4))
                                                    (B, C1, T', H/4, W/4)
    (grouping)         -> units (t, row, col), t slowest
                                                    (B, T'*h*w, 4, 4, C1)
    patch_embed.norm   LayerNorm(C1)
    blocks.0 .. 5      stem and PatchMerges, unit-local (so per time slice)
    absolute_pos_embed (1, T'*h*w, C3): the 2-D table tiled over time
    blocks.6 .. 15     global attention over all T'*h*w tokens, 3-D
                       relative position bias: (2T'-1)(2h-1)(2w-1) rows per
                       block, indexed by relative_position_index
                       (T'*h*w, T'*h*w)
    norm               LayerNorm(C3)                (B, C3, T', H/16, W/16)

Every parameter and buffer keeps its official (2-D) name, so a 2-D state
dict maps onto this model name by name; only the shapes of
``patch_embed.proj.weight``, ``absolute_pos_embed``, every
``relative_position_bias_table`` and ``relative_position_index`` differ
(see :mod:`qpt.models.converters.inflate`).

Decisions:

* **Token order.** Units are ordered (t, row, col), time slowest, the order
  of an NCTHW map flattened; ``units_to_map`` gives NCTHW maps, so
  ``out_indices`` maps stage outputs as (B, C, T', H', W').
* **Relative position index.** The Swin index generalised to three axes
  (most significant axis time): row ``(dt + T'-1)(2h-1)(2w-1) + (dy + h-1)
  (2w-1) + (dx + w-1)``. It is a persistent buffer, like the 2-D one
  (3136 x 3136 int64, 79 MB, at the default size).
* **Inflation** (how the 2-D tables become 3-D, done by
  :func:`~qpt.models.converters.inflate.inflate_hivit_state_dict`): the
  kernel is repeated over time and divided by the temporal size, the
  absolute position embedding is tiled over time and each bias table is
  tiled over the temporal offsets: **the same spatial bias for every
  temporal offset** dt. With that choice a static clip is scored exactly
  like its frame by the source image model: every query sees each 2-D key
  T' times with the same logit, so the attention output is the 2-D one.
  (Any per-dt constant added to the whole spatial table would keep this
  property too; zero is the simplest.) After fine-tuning the rows of
  different dt differ, which is where temporal position is learnt.
* **Fixed position embedding** (``pos_embed_type='sincos'``): the 2-D
  sin-cos table of the frame grid, tiled over time (as inflation does).
* **Other input sizes** (frames a multiple of ``temporal_patch_size``,
  height and width multiples of 16): the position embedding and the bias
  tables are resized bicubically in space (per time slice, the 2-D rule)
  and linearly in time; the index is rebuilt for the new grid and cached.
* Attention is global over all tokens and goes through
  ``F.scaled_dot_product_attention`` with the bias as its float mask (the
  shared :class:`~qpt.models.utils.transformer.Attention`).
"""
import math
from typing import Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from qpt.registry import MODELS
from ..utils.position_embedding import sincos_pos_embed_2d
from ..utils.relative_position import resize_relative_position_table
from ..utils.patch_embed import PatchEmbed
from .hivit import HiViT

Grid = Tuple[int, ...]

__all__ = ['PatchEmbed3D', 'HiViT3D', 'tile_over_time']


class PatchEmbed3D(PatchEmbed):
    """Space-time patch embedding grouped into units of ``s x s`` tokens:
    :class:`~qpt.models.utils.patch_embed.PatchEmbed` with a Conv3d
    projection and units ordered over time too.

    Args:
        in_channels: image channels.
        embed_dims: C1, channels of the inner tokens.
        inner_patches: inner tokens per unit side, s (4).
        inner_patch_size: pixels per inner token side (4).
        temporal_patch_size: frames per token (2).
    """

    def __init__(self,
                 in_channels: int = 3,
                 embed_dims: int = 96,
                 inner_patches: int = 4,
                 inner_patch_size: int = 4,
                 temporal_patch_size: int = 2) -> None:
        # read by _make_proj, which PatchEmbed.__init__ calls
        self.temporal_patch_size = temporal_patch_size
        super().__init__(in_channels, embed_dims, inner_patches,
                         inner_patch_size)

    def _make_proj(self, in_channels: int, embed_dims: int,
                   inner_patch_size: int) -> nn.Module:
        """A Conv3d with kernel = stride = (tp, 4, 4)."""
        kernel = (self.temporal_patch_size, inner_patch_size,
                  inner_patch_size)
        return nn.Conv3d(
            in_channels, embed_dims, kernel_size=kernel, stride=kernel)

    def group_units(self, feat: torch.Tensor) -> Tuple[torch.Tensor, Grid]:
        """(B, C, t, h*s, w*s) map -> ((B, t*h*w, s, s, C) units, (t, h, w)).

        Units are ordered (t, row, col), time slowest; inside a unit the
        inner tokens are indexed (row, col).
        """
        B, C, t, Hs, Ws = feat.shape
        s = self.inner_patches
        h, w = Hs // s, Ws // s
        units = feat.reshape(B, C, t, h, s, w, s).permute(0, 2, 3, 5, 4, 6, 1)
        return units.reshape(B, t * h * w, s, s, C), (t, h, w)

    # forward (PatchEmbed's): (B, 3, T, H, W) -> ((B, N, 4, 4, C1) normed
    # units, (T', h, w)) with N = T' * h * w, T' = T / tp, h = H / 16.


@MODELS.register_module()
class HiViT3D(HiViT):
    """HiViT inflated to space-time, with the official parameter names.

    Build it with the same ``arch`` and ``img_size`` as the 2-D model
    whose weights it inherits
    (:func:`qpt.models.converters.inflate_hivit_state_dict`). The forward
    logic is :class:`HiViT`'s, on clips (B, 3, T, H, W) with T a multiple
    of ``temporal_patch_size`` and H, W multiples of 16 (T' = T / tp,
    N = T' * h * w units in (t, row, col) order):

    - ``forward``: one NCTHW map per entry of ``out_indices``: stage 0
      (B, C1, T', H/4, W/4), stage 1 (B, C2, T', H/8, W/8) (both before
      their PatchMerge), stage 2 (B, C3, T', H/16, W/16) (after the final
      norm);
    - ``forward_units(x, ids_keep)`` / ``forward_masked``: per unit
      (B, L, 4, 4, C1), (B, L, 2, 2, C2) and (B, L, C3), ``ids_keep``
      (B, L) indexing the N units (video MIM; L = N without it).

    Args:
        arch: as :class:`HiViT` (``'tiny'`` for the released models).
        img_size: frame size at construction (int or (H, W)).
        num_frames: frames per clip at construction, T (32); with
            ``img_size`` it fixes the shapes of ``absolute_pos_embed`` and
            the relative position tables.
        temporal_patch_size: frames per token (2): T' = T / 2 = 16.
        **kwargs: the rest of :class:`HiViT` (``in_channels``,
            ``out_indices``, ``final_norm``, ``drop_path_rate``,
            ``use_rel_pos_bias``, ``pos_embed_type``, ``frozen_stages``,
            ``init_cfg`` ...).
    """

    def __init__(self,
                 arch: Union[str, dict] = 'tiny',
                 img_size: Union[int, Sequence[int]] = 224,
                 num_frames: int = 32,
                 temporal_patch_size: int = 2,
                 **kwargs) -> None:
        if isinstance(img_size, int):
            img_size = (img_size, img_size)
        if len(img_size) != 2:
            raise ValueError(f'img_size must be an int or (H, W), got '
                             f'{img_size!r}; the frame count is num_frames')
        if temporal_patch_size < 1 or num_frames < temporal_patch_size:
            raise ValueError(
                f'need num_frames >= temporal_patch_size >= 1, got '
                f'num_frames={num_frames}, '
                f'temporal_patch_size={temporal_patch_size}')
        # Set before HiViT.__init__: it calls get_unit_grid.
        self.temporal_patch_size = int(temporal_patch_size)
        self.num_frames = int(num_frames)
        super().__init__(
            arch=arch,
            img_size=(self.num_frames, *(int(s) for s in img_size)),
            **kwargs)
        #: Frame size at construction (H, W); ``clip_size`` adds T.
        self.img_size = tuple(int(s) for s in img_size)
        self.clip_size: Tuple[int, int, int] = (self.num_frames,
                                                *self.img_size)

    # ------------------------------------------------------------------
    # construction
    # ------------------------------------------------------------------
    def _make_patch_embed(self, in_channels: int,
                          embed_dims: int) -> nn.Module:
        """``patch_embed``: (B, 3, T, H, W) -> ((B, N, 4, 4, C1), grid)."""
        return PatchEmbed3D(in_channels, embed_dims, self.inner_patches,
                            self.patch_size // self.inner_patches,
                            self.temporal_patch_size)

    def _sincos_pos_embed(self) -> torch.Tensor:
        """2-D sin-cos table of the frame grid tiled over time:
        (1, T'*h*w, C3)."""
        t, h, w = self.base_grid
        return tile_over_time(sincos_pos_embed_2d(self.embed_dims, h, w), t)

    def _reset_parameters(self) -> None:
        """Give ``absolute_pos_embed`` its (1, T'*h*w, C3) shape (HiViT
        sizes it for a 2-D grid), then HiViT's initialisation."""
        num = math.prod(self.base_grid)
        self.num_patches = num
        pos = self.absolute_pos_embed
        if pos is not None and pos.shape[1] != num:
            self.absolute_pos_embed = nn.Parameter(
                pos.new_zeros(1, num, pos.shape[-1]),
                requires_grad=pos.requires_grad)
        super()._reset_parameters()

    # ------------------------------------------------------------------
    # grids, positions
    # ------------------------------------------------------------------
    def get_unit_grid(self, input_size: Sequence[int]) -> Grid:
        """Unit grid of a clip: (T, H, W) or (B, C, T, H, W) ->
        (T/tp, H/16, W/16).

        Raises:
            ValueError: for another number of dims, or sizes that are not
                positive multiples of the patch sizes.
        """
        if len(input_size) not in (3, 5):
            raise ValueError(f'HiViT3D takes clips (B, 3, T, H, W), got a '
                             f'size of {len(input_size)} dims: '
                             f'{tuple(input_size)}')
        T = int(input_size[-3])
        tp = self.temporal_patch_size
        if T <= 0 or T % tp:
            raise ValueError(f'HiViT3D needs a frame count that is a positive'
                             f' multiple of {tp}, got {T}')
        return (T // tp, *super().get_unit_grid(input_size[-2:]))

    def units_to_map(self, units: torch.Tensor, grid: Grid) -> torch.Tensor:
        """Unit features back to an NCTHW map.

        Args:
            units: (B, N, s, s, C) or (B, N, C) (s = 1), N = t * h * w.
            grid: (t, h, w).

        Returns:
            (B, C, t, h * s, w * s).
        """
        if units.dim() == 3:
            units = units[:, :, None, None, :]
        B, N, s, _, C = units.shape
        t, h, w = grid
        x = units.reshape(B, t, h, w, s, s, C).permute(0, 6, 1, 2, 4, 3, 5)
        return x.reshape(B, C, t, h * s, w * s).contiguous()

    def resize_pos_embed(self, pos_embed: torch.Tensor, src_grid: Grid,
                         dst_grid: Grid) -> torch.Tensor:
        """(1, t0*h0*w0, C) -> (1, t*h*w, C): bicubic in space (each time
        slice, as HiViT), then linear in time."""
        t0, h0, w0 = src_grid
        t, h, w = dst_grid
        C = pos_embed.shape[-1]
        x = pos_embed.reshape(t0, h0, w0, C)
        if (h0, w0) != (h, w):
            x = F.interpolate(
                x.permute(0, 3, 1, 2).float(),
                size=(h, w),
                mode='bicubic',
                align_corners=False).to(pos_embed.dtype).permute(0, 2, 3, 1)
        x = x.reshape(t0, h * w, C)
        if t0 != t:
            x = _resize_time(x.permute(1, 2, 0), t).permute(2, 0, 1)
        return x.reshape(1, t * h * w, C)

    def resize_rel_pos_table(self, table: torch.Tensor,
                             grid: Grid) -> torch.Tensor:
        """Bias table of the construction grid resized to ``grid``:
        ((2t0-1)(2h0-1)(2w0-1), heads) -> ((2t-1)(2h-1)(2w-1), heads),
        bicubic over the spatial offsets, linear over the temporal ones."""
        t0, h0, w0 = self.base_grid
        t, h, w = grid
        dt0, dt = 2 * t0 - 1, 2 * t - 1
        heads = table.shape[-1]
        if table.shape[0] != dt0 * (2 * h0 - 1) * (2 * w0 - 1):
            raise ValueError(f'table has {table.shape[0]} rows, expected '
                             f'{dt0 * (2 * h0 - 1) * (2 * w0 - 1)} for a '
                             f'{self.base_grid} grid')
        slices = table.reshape(dt0, -1, heads)
        if (h0, w0) != (h, w):
            slices = torch.stack([
                resize_relative_position_table(s, (h0, w0), (h, w))
                for s in slices
            ])
        if dt0 != dt:
            slices = _resize_time(slices.permute(1, 2, 0),
                                  dt).permute(2, 0, 1)
        return slices.reshape(-1, heads)


def tile_over_time(table: torch.Tensor, times: int) -> torch.Tensor:
    """Repeat a per-frame table over time, time slowest.

    Args:
        table: (1, M, C) absolute embedding or (R, heads) bias table.
        times: number of temporal positions (T' for an embedding, 2T'-1
            offsets for a bias table).

    Returns:
        (1, times * M, C) or (times * R, heads): entry ``k * M + m`` is
        ``table[..., m, :]`` for every k.
    """
    if table.dim() == 3:
        return table.repeat(1, times, 1)
    return table.repeat(times, 1)


def _resize_time(x: torch.Tensor, size: int) -> torch.Tensor:
    """Linear resize of the last dim: (A, B, t0) -> (A, B, size)."""
    out = F.interpolate(
        x.float(), size=size, mode='linear', align_corners=False)
    return out.to(x.dtype)
