"""Shared machinery of the HiViT checkpoint converters.

A converter renames a foreign HiViT state dict into our names
(:class:`qpt.models.backbones.HiViT`, which uses the official HiViT /
QPT V2 release names) and records every decision in a
:class:`ConversionReport`:

- ``mapped``: (source key, our key) pairs;
- ``unexpected``: source keys that were dropped, each with the reason;
- ``missing``: keys of our standard HiViT (the layout QPT configs build:
  final LayerNorm, relative position bias and absolute position embedding
  on) that the source cannot provide;
- ``generated``: our keys made without a source tensor (a deterministic
  buffer, or a zero / identity-init fill on request);
- ``hivit_kwargs``: the ``HiViT`` constructor arguments under which the
  converted state dict loads with ``strict=True`` (``strict_loadable``
  says whether any exist), and ``exact``: whether that model computes
  what the source model computed (False only when a final norm was
  filled in).

The architecture (widths, depths, MLP ratios, heads, input size) is inferred
from the tensor shapes, then our model is built on the ``meta`` device to
check every converted tensor's shape: a mismatch is an error, never a
silent partial load.
"""
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import torch

from ..backbones.hivit import HiViT
from ..utils.relative_position import relative_position_index

__all__ = [
    'ConversionReport', 'unwrap_state_dict', 'infer_hivit_kwargs',
    'check_rel_pos_index', 'map_encoder_key', 'finalize_hivit_state_dict'
]

StateDict = Dict[str, torch.Tensor]


@dataclass
class ConversionReport:
    """What a converter did with every key (see the module docstring)."""

    source_layout: str
    mapped: List[Tuple[str, str]] = field(default_factory=list)
    unexpected: Dict[str, str] = field(default_factory=dict)
    missing: List[str] = field(default_factory=list)
    generated: Dict[str, str] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)
    hivit_kwargs: Dict[str, Any] = field(default_factory=dict)
    strict_loadable: bool = False
    exact: bool = True

    def to_dict(self) -> Dict[str, Any]:
        """Plain-Python form (for a checkpoint's ``meta`` or JSON)."""
        return dict(
            source_layout=self.source_layout,
            mapped=[list(p) for p in self.mapped],
            unexpected=dict(self.unexpected),
            missing=list(self.missing),
            generated=dict(self.generated),
            notes=list(self.notes),
            hivit_kwargs=self.hivit_kwargs,
            strict_loadable=self.strict_loadable,
            exact=self.exact)

    def summary(self, max_items: int = 20) -> str:
        """A human-readable multi-line summary."""

        def listing(items: Sequence[str]) -> List[str]:
            shown = [f'    {s}' for s in items[:max_items]]
            if len(items) > max_items:
                shown.append(f'    ... and {len(items) - max_items} more')
            return shown

        lines = [f'Converted a {self.source_layout} checkpoint:',
                 f'  mapped: {len(self.mapped)} tensors']
        renamed = [f'{s} -> {d}' for s, d in self.mapped
                   if not s.endswith(d) and not d.endswith(s)]
        if renamed:
            lines += ['  renamed:'] + listing(renamed)
        lines.append(f'  unexpected (dropped): {len(self.unexpected)}')
        lines += listing([f'{k}: {v}' for k, v in self.unexpected.items()])
        lines.append(f'  missing: {len(self.missing)}')
        lines += listing(self.missing)
        if self.generated:
            lines.append(f'  generated: {len(self.generated)}')
            lines += listing(
                [f'{k}: {v}' for k, v in self.generated.items()])
        if self.notes:
            lines.append('  notes:')
            lines += [f'    - {n}' for n in self.notes]
        lines.append(f'  HiViT kwargs for a strict load: {self.hivit_kwargs}'
                     f' (strict load possible: {self.strict_loadable}; '
                     f'computes what the source computed: {self.exact})')
        return '\n'.join(lines)


