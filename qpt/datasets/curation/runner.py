"""Curate an image collection into a pretraining annotation list.

QPT V2's "HR & HFC" data: keep high-resolution images with high foreground
coverage. :func:`curate` scans a folder, computes per-image statistics in
parallel (resumable through a cache), applies the thresholds and writes

- ``OUT`` (e.g. ``ann.txt``): the kept images, one path per line, relative
  to the root, '/'-separated, sorted;
- ``OUT_STEM.report.json``: counts per rejection reason, thresholds, errors;
- ``OUT_STEM.stats.jsonl``: the statistics cache (see :mod:`.stats_cache`);
- ``OUT_STEM.resolution.png`` and ``OUT_STEM.foreground.png``: histograms
  with the thresholds marked;
- optionally ``OUT_STEM.rejected.txt``: ``path<TAB>reason`` per rejection.

All outputs but the cache (which is appended to) are written atomically.

Scanning: every file under the root whose extension is one of
:data:`IMAGE_EXTENSIONS` (any case), recursively, skipping names that start
with '.' and the run's own plots; symbolic links to folders are not
followed. In 'sa1b' format each image needs ``<stem>.json`` beside it;
'auto' picks 'sa1b' when any image has one.
"""
import functools
import logging
import multiprocessing
import os
import os.path as osp
import time
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, \
    Set, Tuple, Union

from tqdm import tqdm

from ...utils.atomic_io import atomic_write_text
from ..image_io import IMAGE_EXTENSIONS
from .foreground_proxy import EdgeProxyConfig
from .histograms import plot_foreground, plot_resolution
from .image_stats import (ERROR_BAD_ANN, ERROR_MISSING_ANN, ERROR_UNREADABLE,
                          ImageStats, StatsSettings, annotation_path,
                          compute_image_stats)
from .report import format_summary, write_report
from .result import THRESHOLD_NAMES, CurationResult
from .stats_cache import StatsCache, file_key
from .thresholds import Threshold, parse_threshold

__all__ = [
    'IMAGE_EXTENSIONS', 'scan_images', 'detect_format', 'output_paths',
    'select_images', 'curate'
]

logger = logging.getLogger(__name__)

ThresholdSpec = Union[None, str, int, float, Threshold]


def scan_images(root: str,
                exclude: Iterable[str] = ()) -> Tuple[List[str], Set[str]]:
    """Image files under ``root`` and the annotation files seen.

    Args:
        root: the collection root.
        exclude: relative paths to leave out (the run's own outputs).

    Returns:
        ``(images, jsons)``: sorted '/'-separated relative paths of the
        images, and the set of relative paths of ``.json`` files.
    """
    exclude = set(exclude)
    images, jsons = [], set()
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
        rel_folder = osp.relpath(folder, root)
        prefix = '' if rel_folder == '.' else \
            rel_folder.replace(os.sep, '/') + '/'
        for name in files:
            if name.startswith('.'):
                continue
            ext = osp.splitext(name)[1].lower()
            rel = prefix + name
            if ext in IMAGE_EXTENSIONS and rel not in exclude:
                images.append(rel)
            elif ext == '.json':
                jsons.add(rel)
    images.sort()
    return images, jsons


def detect_format(images: Sequence[str], jsons: Set[str]) -> str:
    """'sa1b' when any image has ``<stem>.json`` beside it, else 'folder'."""
    return 'sa1b' if any(
        annotation_path(rel) in jsons for rel in images) else 'folder'


def output_paths(out: str) -> Dict[str, str]:
    """The files a run writes, derived from the list path ``out``."""
    out = osp.abspath(os.fspath(out))
    stem = osp.splitext(out)[0]
    return {
        'list': out,
        'report': stem + '.report.json',
        'cache': stem + '.stats.jsonl',
        'plot_resolution': stem + '.resolution.png',
        'plot_foreground': stem + '.foreground.png',
        'rejected_list': stem + '.rejected.txt',
    }


Selection = Tuple[List[str], Dict[str, List[str]], Dict[str, int],
                  Dict[str, Optional[float]]]


