"""HiViT: the hierarchical ViT encoder of QPT V2 (our own implementation).

HiViT (Zhang et al., "HiViT: A Simpler and More Efficient Design of
Hierarchical Vision Transformers", ICLR 2023) is a ViT whose first two stages
are MLP-only and *unit-local*: the image is cut into 16x16 **units**, each
unit holding 4x4 inner tokens of the 4x4 patch embedding. The MLP stem blocks
and the two PatchMerges never mix units, so masked units can be dropped before
the stem (MAE efficiency) and the main stage is a plain ViT over one token
per unit.

Layout (HiViT-T, the released QPT V2 models; C1, C2, C3 = 96, 192, 384)::

    patch_embed.proj   Conv2d(3, C1, 4, stride 4)       (B, C1, H/4, W/4)
    (grouping)         -> units, row-major               (B, N, 4, 4, C1)
    patch_embed.norm   LayerNorm(C1)
    blocks.0, 1        MLP-only blocks (ratio 3)         stage 0 output
    blocks.2           PatchMerge: LN(4 C1), Linear(4 C1 -> C2, no bias)
    blocks.3, 4        MLP-only blocks (ratio 3)         stage 1 output
    blocks.5           PatchMerge -> (B, N, 1, 1, C3) -> (B, N, C3)
    absolute_pos_embed (1, N, C3) added
    blocks.6 .. 15     attention blocks, 6 heads, ratio 4, qkv bias,
                       relative position bias (27*27 rows each) indexed by
                       the buffer relative_position_index (N, N)
    norm               LayerNorm(C3)                     stage 2 output

Parameter and buffer names are those of the official release, so a released
state dict (minus its head) loads with ``strict=True`` and no renaming.

Decisions:

* The PatchMerge concatenates the 2x2 inner neighbours as the official code
  does (:class:`~qpt.models.utils.patch_merge.PatchMerge`).
* Arch ``base`` has 20 main blocks, as in the HiViT paper; mmpretrain's
  ``base`` has 24 (a known discrepancy). Pass a dict arch for 24.
* ``relative_position_index`` is a persistent buffer (it is in the release);
  at the construction grid it is used as stored.
* Inputs of other sizes (any multiple of 16, non-square too): the absolute
  position embedding is resized bicubically from the construction grid to
  (H/16, W/16); the relative position index is rebuilt for the new grid
  (cached per grid and device) and each block's bias table is resized
  bicubically from (2h0-1, 2w0-1) to (2h-1, 2w-1) on every forward (it is
  trainable, so it is not cached). Both stretch positions by the same factor.
  At the construction grid the stored tensors are used untouched. A fixed
  sin-cos embedding is resized the same way (one code path).
* Freezing (``frozen_stages``) and layer-wise lr decay
  (``get_layer_depth``): :mod:`.hivit_stages`.
* Stochastic depth grows linearly over the non-merge blocks.

A spatio-temporal (weight-inflated) subclass is expected to override
``_make_patch_embed``, ``get_unit_grid``, ``units_to_map``,
``build_rel_pos_index``, ``resize_pos_embed`` and ``resize_rel_pos_table``;
the forward logic (``forward_units``) works on (B, N, ...) unit tensors and a
grid tuple and needs no change.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from timm.layers import trunc_normal_

from qpt.registry import MODELS
from ..utils.patch_embed import PatchEmbed
from ..utils.position_embedding import sincos_pos_embed_2d
from ..utils.relative_position import (gather_relative_position_biases,
                                       relative_position_index,
                                       relative_position_table_size,
                                       resize_relative_position_table)
from ..utils.transformer import LayerNorm
from ..utils.unit_mask import gather_units
from .hivit_blocks import build_hivit_blocks, layer_depths
from .hivit_stages import HiViTStagesMixin

Grid = Tuple[int, ...]


@MODELS.register_module()
class HiViT(HiViTStagesMixin, BaseBackbone):
    """HiViT encoder with the official (released QPT V2) parameter names.

    Args:
        arch: ``'tiny'``, ``'small'``, ``'base'`` or a dict with
            ``embed_dims`` (C3), ``depths`` ([stem units of stage 0, stem
            units of stage 1, main blocks]; a stem unit is two MLP-only
            blocks), ``num_heads`` and optionally ``stem_mlp_ratio`` (3) and
            ``mlp_ratio`` (4).
        img_size: construction size (int or (H, W)); fixes the shapes of
            ``absolute_pos_embed`` and the relative position tables.
        in_channels: image channels.
        out_indices: stages (0, 1, 2; negative allowed) returned by
            ``forward``.
        final_norm: build and apply the final LayerNorm ``norm`` (else
            ``norm`` is an identity and has no parameters).
        drop_rate: dropout after the position embedding and inside blocks.
        attn_drop_rate: attention dropout.
        drop_path_rate: stochastic depth, linear over the non-merge blocks.
        qkv_bias: bias on the main blocks' qkv projection.
        use_rel_pos_bias: relative position bias in the main blocks (off: no
            tables and no index buffer).
        use_abs_pos_embed: add ``absolute_pos_embed`` before the main blocks.
        pos_embed_type: ``'learnable'`` (trunc-normal 0.02 init) or
            ``'sincos'`` (fixed 2-D sin-cos, a Parameter with
            ``requires_grad=False`` so that it is saved and loaded).
        frozen_stages: freeze ``patch_embed`` and stages 0..k (see
            :mod:`.hivit_stages`); -1 freezes nothing.
        init_cfg: MMEngine init config (e.g. ``Pretrained``).
    """
    arch_zoo: Dict[str, dict] = {
        **dict.fromkeys(['t', 'tiny'],
                        dict(embed_dims=384, depths=[1, 1, 10],
                             num_heads=6)),
        **dict.fromkeys(['s', 'small'],
                        dict(embed_dims=384, depths=[2, 2, 20],
                             num_heads=6)),
        # HiViT paper: 20 main blocks (mmpretrain's 'base' has 24).
        **dict.fromkeys(['b', 'base'],
                        dict(embed_dims=512, depths=[2, 2, 20],
                             num_heads=8)),
    }  # yapf: disable
    _essential_keys = {'embed_dims', 'depths', 'num_heads'}
    _optional_keys = {'stem_mlp_ratio', 'mlp_ratio'}

    #: pixels per unit side (one main-stage token).
    patch_size: int = 16
    #: inner tokens per unit side after the patch embedding.
    inner_patches: int = 4
    num_stages: int = 3

    def __init__(self,
                 arch: Union[str, dict] = 'tiny',
                 img_size: Union[int, Sequence[int]] = 224,
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = (2, ),
                 final_norm: bool = True,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 qkv_bias: bool = True,
                 use_rel_pos_bias: bool = True,
                 use_abs_pos_embed: bool = True,
                 pos_embed_type: str = 'learnable',
                 frozen_stages: int = -1,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        settings = self._parse_arch(arch)
        self.arch_settings = settings
        self.embed_dims: int = settings['embed_dims']
        self.depths: List[int] = list(settings['depths'])
        self.num_heads: int = settings['num_heads']
        assert self.embed_dims % 4 == 0, 'embed_dims must be divisible by 4'
        self.stage_dims: Tuple[int, int, int] = (self.embed_dims // 4,
                                                 self.embed_dims // 2,
                                                 self.embed_dims)
        self.num_main_blocks: int = self.depths[2]

        if isinstance(img_size, int):
            img_size = (img_size, img_size)
        self.img_size: Tuple[int, int] = tuple(img_size)
        self.base_grid: Grid = self.get_unit_grid(self.img_size)
        self.num_patches: int = self.base_grid[0] * self.base_grid[1]

        if isinstance(out_indices, int):
            out_indices = [out_indices]
        norm_indices = []
        for i in out_indices:
            j = i + self.num_stages if i < 0 else i
            if not 0 <= j < self.num_stages:
                raise ValueError(f'out_indices {out_indices} out of range '
                                 f'for {self.num_stages} stages')
            norm_indices.append(j)
        self.out_indices: Tuple[int, ...] = tuple(sorted(set(norm_indices)))
        self.final_norm = final_norm
        self.use_rel_pos_bias = use_rel_pos_bias
        self.use_abs_pos_embed = use_abs_pos_embed
        if pos_embed_type not in ('learnable', 'sincos'):
            raise ValueError(f'pos_embed_type must be "learnable" or '
                             f'"sincos", got {pos_embed_type!r}')
        self.pos_embed_type = pos_embed_type
        if not -1 <= frozen_stages < self.num_stages:
            raise ValueError(f'frozen_stages must be in [-1, '
                             f'{self.num_stages - 1}], got {frozen_stages}')
        self.frozen_stages = frozen_stages

        C1, C2, C3 = self.stage_dims
        self.patch_embed = self._make_patch_embed(in_channels, C1)

        if use_abs_pos_embed:
            if pos_embed_type == 'sincos':
                self.absolute_pos_embed = nn.Parameter(
                    self._sincos_pos_embed(), requires_grad=False)
            else:
                self.absolute_pos_embed = nn.Parameter(
                    torch.zeros(1, self.num_patches, C3))
        else:
            self.absolute_pos_embed = None
        if use_rel_pos_bias:
            self.register_buffer(
                'relative_position_index',
                self.build_rel_pos_index(self.base_grid),
                persistent=True)
            table_size = relative_position_table_size(self.base_grid)
        else:
            self.relative_position_index = None
            table_size = None
        # Relative position indices of other grids: {(grid, device): (N, N)}.
        self._rel_pos_index_cache: Dict[tuple, torch.Tensor] = {}
        self.pos_drop = nn.Dropout(drop_rate)

        # Flat block list: stem, merge, stem, merge, main (official names).
        blocks, stage_ids, merge_ids = build_hivit_blocks(
            self.stage_dims,
            self.depths,
            self.num_heads,
            stem_mlp_ratio=settings.get('stem_mlp_ratio', 3.),
            mlp_ratio=settings.get('mlp_ratio', 4.),
            qkv_bias=qkv_bias,
            rel_pos_table_size=table_size,
            drop_rate=drop_rate,
            attn_drop_rate=attn_drop_rate,
            drop_path_rate=drop_path_rate)
        self.blocks = blocks
        #: indices into ``blocks`` of each stage's non-merge blocks.
        self.stage_block_indices: List[List[int]] = stage_ids
        #: indices into ``blocks`` of the two PatchMerges.
        self.merge_indices: List[int] = merge_ids
        self.norm = LayerNorm(C3) if final_norm else nn.Identity()

        # Layer-wise lr decay depth of every entry of ``blocks``.
        self._block_depths: List[int] = layer_depths(
            len(self.blocks), self.merge_indices)
        self.num_layers: int = len(self.blocks) - len(merge_ids) + 2

        self._reset_parameters()
        self._freeze_stages()

    # ------------------------------------------------------------------
    # construction helpers (overridable)
    # ------------------------------------------------------------------
    @classmethod
    def _parse_arch(cls, arch: Union[str, dict]) -> dict:
        if isinstance(arch, str):
            key = arch.lower()
            if key not in cls.arch_zoo:
                raise ValueError(f'Unknown arch {arch!r}; choose from '
                                 f'{sorted(set(cls.arch_zoo))} or a dict')
            return dict(cls.arch_zoo[key])
        if not isinstance(arch, dict) or not cls._essential_keys <= set(
                arch) or not set(arch) <= (cls._essential_keys
                                           | cls._optional_keys):
            raise ValueError(
                f'A custom arch must be a dict with keys '
                f'{sorted(cls._essential_keys)} and optionally '
                f'{sorted(cls._optional_keys)}, got {arch!r}')
        if len(arch['depths']) != 3:
            raise ValueError('arch depths must have 3 entries')
        return dict(arch)

    def _make_patch_embed(self, in_channels: int,
                          embed_dims: int) -> nn.Module:
        """Build ``patch_embed``; its forward maps (B, 3, H, W) to
        ((B, N, 4, 4, C1) units, grid)."""
        return PatchEmbed(in_channels, embed_dims, self.inner_patches,
                          self.patch_size // self.inner_patches)

    def _sincos_pos_embed(self) -> torch.Tensor:
        """Fixed embedding of the construction grid: (1, N, C3)."""
        return sincos_pos_embed_2d(self.embed_dims, *self.base_grid)

    def _reset_parameters(self) -> None:
        """Default init: trunc-normal(0.02) Linear weights and learnable
        position embedding, zero biases, unit LayerNorms (the relative
        position tables are initialised by the blocks)."""

        def init(m: nn.Module) -> None:
            if isinstance(m, nn.Linear):
                trunc_normal_(m.weight, std=.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

        self.apply(init)
        if self.absolute_pos_embed is not None and \
                self.pos_embed_type == 'learnable':
            trunc_normal_(self.absolute_pos_embed, std=.02)

    # ------------------------------------------------------------------
    # grids, positions (overridable for a 3-D variant)
    # ------------------------------------------------------------------
    def get_unit_grid(self, input_size: Sequence[int]) -> Grid:
        """Unit grid of an input: (H, W) pixels -> (H/16, W/16).

        Raises:
            ValueError: if H or W is not a multiple of 16.
        """
        H, W = (int(s) for s in input_size[-2:])
        p = self.patch_size
        if H % p or W % p or H <= 0 or W <= 0:
            raise ValueError(f'HiViT needs an input height and width that are'
                             f' positive multiples of {p}, got {H}x{W}')
        return (H // p, W // p)

    def units_to_map(self, units: torch.Tensor, grid: Grid) -> torch.Tensor:
        """Unit features back to an NCHW map.

        Args:
            units: (B, N, s, s, C) or (B, N, C) (s = 1), N = h * w.
            grid: (h, w).

        Returns:
            (B, C, h * s, w * s).
        """
        if units.dim() == 3:
            units = units[:, :, None, None, :]
        B, N, s, _, C = units.shape
        h, w = grid
        x = units.reshape(B, h, w, s, s, C).permute(0, 5, 1, 3, 2, 4)
        return x.reshape(B, C, h * s, w * s).contiguous()

    def build_rel_pos_index(self, grid: Grid) -> torch.Tensor:
        """Swin-style relative position index of a grid: (N, N) int64."""
        return relative_position_index(grid)

    def resize_pos_embed(self, pos_embed: torch.Tensor, src_grid: Grid,
                         dst_grid: Grid) -> torch.Tensor:
        """Bicubic resize: (1, h0*w0, C) -> (1, h*w, C)."""
        C = pos_embed.shape[-1]
        x = pos_embed.reshape(1, *src_grid, C).permute(0, 3, 1, 2)
        x = F.interpolate(
            x.float(), size=tuple(dst_grid), mode='bicubic',
            align_corners=False).to(pos_embed.dtype)
        return x.permute(0, 2, 3, 1).reshape(1, -1, C)

    def resize_rel_pos_table(self, table: torch.Tensor,
                             grid: Grid) -> torch.Tensor:
        """Bias table of the construction grid resized to ``grid``:
        ((2h0-1)(2w0-1), heads) -> ((2h-1)(2w-1), heads)."""
        return resize_relative_position_table(table, self.base_grid, grid)

    def get_pos_embed(self, grid: Grid) -> torch.Tensor:
        """Absolute position embedding for a grid: (1, N, C3); the stored
        parameter itself at the construction grid."""
        if tuple(grid) == self.base_grid:
            return self.absolute_pos_embed
        return self.resize_pos_embed(self.absolute_pos_embed, self.base_grid,
                                     grid)

    def get_rel_pos_index(self, grid: Grid) -> torch.Tensor:
        """Relative position index for a grid: (N, N) int64; the stored
        buffer at the construction grid, else built once and cached."""
        if tuple(grid) == self.base_grid:
            return self.relative_position_index
        device = self.relative_position_index.device
        key = (tuple(grid), str(device))
        index = self._rel_pos_index_cache.get(key)
        if index is None:
            index = self.build_rel_pos_index(grid).to(device)
            self._rel_pos_index_cache[key] = index
        return index

    # ------------------------------------------------------------------
    # forward
    # ------------------------------------------------------------------
    def embed_units(self,
                    x: torch.Tensor,
                    ids_keep: Optional[torch.Tensor] = None
                    ) -> Tuple[torch.Tensor, Grid]:
        """(B, 3, H, W) -> ((B, N, 4, 4, C1) units, unit grid (H/16, W/16)).

        With ``ids_keep`` (B, L): only the kept units, (B, L, 4, 4, C1). The
        patch embedding's LayerNorm is per inner token, so it is applied
        after dropping the masked units (the same values as normalising all
        units and gathering; a quarter of the work at 75% masking).
        """
        self.get_unit_grid(x.shape)  # validates the size
        if ids_keep is None:
            return self.patch_embed(x)
        embed = self.patch_embed
        units, grid = embed.group_units(embed.proj(x))
        return embed.norm(gather_units(units, ids_keep)), grid

    def forward_units(
        self,
        x: torch.Tensor,
        ids_keep: Optional[torch.Tensor] = None
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Run the encoder on all units or on the kept units only.

        Args:
            x: images (B, 3, H, W), H and W multiples of 16.
            ids_keep: optional (B, L) int64 indices of the kept units
                (row-major over the (H/16, W/16) grid). Other units are
                dropped right after the patch embedding (the stem is
                unit-local); the position embedding and the relative
                position index are gathered for the kept units.

        Returns:
            Features of the three stages, per unit (L = N = h * w without
            ``ids_keep``): (B, L, 4, 4, C1) and (B, L, 2, 2, C2), each taken
            before its PatchMerge, and (B, L, C3) after the final norm.
        """
        if ids_keep is not None:
            if ids_keep.dim() != 2 or ids_keep.shape[0] != x.shape[0]:
                raise ValueError(f'ids_keep must be (B, L) with B = '
                                 f'{x.shape[0]}, got '
                                 f'{tuple(ids_keep.shape)}')
            ids_keep = ids_keep.to(device=x.device, dtype=torch.long)
        units, grid = self.embed_units(x, ids_keep)

        outs = []
        x = units
        for stage in range(2):
            for i in self.stage_block_indices[stage]:
                x = self.blocks[i](x)
            outs.append(x)
            x = self.blocks[self.merge_indices[stage]](x)
        x = x.flatten(2)  # (B, L, 1, 1, C3) -> (B, L, C3)

        if self.absolute_pos_embed is not None:
            pos = self.get_pos_embed(grid)
            if ids_keep is not None:
                pos = gather_units(pos, ids_keep)
            x = x + pos
        x = self.pos_drop(x)

        biases = [None] * len(self.stage_block_indices[2])
        if self.use_rel_pos_bias:
            index = self.get_rel_pos_index(grid)  # (N, N)
            if ids_keep is not None:
                index = index[ids_keep[:, :, None], ids_keep[:, None, :]]
            biases = self.relative_position_biases(index, grid, x)
        for i, bias in zip(self.stage_block_indices[2], biases):
            x = self.blocks[i](x, attn_bias=bias)
        outs.append(self.norm(x))
        return tuple(outs)

    def relative_position_biases(self, index: torch.Tensor, grid: Grid,
                                 ref: torch.Tensor) -> Tuple[torch.Tensor]:
        """The relative position bias of every main block, gathered at once
        (:func:`~qpt.models.utils.gather_relative_position_biases`) from the
        blocks' tables, resized to ``grid`` unless it is the construction
        grid.

        Args:
            index: (N, N) or, for kept units, (B, L, L) long indices into
                the tables.
            grid: the unit grid of the input.
            ref: a tensor on the input's device in its dtype.

        Returns:
            One (1, h, N, N) or (B, h, L, L) tensor per main block.
        """
        tables = [
            self.blocks[i].attn.relative_position_bias_table
            for i in self.stage_block_indices[2]
        ]
        if tuple(grid) != self.base_grid:
            tables = [self.resize_rel_pos_table(t, grid) for t in tables]
        return gather_relative_position_biases(tables, index, ref)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Dense forward.

        Args:
            x: images (B, 3, H, W), H and W multiples of 16.

        Returns:
            One NCHW map per entry of ``out_indices``: stage 0
            (B, C1, H/4, W/4), stage 1 (B, C2, H/8, W/8) (both before their
            PatchMerge), stage 2 (B, C3, H/16, W/16) (after the final norm).
        """
        grid = self.get_unit_grid(x.shape)
        feats = self.forward_units(x)
        return tuple(
            self.units_to_map(feats[i], grid) for i in self.out_indices)

    def forward_masked(
            self, x: torch.Tensor, ids_keep: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Masked (MIM) forward on the kept units only.

        Args:
            x: images (B, 3, H, W).
            ids_keep: (B, L) int64 indices of kept units, row-major over the
                (H/16, W/16) grid.

        Returns:
            All three stages for the kept units: (B, L, 4, 4, C1),
            (B, L, 2, 2, C2) and (B, L, C3).
        """
        return self.forward_units(x, ids_keep)
