"""The outcome of a curation run (what :func:`curate` returns)."""
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from .image_stats import ImageStats

__all__ = ['CurationResult', 'THRESHOLD_NAMES']

# Keyword names of the thresholds, in the order they are checked.
THRESHOLD_NAMES = ('min_short_side', 'min_pixels', 'min_objects',
                   'min_coverage')


@dataclass
class CurationResult:
    """Kept and rejected images, with the thresholds actually applied.

    Attributes:
        root: the collection root (absolute).
        fmt: 'sa1b' or 'folder'.
        kept: kept images, paths relative to ``root``, sorted.
        rejected: reason -> sorted relative paths; each image is listed once,
            under the first reason that applies, in the order 'unreadable',
            'missing annotation', 'bad annotation', 'short side', 'pixels',
            'objects', 'coverage' (folder format: 'coverage proxy').
        failed: threshold reason -> number of usable images failing it
            (an image failing two thresholds counts in both).
        thresholds: threshold name (:data:`THRESHOLD_NAMES`) -> the bound
            applied (percentiles resolved), ``None`` when not set.
        threshold_specs: threshold name -> the text given (``'p50'``, ...).
        coverage_source: what ``min_coverage`` was compared with: the SA-1B
            mask union, or the proxy's description; ``None`` if nothing.
        stats: the statistics of every image, sorted by path.
        num_computed: images whose statistics were computed in this run.
        num_cached: images whose statistics came from the cache.
        elapsed_s: wall time of the run.
        outputs: output kind ('list', 'report', 'cache', 'plot_resolution',
            'plot_foreground', 'rejected_list') -> file written.
    """
    root: str
    fmt: str
    kept: List[str]
    rejected: Dict[str, List[str]]
    failed: Dict[str, int]
    thresholds: Dict[str, Optional[float]]
    threshold_specs: Dict[str, Optional[str]]
    coverage_source: Optional[str]
    stats: List[ImageStats]
    num_computed: int = 0
    num_cached: int = 0
    elapsed_s: float = 0.
    outputs: Dict[str, str] = field(default_factory=dict)

    @property
    def num_images(self) -> int:
        return len(self.stats)

    @property
    def num_kept(self) -> int:
        return len(self.kept)

    @property
    def num_rejected(self) -> int:
        return sum(len(v) for v in self.rejected.values())

    @property
    def rejected_counts(self) -> Dict[str, int]:
        return {k: len(v) for k, v in self.rejected.items()}

    @property
    def usable(self) -> List[ImageStats]:
        """Statistics of the images without an error."""
        return [s for s in self.stats if s.error is None]

    @property
    def uses_proxy(self) -> bool:
        return self.fmt == 'folder' and self.coverage_source is not None