def select_images(stats: Sequence[ImageStats],
                  thresholds: Dict[str, Optional[Threshold]],
                  fmt: str) -> Selection:
    """Apply the thresholds (percentiles resolved over usable images).

    Args:
        stats: statistics of every image.
        thresholds: name (:data:`THRESHOLD_NAMES`) -> parsed threshold or
            ``None``.
        fmt: 'sa1b' (coverage from masks) or 'folder' (coverage = proxy).

    Returns:
        ``(kept, rejected, failed, resolved)`` as in :class:`CurationResult`.
    """
    usable = [s for s in stats if s.error is None]
    coverage_of = (lambda s: s.coverage) if fmt == 'sa1b' else \
        (lambda s: s.proxy)
    measures = {
        'min_short_side': ('short side', lambda s: s.short_side),
        'min_pixels': ('pixels', lambda s: s.pixels),
        'min_objects': ('objects', lambda s: s.num_objects),
        'min_coverage': ('coverage' if fmt == 'sa1b' else 'coverage proxy',
                         coverage_of),
    }
    resolved: Dict[str, Optional[float]] = {}
    checks = []
    for name in THRESHOLD_NAMES:
        th = thresholds.get(name)
        reason, get = measures[name]
        if th is None:
            resolved[name] = None
            continue
        resolved[name] = th.resolve([get(s) for s in usable])
        if resolved[name] is not None:
            checks.append((reason, get, resolved[name]))

    order = [ERROR_UNREADABLE, ERROR_MISSING_ANN, ERROR_BAD_ANN] + \
        [reason for reason, _, _ in checks]
    rejected: Dict[str, List[str]] = {r: [] for r in order}
    failed = {reason: 0 for reason, _, _ in checks}
    kept: List[str] = []
    for s in stats:
        if s.error is not None:
            rejected.setdefault(s.error, []).append(s.path)
            continue
        fails = [reason for reason, get, bound in checks if get(s) < bound]
        for reason in fails:
            failed[reason] += 1
        if fails:
            rejected[fails[0]].append(s.path)
        else:
            kept.append(s.path)
    rejected = {r: sorted(p) for r, p in rejected.items() if p}
    return sorted(kept), rejected, failed, resolved


