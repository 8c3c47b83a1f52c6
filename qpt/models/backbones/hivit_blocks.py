"""HiViT's flat block list: stem, merge, stem, merge, main (official names).

The released checkpoints name every block ``blocks.<i>`` in one list:
``2 * depths[0]`` MLP-only blocks of stage 0, a PatchMerge, ``2 *
depths[1]`` MLP-only blocks of stage 1, a PatchMerge, then ``depths[2]``
attention blocks (HiViT-T: blocks 0-1, merge 2, blocks 3-4, merge 5, main
blocks 6-15).
"""
from typing import List, Optional, Sequence, Tuple

import torch.nn as nn

from ..utils.patch_merge import PatchMerge
from ..utils.transformer import TransformerBlock

__all__ = ['build_hivit_blocks', 'layer_depths']


def build_hivit_blocks(stage_dims: Sequence[int],
                       depths: Sequence[int],
                       num_heads: int,
                       stem_mlp_ratio: float = 3.,
                       mlp_ratio: float = 4.,
                       qkv_bias: bool = True,
                       rel_pos_table_size: Optional[int] = None,
                       drop_rate: float = 0.,
                       attn_drop_rate: float = 0.,
                       drop_path_rate: float = 0.
                       ) -> Tuple[nn.ModuleList, List[List[int]], List[int]]:
    """Build the block list.

    Args:
        stage_dims: (C1, C2, C3).
        depths: [stem units of stage 0, stem units of stage 1, main blocks]
            (a stem unit is two MLP-only blocks).
        num_heads: heads of the main blocks.
        stem_mlp_ratio: hidden ratio of the MLP-only blocks.
        mlp_ratio: hidden ratio of the main blocks.
        qkv_bias: bias on the main blocks' qkv projection.
        rel_pos_table_size: rows of each main block's relative position bias
            table; None: no bias.
        drop_rate: dropout inside the blocks.
        attn_drop_rate: attention dropout.
        drop_path_rate: stochastic depth, growing linearly over the
            non-merge blocks.

    Returns:
        ``(blocks, stage_block_indices, merge_indices)``: the list, the
        indices into it of each stage's non-merge blocks, and those of the
        two PatchMerges.
    """
    C1, C2, C3 = stage_dims
    num_plain = 2 * depths[0] + 2 * depths[1] + depths[2]
    dpr = iter(drop_path_rate * i / max(num_plain - 1, 1)
               for i in range(num_plain))
    blocks = nn.ModuleList()
    stage_block_indices: List[List[int]] = []
    merge_indices: List[int] = []
    for stage, dim in enumerate((C1, C2)):
        ids = []
        for _ in range(2 * depths[stage]):
            ids.append(len(blocks))
            blocks.append(
                TransformerBlock(
                    dim,
                    0,
                    mlp_ratio=stem_mlp_ratio,
                    drop=drop_rate,
                    drop_path=next(dpr)))
        stage_block_indices.append(ids)
        merge_indices.append(len(blocks))
        blocks.append(PatchMerge(dim))
    ids = []
    for _ in range(depths[2]):
        ids.append(len(blocks))
        blocks.append(
            TransformerBlock(
                C3,
                num_heads,
                mlp_ratio=mlp_ratio,
                qkv_bias=qkv_bias,
                rel_pos_table_size=rel_pos_table_size,
                drop=drop_rate,
                attn_drop=attn_drop_rate,
                drop_path=next(dpr)))
    stage_block_indices.append(ids)
    return blocks, stage_block_indices, merge_indices


def layer_depths(num_blocks: int, merge_indices: Sequence[int]) -> List[int]:
    """Layer-wise lr-decay depth of every entry of the block list: the k-th
    non-merge block (counted from 1) is layer k; a PatchMerge takes the
    depth of the block before it."""
    depths, depth = [], 0
    merges = set(merge_indices)
    for i in range(num_blocks):
        if i not in merges:
            depth += 1
        depths.append(depth)
    return depths
