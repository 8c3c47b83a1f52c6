"""Statistics of one image for curation: resolution and foreground measures.

- Resolution (height, width) always comes from the image header
  (:func:`read_image_size`, EXIF aware); no pixels are decoded for it.
- ``sa1b`` format: ``num_objects`` and ``coverage`` from the image's JSON
  (:func:`sa1b_mask_stats`).
- ``folder`` format: ``proxy``, the edge-coverage PROXY for foreground
  coverage (:func:`edge_coverage_proxy`), unless the proxy is switched off.
- ``verify``: also decode the image (at reduced size) so that truncated files
  whose header is intact are caught; the proxy decodes anyway.

A failure never raises: it is recorded in ``error`` ('unreadable',
'missing annotation' or 'bad annotation') with a message naming the file.
"""
import os
import os.path as osp
from dataclasses import asdict, dataclass, fields
from typing import Optional

from ..image_io import read_image_size
from .foreground_proxy import EdgeProxyConfig, edge_coverage_proxy, \
    read_gray_reduced
from .sa1b_masks import BadAnnotationError, sa1b_mask_stats

__all__ = [
    'STATS_VERSION', 'ImageStats', 'StatsSettings', 'annotation_path',
    'compute_image_stats'
]

# Bump when the computation changes so that cached statistics are redone.
STATS_VERSION = 1

FORMATS = ('sa1b', 'folder')
ERROR_UNREADABLE = 'unreadable'
ERROR_MISSING_ANN = 'missing annotation'
ERROR_BAD_ANN = 'bad annotation'


@dataclass
class ImageStats:
    """Statistics of one image; ``None`` where not computed.

    Attributes:
        path: path relative to the collection root, '/'-separated.
        height, width: pixels after EXIF orientation (header only).
        num_objects: SA-1B: number of mask annotations.
        coverage: SA-1B: union of the masks / image area, in [0, 1].
        proxy: folder: edge-coverage proxy for foreground coverage, [0, 1].
        error: why the image cannot be used, or ``None``.
        message: the error message (names the file).
    """
    path: str
    height: Optional[int] = None
    width: Optional[int] = None
    num_objects: Optional[int] = None
    coverage: Optional[float] = None
    proxy: Optional[float] = None
    error: Optional[str] = None
    message: Optional[str] = None

    @property
    def short_side(self) -> Optional[int]:
        if self.height is None or self.width is None:
            return None
        return min(self.height, self.width)

    @property
    def pixels(self) -> Optional[int]:
        if self.height is None or self.width is None:
            return None
        return self.height * self.width

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, d: dict) -> 'ImageStats':
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


@dataclass(frozen=True)
class StatsSettings:
    """What to compute per image (part of the cache key).

    Args:
        fmt: 'sa1b' (masks from JSON) or 'folder' (proxy from pixels).
        proxy: the proxy parameters, or ``None`` for resolution only;
            used in 'folder' format only.
        verify: decode every image (reduced size) to catch truncated files.
    """
    fmt: str = 'folder'
    proxy: Optional[EdgeProxyConfig] = EdgeProxyConfig()
    verify: bool = False

    def __post_init__(self):
        if self.fmt not in FORMATS:
            raise ValueError(f'fmt must be one of {FORMATS}, got {self.fmt}')

    @property
    def uses_proxy(self) -> bool:
        return self.fmt == 'folder' and self.proxy is not None

    def signature(self) -> str:
        proxy = self.proxy.signature() if self.uses_proxy else 'none'
        return (f'v{STATS_VERSION};fmt={self.fmt};proxy={proxy};'
                f'verify={int(self.verify)}')


def annotation_path(image_path: str) -> str:
    """The SA-1B annotation file of an image: same stem, ``.json``."""
    return osp.splitext(image_path)[0] + '.json'


def compute_image_stats(rel_path: str, root: str,
                        settings: StatsSettings) -> ImageStats:
    """Compute the statistics of one image; never raises for bad files.

    Args:
        rel_path: the image path relative to ``root`` ('/'-separated).
        root: the collection root.
        settings: what to compute.

    Returns:
        The :class:`ImageStats`; ``error`` is set when the image or its
        annotation cannot be used.
    """
    stats = ImageStats(path=rel_path)
    path = osp.join(root, *rel_path.split('/'))
    try:
        stats.height, stats.width = read_image_size(path)
        if stats.height <= 0 or stats.width <= 0:
            raise ValueError(f'{path}: image has no pixels')
        if settings.uses_proxy:
            stats.proxy = edge_coverage_proxy(path, settings.proxy)
        elif settings.verify:
            read_gray_reduced(path, 32)
    except Exception as e:  # noqa: BLE001  one bad file must not abort
        stats.error, stats.message = ERROR_UNREADABLE, _message(e, path)
        return stats
    if settings.fmt == 'sa1b':
        ann = annotation_path(path)
        if not osp.isfile(ann):
            stats.error = ERROR_MISSING_ANN
            stats.message = f'{ann}: no annotation file'
            return stats
        try:
            stats.num_objects, stats.coverage = sa1b_mask_stats(ann)
        except Exception as e:  # noqa: BLE001
            stats.error = ERROR_BAD_ANN
            stats.message = str(e) if isinstance(
                e, BadAnnotationError) else _message(e, ann)
    return stats


def _message(e: Exception, path: str) -> str:
    text = str(e) or type(e).__name__
    return text if os.fspath(path) in text else f'{path}: {text}'
