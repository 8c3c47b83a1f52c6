"""The curation report: a JSON summary and the text printed for the user.

The report says how many images were kept and rejected and why, what the
thresholds resolved to, what the foreground measure was (SA-1B mask union or
the PROXY computed from pixels), distribution summaries of each statistic,
and every unreadable image or bad annotation with its message.
"""
import json
from typing import Dict, List, Optional

import numpy as np

from ...utils.atomic_io import atomic_write_text
from .result import THRESHOLD_NAMES, CurationResult

__all__ = ['build_report', 'format_summary', 'write_report']

_THRESHOLD_REASON = {
    'min_short_side': 'short side',
    'min_pixels': 'pixels',
    'min_objects': 'objects',
    'min_coverage': 'coverage',
}


def _reason_of(name: str, result: CurationResult) -> str:
    reason = _THRESHOLD_REASON[name]
    return 'coverage proxy' if reason == 'coverage' and \
        result.fmt == 'folder' else reason


def _summary(values: List[float]) -> Optional[Dict[str, float]]:
    if not values:
        return None
    q = np.percentile(np.asarray(values, dtype=np.float64),
                      [0, 10, 25, 50, 75, 90, 100])
    names = ('min', 'p10', 'p25', 'median', 'p75', 'p90', 'max')
    return {n: round(float(v), 6) for n, v in zip(names, q)}


def build_report(result: CurationResult) -> dict:
    """The report of a run as a JSON-serialisable dict."""
    usable = result.usable
    statistics = {
        'short_side_px': _summary([s.short_side for s in usable]),
        'megapixels': _summary([s.pixels / 1e6 for s in usable]),
    }
    if result.fmt == 'sa1b':
        statistics['objects_per_image'] = _summary(
            [s.num_objects for s in usable])
        statistics['coverage'] = _summary([s.coverage for s in usable])
    elif result.uses_proxy:
        statistics['coverage_proxy'] = _summary([s.proxy for s in usable])
    return {
        'root': result.root,
        'format': result.fmt,
        'foreground_measure': result.coverage_source,
        'foreground_is_proxy': result.uses_proxy,
        'num_images': result.num_images,
        'num_kept': result.num_kept,
        'num_rejected': result.num_rejected,
        'rejected': result.rejected_counts,
        'failed_per_threshold': result.failed,
        'thresholds': {
            name: {
                'spec': result.threshold_specs[name],
                'value': result.thresholds[name],
                'reason': _reason_of(name, result),
            }
            for name in THRESHOLD_NAMES
            if result.threshold_specs[name] is not None
        },
        'statistics': statistics,
        'num_computed': result.num_computed,
        'num_cached': result.num_cached,
        'elapsed_s': round(result.elapsed_s, 3),
        'outputs': dict(result.outputs),
        'errors': [{
            'path': s.path,
            'reason': s.error,
            'message': s.message
        } for s in result.stats if s.error is not None],
    }


def write_report(result: CurationResult, path: str) -> None:
    """Write :func:`build_report` as indented JSON, atomically."""
    atomic_write_text(
        json.dumps(build_report(result), indent=2) + '\n', path)


def format_summary(result: CurationResult) -> str:
    """The lines printed at the end of a run."""
    lines = [
        f'{result.root}: {result.num_images} images ({result.fmt} format), '
        f'kept {result.num_kept}, rejected {result.num_rejected} '
        f'[statistics computed {result.num_computed}, cached '
        f'{result.num_cached}, {result.elapsed_s:.1f} s]'
    ]
    if result.coverage_source:
        lines.append(f'  foreground measure: {result.coverage_source}')
    for name in THRESHOLD_NAMES:
        spec = result.threshold_specs[name]
        if spec is None:
            continue
        value = result.thresholds[name]
        shown = 'n/a (no usable images)' if value is None else f'{value:g}'
        if spec != shown:
            shown = f'{shown} (from {spec})'
        lines.append(f'  threshold {name} = {shown}')
    for reason, paths in result.rejected.items():
        lines.append(f'  rejected, {reason}: {len(paths)}')
    return '\n'.join(lines)