def unwrap_state_dict(checkpoint: Any,
                      wrapper_keys: Sequence[str] = ('model', 'state_dict',
                                                     'params', 'module')
                      ) -> StateDict:
    """The tensor dict inside a checkpoint.

    Args:
        checkpoint: a state dict, or a dict holding one under one of
            ``wrapper_keys`` (tried in order; ``{'model': ...}`` is the MAE
            code base, ``{'state_dict': ...}`` MMEngine, ``{'params': ...}``
            the QPT V2 release).

    Returns:
        An ordered ``{name: tensor}`` dict; a leading ``module.``
        (DistributedDataParallel) is stripped from every name.
    """
    if not isinstance(checkpoint, Mapping):
        raise TypeError(f'expected a checkpoint dict, got '
                        f'{type(checkpoint).__name__}')
    sd = checkpoint
    for key in wrapper_keys:
        inner = sd.get(key)
        if isinstance(inner, Mapping) and inner and all(
                isinstance(v, torch.Tensor) for v in inner.values()):
            sd = inner
            break
    tensors = OrderedDict()
    for k, v in sd.items():
        if not isinstance(v, torch.Tensor):
            continue
        tensors[k[len('module.'):] if k.startswith('module.') else k] = v
    if not tensors:
        raise ValueError(f'no tensors found in the checkpoint (top-level '
                         f'keys: {sorted(checkpoint)[:10]})')
    return tensors


def _block_ids(sd: Mapping[str, torch.Tensor]) -> List[int]:
    return sorted({int(k.split('.')[1]) for k in sd
                   if k.startswith('blocks.') and k.split('.')[1].isdigit()})


def _square_grid(n: int, what: str) -> int:
    g = int(round(n**0.5))
    if g * g != n:
        raise ValueError(f'{what} has {n} positions, not a square grid')
    return g


