"""Histograms of a curated collection with the thresholds marked (PNG).

The two perspectives of QPT V2's "HR & HFC" data figure, for the user's own
collection: resolution (short side and megapixels) and foreground (objects
per image and mask coverage for SA-1B; the edge-coverage PROXY otherwise).
The kept side of each threshold is shaded, as the dashed box in the figure.

Matplotlib's Agg canvas is used directly (no pyplot, no global backend).
"""
import io
from typing import List, Optional, Sequence, Tuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ...utils.atomic_io import atomic_write_bytes
from .result import CurationResult

__all__ = ['plot_resolution', 'plot_foreground']

_MAX_BINS = 60
_KEEP_COLOR = '#2ca02c'

Panel = Tuple[str, Sequence[float], Optional[float], Optional[str], bool]


def _bins(values: np.ndarray, integer: bool) -> np.ndarray:
    lo, hi = float(values.min()), float(values.max())
    if integer:
        width = max(1, int(np.ceil((hi - lo + 1) / _MAX_BINS)))
        return np.arange(lo - 0.5, hi + width + 0.5, width)
    if hi <= lo:
        return np.array([lo - 0.5, lo + 0.5])
    edges = np.histogram_bin_edges(values, bins='auto')
    if len(edges) > _MAX_BINS + 1:
        edges = np.linspace(lo, hi, _MAX_BINS + 1)
    return edges


def _panel(ax, xlabel: str, values: Sequence[float],
           threshold: Optional[float], spec: Optional[str],
           integer: bool) -> None:
    values = np.asarray(values, dtype=np.float64)
    ax.set_xlabel(xlabel)
    ax.set_ylabel('number of images')
    if values.size == 0:
        ax.text(0.5, 0.5, 'no usable images', ha='center', va='center',
                transform=ax.transAxes)
        return
    ax.hist(values, bins=_bins(values, integer), color='#c9c3cf',
            edgecolor='#4d4d4d', linewidth=0.6)
    if threshold is not None:
        kept = int((values >= threshold).sum())
        shown = f'{threshold:.4g}'
        if spec is not None and spec != shown:
            shown = f'{shown} ({spec})'
        ax.axvline(threshold, color=_KEEP_COLOR, linestyle='--', linewidth=2,
                   label=f'threshold {shown}')
        left, right = ax.get_xlim()
        right = max(right, threshold)
        ax.axvspan(threshold, right, color=_KEEP_COLOR, alpha=0.12,
                   label=f'pass: {kept} of {values.size}')
        ax.set_xlim(min(left, threshold), right)
        ax.legend(loc='upper right', fontsize='small')


def _save(panels: List[Panel], title: str, path: str) -> None:
    fig = Figure(figsize=(max(7.5, 5.5 * len(panels)), 4.2), dpi=100,
                 layout='constrained')
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, panel in zip(axes, panels):
        _panel(ax, *panel)
    fig.suptitle(title)
    buf = io.BytesIO()
    fig.savefig(buf, format='png')
    atomic_write_bytes(buf.getvalue(), path)


def plot_resolution(result: CurationResult, path: str) -> None:
    """Short side and megapixels of the usable images, thresholds marked."""
    usable = result.usable
    th, spec = result.thresholds, result.threshold_specs
    min_pixels = th['min_pixels']
    mpix_spec = spec['min_pixels']  # shown only for a percentile
    if mpix_spec is not None and not mpix_spec.lower().startswith('p'):
        mpix_spec = None
    panels: List[Panel] = [
        ('short side (px)', [s.short_side for s in usable],
         th['min_short_side'], spec['min_short_side'], False),
        ('megapixels', [s.pixels / 1e6 for s in usable],
         None if min_pixels is None else min_pixels / 1e6, mpix_spec, False),
    ]
    _save(panels, f'Resolution (HR): {len(usable)} usable images', path)


def plot_foreground(result: CurationResult, path: str) -> None:
    """Objects per image and coverage (SA-1B) or the coverage PROXY."""
    usable = result.usable
    th, spec = result.thresholds, result.threshold_specs
    if result.fmt == 'sa1b':
        panels: List[Panel] = [
            ('objects per image (mask annotations)',
             [s.num_objects for s in usable], th['min_objects'],
             spec['min_objects'], True),
            ('foreground coverage (union of masks / image area)',
             [s.coverage for s in usable], th['min_coverage'],
             spec['min_coverage'], False),
        ]
        title = f'Foreground (HFC), SA-1B masks: {len(usable)} usable images'
    else:
        panels = [('foreground coverage PROXY: fraction of edge cells',
                   [s.proxy for s in usable], th['min_coverage'],
                   spec['min_coverage'], False)]
        title = (f'Foreground PROXY (edge coverage, no annotations): '
                 f'{len(usable)} usable images')
    _save(panels, title, path)