def _compute_all(todo: List[str], root: str, settings: StatsSettings,
                 workers: int, chunksize: Optional[int],
                 progress: bool) -> Iterator[ImageStats]:
    """Statistics of ``todo`` in any order, in a process pool if workers>1."""
    fn = functools.partial(compute_image_stats, root=root, settings=settings)
    if not todo:
        return
    if workers <= 1 or len(todo) == 1:
        with tqdm(total=len(todo), desc='curate', unit='img',
                  disable=not progress) as bar:
            for rel in todo:
                yield fn(rel)
                bar.update()
        return
    if chunksize is None:
        chunksize = max(1, min(32, len(todo) // (workers * 8)))
    # The pool is started before tqdm's monitor thread: fork without threads.
    with multiprocessing.Pool(min(workers, len(todo))) as pool:
        with tqdm(total=len(todo), desc='curate', unit='img',
                  disable=not progress) as bar:
            for stats in pool.imap_unordered(fn, todo, chunksize):
                yield stats
                bar.update()


def curate(root: str,
           out: str,
           fmt: str = 'auto',
           min_short_side: ThresholdSpec = None,
           min_pixels: ThresholdSpec = None,
           min_objects: ThresholdSpec = None,
           min_coverage: ThresholdSpec = None,
           proxy: Union[None, str, EdgeProxyConfig] = 'edge',
           verify: bool = False,
           workers: Optional[int] = None,
           cache: Union[bool, str] = True,
           chunksize: Optional[int] = None,
           progress: bool = True,
           plots: bool = True,
           save_rejected: bool = False) -> CurationResult:
    """Select high-resolution, high-foreground-coverage images.

    Thresholds are numbers or percentiles of the collection (``'p50'``),
    see :mod:`.thresholds`; an image is kept when every statistic is
    ``>=`` its bound.

    Args:
        root: the image collection.
        out: the annotation list to write (other outputs sit beside it,
            see :func:`output_paths`).
        fmt: 'sa1b' (SA-1B JSON per image), 'folder' (no annotations) or
            'auto' ('sa1b' when any image has a ``.json`` beside it).
        min_short_side: bound on min(height, width) in pixels.
        min_pixels: bound on height * width.
        min_objects: bound on the number of mask annotations (SA-1B only).
        min_coverage: bound on foreground coverage in [0, 1]: the union of
            the masks (SA-1B) or, in folder format, the edge-coverage PROXY.
        proxy: folder format: 'edge' (default parameters), an
            :class:`EdgeProxyConfig`, or ``None`` for resolution only
            (header reads, no decoding).
        verify: decode every image (at reduced size) to reject truncated
            files whose header is intact; implied by the proxy.
        workers: processes; default ``os.cpu_count()``; 1 runs in-process.
        cache: ``True``: the default cache file beside ``out``; a path: that
            file; ``False``: no cache.
        chunksize: images per task sent to a worker (default: automatic).
        progress: show a tqdm progress bar.
        plots: write the histogram PNGs.
        save_rejected: also write ``path<TAB>reason`` for every rejection.

    Returns:
        The :class:`CurationResult`.

    Raises:
        ValueError: bad argument, or a threshold the format cannot measure.
        FileNotFoundError: ``root`` is not a folder.
    """
    start = time.perf_counter()
    root = osp.abspath(os.fspath(root))
    if not osp.isdir(root):
        raise FileNotFoundError(f'{root}: no such folder')
    if fmt not in ('auto', 'sa1b', 'folder'):
        raise ValueError(f"fmt must be 'auto', 'sa1b' or 'folder', got {fmt}")
    if proxy == 'edge':
        proxy = EdgeProxyConfig()
    elif proxy is not None and not isinstance(proxy, EdgeProxyConfig):
        raise ValueError(f"proxy must be 'edge', None or an EdgeProxyConfig, "
                         f'got {proxy!r}')
    thresholds = {
        'min_short_side': parse_threshold(min_short_side),
        'min_pixels': parse_threshold(min_pixels),
        'min_objects': parse_threshold(min_objects),
        'min_coverage': parse_threshold(min_coverage),
    }
    workers = (os.cpu_count() or 1) if workers is None else int(workers)
    paths = output_paths(out)
    own_outputs = [
        osp.relpath(paths[k], root).replace(os.sep, '/')
        for k in ('plot_resolution', 'plot_foreground')
    ]

    images, jsons = scan_images(root, exclude=own_outputs)
    if fmt == 'auto':
        fmt = detect_format(images, jsons)
    if fmt == 'folder' and thresholds['min_objects'] is not None:
        raise ValueError('min_objects needs SA-1B annotations (fmt="sa1b"); '
                         'a folder collection has no object count')
    if fmt == 'folder' and proxy is None and \
            thresholds['min_coverage'] is not None:
        raise ValueError('min_coverage on a folder collection needs the '
                         'coverage proxy (proxy="edge")')
    settings = StatsSettings(fmt=fmt, proxy=proxy, verify=verify)
    if fmt == 'sa1b':
        coverage_source = 'union of SA-1B mask annotations / image area'
    elif proxy is not None:
        coverage_source = proxy.describe()
    else:
        coverage_source = None
    logger.info('%s: %d images, %s format', root, len(images), fmt)

    stats_cache = None
    if cache:
        cache_path = paths['cache'] if cache is True else os.fspath(cache)
        stats_cache = StatsCache(cache_path, settings.signature())
        paths['cache'] = osp.abspath(cache_path)
    else:
        paths.pop('cache')

    by_path: Dict[str, ImageStats] = {}
    keys: Dict[str, list] = {}
    todo: List[str] = []
    num_cached = 0
    for rel in images:
        path = osp.join(root, *rel.split('/'))
        ann = annotation_path(path) if fmt == 'sa1b' else None
        try:
            keys[rel] = file_key(path, ann)
        except OSError as e:  # vanished since the scan
            by_path[rel] = ImageStats(
                path=rel, error=ERROR_UNREADABLE, message=f'{path}: {e}')
            continue
        cached = stats_cache.get(rel, keys[rel]) if stats_cache else None
        if cached is not None:
            by_path[rel] = cached
            num_cached += 1
        else:
            todo.append(rel)

    try:
        for stats in _compute_all(todo, root, settings, workers, chunksize,
                                  progress):
            by_path[stats.path] = stats
            if stats.error is not None:
                logger.warning('skipped (%s): %s', stats.error, stats.message)
            if stats_cache is not None:
                stats_cache.put(stats, keys[stats.path])
    finally:
        if stats_cache is not None:
            stats_cache.flush()

    all_stats = [by_path[rel] for rel in images]
    kept, rejected, failed, resolved = select_images(all_stats, thresholds,
                                                     fmt)
    if stats_cache is not None:
        stats_cache.compact(images)

    atomic_write_text(''.join(p + '\n' for p in kept), paths['list'])
    result = CurationResult(
        root=root,
        fmt=fmt,
        kept=kept,
        rejected=rejected,
        failed=failed,
        thresholds=resolved,
        threshold_specs={
            k: None if v is None else v.spec
            for k, v in thresholds.items()
        },
        coverage_source=coverage_source,
        stats=all_stats,
        num_computed=len(todo),
        num_cached=num_cached)
    if save_rejected:
        atomic_write_text(
            ''.join(f'{p}\t{reason}\n'
                    for reason, ps in rejected.items() for p in ps),
            paths['rejected_list'])
    else:
        paths.pop('rejected_list')
    if plots:
        plot_resolution(result, paths['plot_resolution'])
        if result.fmt == 'sa1b' or result.uses_proxy:
            plot_foreground(result, paths['plot_foreground'])
        else:
            paths.pop('plot_foreground')
    else:
        paths.pop('plot_resolution')
        paths.pop('plot_foreground')
    result.outputs = paths
    result.elapsed_s = time.perf_counter() - start
    write_report(result, paths['report'])
    logger.info('%s', format_summary(result))
    return result