def infer_hivit_kwargs(sd: Mapping[str, torch.Tensor],
                       num_heads: Optional[int] = None,
                       notes: Optional[List[str]] = None) -> Dict[str, Any]:
    """HiViT constructor kwargs that reproduce a state dict in our names.

    Args:
        sd: state dict already renamed to our names (no prefix).
        num_heads: heads of the main blocks; inferred from a relative
            position bias table when there is one, else looked up by width
            in ``HiViT.arch_zoo`` (else ``embed_dims // 64``), with a note.
        notes: list that receives notes on assumptions.

    Returns:
        ``arch`` (dict), ``img_size``, ``qkv_bias``, ``use_rel_pos_bias``,
        ``use_abs_pos_embed`` and ``final_norm``.
    """
    notes = notes if notes is not None else []
    if 'patch_embed.proj.weight' not in sd:
        raise ValueError('not a HiViT state dict: patch_embed.proj.weight '
                         'is absent')
    c1 = sd['patch_embed.proj.weight'].shape[0]
    ids = _block_ids(sd)
    merges = [i for i in ids if f'blocks.{i}.reduction.weight' in sd]
    mains = [i for i in ids if f'blocks.{i}.attn.qkv.weight' in sd]
    if len(merges) != 2:
        raise ValueError(f'expected 2 PatchMerge blocks, found {len(merges)} '
                         f'(at blocks {merges})')
    m0, m1 = merges
    stem0, stem1 = m0, m1 - m0 - 1
    if stem0 % 2 or stem1 % 2 or stem0 < 0 or stem1 < 0:
        raise ValueError(f'stem stages must hold pairs of MLP blocks; found '
                         f'{stem0} and {stem1} blocks before the merges')
    if mains != list(range(m1 + 1, m1 + 1 + len(mains))) or (
            ids and ids[-1] != m1 + len(mains)):
        raise ValueError('main (attention) blocks must follow the second '
                         'PatchMerge without gaps')
    c3 = sd[f'blocks.{mains[0]}.attn.qkv.weight'].shape[1] if mains else \
        4 * c1
    if c3 != 4 * c1:
        raise ValueError(f'HiViT needs the main width to be 4x the stem '
                         f'width; found {c1} and {c3}')

    table_key = f'blocks.{mains[0]}.attn.relative_position_bias_table' \
        if mains else None
    has_table = table_key is not None and table_key in sd
    if has_table:
        inferred = sd[table_key].shape[1]
        if num_heads is not None and num_heads != inferred:
            raise ValueError(f'num_heads={num_heads} disagrees with the '
                             f'relative position bias table ({inferred})')
        num_heads = inferred
    elif num_heads is None:
        depths = [stem0 // 2, stem1 // 2, len(mains)]
        zoo = [a for a in HiViT.arch_zoo.values()
               if a['embed_dims'] == c3]
        num_heads = zoo[0]['num_heads'] if zoo else max(c3 // 64, 1)
        notes.append(f'num_heads cannot be read from the weights (no '
                     f'relative position bias); assumed {num_heads} for '
                     f'width {c3}, depths {depths} (override with '
                     f'num_heads)')

    arch: Dict[str, Any] = dict(
        embed_dims=c3, depths=[stem0 // 2, stem1 // 2, len(mains)],
        num_heads=num_heads)
    if stem0:
        ratio = sd['blocks.0.mlp.fc1.weight'].shape[0] / c1
        if ratio != 3:
            arch['stem_mlp_ratio'] = ratio
    if mains:
        ratio = sd[f'blocks.{mains[0]}.mlp.fc1.weight'].shape[0] / c3
        if ratio != 4:
            arch['mlp_ratio'] = ratio

    if 'absolute_pos_embed' in sd:
        grid = _square_grid(sd['absolute_pos_embed'].shape[1],
                            'absolute_pos_embed')
    elif has_table:
        side = _square_grid(sd[table_key].shape[0],
                            'relative_position_bias_table')
        grid = (side + 1) // 2
    elif 'relative_position_index' in sd:
        grid = _square_grid(sd['relative_position_index'].shape[0],
                            'relative_position_index')
    else:
        grid = 14
        notes.append('input size cannot be read from the weights; assumed '
                     '224')
    return dict(
        arch=arch,
        img_size=grid * HiViT.patch_size,
        qkv_bias=(not mains) or f'blocks.{mains[0]}.attn.qkv.bias' in sd,
        use_rel_pos_bias=has_table,
        use_abs_pos_embed='absolute_pos_embed' in sd,
        final_norm='norm.weight' in sd)


def check_rel_pos_index(index: torch.Tensor, key: str) -> None:
    """Raise unless ``index`` is the Swin-style index of its square grid
    (the one our HiViT builds)."""
    n = index.shape[0]
    grid = _square_grid(n, key)
    expected = relative_position_index((grid, grid))
    if tuple(index.shape) != (n, n) or not torch.equal(
            index.to(torch.long).cpu(), expected):
        raise ValueError(f'{key} is not the Swin-style relative position '
                         f'index of a {grid}x{grid} grid; refusing to map it '
                         f'(the bias tables would be read in another order)')


def map_encoder_key(name: str, value: torch.Tensor, key: str,
                    report: 'ConversionReport',
                    pos_names: Sequence[str] = ('pos_embed', )
                    ) -> Optional[str]:
    """Our name for a source encoder tensor, or None when it is dropped.

    The rules both source layouts share: a position embedding named in
    ``pos_names`` becomes ``absolute_pos_embed``; the model-level
    ``relative_position_index`` is verified and kept; per-block copies of
    the index are verified and dropped; ``patch_embed.*`` and ``blocks.*``
    keep their names; anything else is dropped as not part of an encoder.

    Args:
        name: the source name without its layout's prefix.
        value: the tensor.
        key: the full source name (for messages and the report).
        report: a dropped key is recorded in ``report.unexpected`` with its
            reason.
        pos_names: the source names of the absolute position embedding.

    Raises:
        ValueError: a relative position index in another convention.
    """
    if name in pos_names:
        return 'absolute_pos_embed'
    if name == 'relative_position_index':
        check_rel_pos_index(value, key)
        return name
    if name.startswith('blocks.') and name.endswith(
            'attn.relative_position_index'):
        check_rel_pos_index(value, key)
        report.unexpected[key] = ('per-block copy of the relative position '
                                  'index (verified, derived)')
        return None
    if name.startswith(('patch_embed.', 'blocks.')):
        return name
    report.unexpected[key] = 'not part of a HiViT encoder'
    return None


def _expected_shapes(kwargs: Dict[str, Any]) -> Dict[str, torch.Size]:
    """Names and shapes of HiViT(**kwargs), built on the meta device."""
    with torch.device('meta'):
        model = HiViT(**kwargs)
    return {k: v.shape for k, v in model.state_dict().items()}


def finalize_hivit_state_dict(sd: StateDict,
                              report: ConversionReport,
                              num_heads: Optional[int] = None,
                              fill_missing: bool = False,
                              prefix: str = '') -> 'OrderedDict[str, Any]':
    """Check a renamed state dict against our HiViT and complete the report.

    Args:
        sd: the renamed tensors (our names, no prefix).
        report: the converter's report so far (mapped / unexpected); its
            ``missing``, ``generated``, ``hivit_kwargs``, ``exact`` and
            ``notes`` are filled here, and ``prefix`` is prepended to the
            targets of ``mapped``.
        num_heads: see :func:`infer_hivit_kwargs`.
        fill_missing: fill what the standard layout needs and the source
            lacks: zero relative position bias tables (exactly equivalent to
            no bias), a zero absolute position embedding (exact), and a
            LayerNorm at its initial value (weight 1, bias 0) for an absent
            final norm (not equivalent: it adds a normalisation the source
            did not apply; fine-tuning trains it).
        prefix: prepended to every key of the result (e.g. ``'backbone.'``).

    Returns:
        The converted state dict (contiguous tensors, in our order).

    Raises:
        ValueError: a tensor has a shape, or a name, our HiViT does not
            accept.
    """
    source_kwargs = infer_hivit_kwargs(sd, num_heads, report.notes)
    num_heads = source_kwargs['arch']['num_heads']
    exact = _expected_shapes(source_kwargs)
    standard = _expected_shapes(
        dict(source_kwargs, use_rel_pos_bias=True, use_abs_pos_embed=True,
             final_norm=True))
    side = source_kwargs['img_size'] // HiViT.patch_size
    grid = (side, side)

    sd = dict(sd)
    if source_kwargs['use_rel_pos_bias'] and \
            'relative_position_index' not in sd:
        sd['relative_position_index'] = relative_position_index(grid)
        report.generated['relative_position_index'] = (
            f'deterministic buffer of the {side}x{side} grid')
    bad = [
        f'{k}: source {tuple(sd[k].shape)}, ours {tuple(shape)}'
        for k, shape in exact.items()
        if k in sd and tuple(sd[k].shape) != tuple(shape)
    ]
    bad += [f'{k}: no such tensor in our HiViT' for k in sd if k not in exact]
    if bad:
        raise ValueError('the converted weights do not fit our HiViT ('
                         f'{source_kwargs}):\n  ' + '\n  '.join(bad))

    out: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    dtype = sd['patch_embed.proj.weight'].dtype
    exact_result = True
    for key, shape in standard.items():
        if key in sd:
            out[key] = sd[key].contiguous()
            continue
        fill = None
        if fill_missing:
            if key == 'relative_position_index':
                fill = relative_position_index(grid), 'deterministic buffer'
            elif key.endswith('relative_position_bias_table'):
                fill = (torch.zeros(shape, dtype=dtype),
                        'zeros (no bias: exact)')
            elif key == 'absolute_pos_embed':
                fill = (torch.zeros(shape, dtype=dtype),
                        'zeros (no embedding: exact)')
            elif key in ('norm.weight', 'norm.bias'):
                init = torch.ones if key == 'norm.weight' else torch.zeros
                fill = (init(shape, dtype=dtype),
                        'LayerNorm at init: adds a final norm the source '
                        'lacks (not exact)')
                exact_result = False
        if fill is None:
            report.missing.append(key)
        else:
            out[key], report.generated[key] = fill

    report.hivit_kwargs = infer_hivit_kwargs(out, num_heads) if out else {}
    report.strict_loadable = bool(out) and set(
        _expected_shapes(report.hivit_kwargs)) == set(out)
    report.exact = exact_result
    if not source_kwargs['final_norm'] and not fill_missing:
        report.notes.append(
            'the source applies no final LayerNorm: our HiViT needs '
            'final_norm=False to reproduce it (or convert with fill_missing '
            'for a fresh norm)')
    if not source_kwargs['use_rel_pos_bias'] and not fill_missing:
        report.notes.append(
            'the source has no relative position bias: our HiViT needs '
            'use_rel_pos_bias=False (or convert with fill_missing: zero '
            'tables, exactly equivalent)')
    report.mapped = [(src, prefix + dst) for src, dst in report.mapped]
    return OrderedDict((prefix + k, v) for k, v in out.items())
