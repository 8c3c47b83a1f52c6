"""A resumable cache of per-image statistics (JSON lines).

One line per image::

    {"sig": "v1;fmt=sa1b;proxy=none;verify=0",
     "key": [size, mtime_ns, ann_size, ann_mtime_ns],
     "stats": {"path": "a/b.jpg", "height": 1500, "width": 2250, ...}}

- ``key`` is the image's size and modification time (and its annotation's,
  ``null`` when there is none); ``sig`` says what was computed. A record is
  reused only when both match, so an edited file or a changed setting is
  recomputed. Records of files that no longer exist are ignored.
- Records are appended in batches (every ``flush_every`` records or
  ``flush_interval`` seconds, whichever comes first) and fsync'ed, so a killed
  run loses at most one batch. A partial last line from a kill is skipped when
  reading, and a newline is added before appending after it.
- Later lines win. :meth:`StatsCache.compact` rewrites the file atomically
  with one line per current image and setting (done at the end of a run).
- One run at a time per cache file; concurrent writers are not supported.
"""
import json
import logging
import os
import os.path as osp
import time
from typing import Dict, Iterable, List, Optional, Tuple

from ...utils.atomic_io import atomic_write_text
from .image_stats import ImageStats

__all__ = ['StatsCache', 'file_key']

logger = logging.getLogger(__name__)

FileKey = List[Optional[int]]


def file_key(image_path: str, ann_path: Optional[str] = None) -> FileKey:
    """``[size, mtime_ns, ann_size, ann_mtime_ns]`` of an image (+ JSON).

    The annotation entries are ``None`` when ``ann_path`` is ``None`` or the
    file does not exist.
    """
    st = os.stat(image_path)
    key: FileKey = [st.st_size, st.st_mtime_ns, None, None]
    if ann_path is not None:
        try:
            ast = os.stat(ann_path)
            key[2:] = [ast.st_size, ast.st_mtime_ns]
        except OSError:
            pass
    return key


class StatsCache:
    """Per-image statistics keyed by relative path, file key and settings.

    Args:
        path: the JSON-lines file (created on first flush).
        signature: what the statistics mean (:meth:`StatsSettings.signature`).
        flush_every: append after this many new records.
        flush_interval: or after this many seconds.
    """

    def __init__(self,
                 path: str,
                 signature: str,
                 flush_every: int = 256,
                 flush_interval: float = 10.0):
        self.path = os.fspath(path)
        self.signature = signature
        self.flush_every = flush_every
        self.flush_interval = flush_interval
        self._records: Dict[str, Tuple[FileKey, ImageStats]] = {}
        # Lines of other settings, kept by compact(): (sig, path) -> line.
        self._foreign: Dict[Tuple[str, str], str] = {}
        self._pending: List[str] = []
        self._last_flush = time.monotonic()
        self.num_bad_lines = 0
        self._load()

    def _load(self) -> None:
        if not osp.isfile(self.path):
            return
        with open(self.path, 'rb') as f:
            for raw in f:
                try:
                    rec = json.loads(raw)
                    sig = rec['sig']
                    stats = ImageStats.from_dict(rec['stats'])
                    key = list(rec['key'])
                except (ValueError, TypeError, KeyError, AttributeError):
                    self.num_bad_lines += 1  # e.g. the partial last line
                    continue
                if sig == self.signature:
                    self._records[stats.path] = (key, stats)
                else:
                    self._foreign[(str(sig), stats.path)] = \
                        raw.decode('utf-8').rstrip('\n')
        if self.num_bad_lines:
            logger.info('%s: skipped %d unreadable line(s) (an interrupted '
                        'run leaves a partial last line)', self.path,
                        self.num_bad_lines)

    def __len__(self) -> int:
        return len(self._records)

    def get(self, rel_path: str, key: FileKey) -> Optional[ImageStats]:
        """The cached statistics if the file is unchanged, else ``None``."""
        rec = self._records.get(rel_path)
        if rec is None or rec[0] != key:
            return None
        return rec[1]

    def put(self, stats: ImageStats, key: FileKey) -> None:
        """Record new statistics; appended to the file in batches."""
        self._records[stats.path] = (list(key), stats)
        self._pending.append(self._line(stats.path))
        if (len(self._pending) >= self.flush_every or
                time.monotonic() - self._last_flush >= self.flush_interval):
            self.flush()

    def _line(self, rel_path: str) -> str:
        key, stats = self._records[rel_path]
        return json.dumps({
            'sig': self.signature,
            'key': key,
            'stats': stats.to_dict()
        },
                          separators=(',', ':'))

    def flush(self) -> None:
        """Append the pending records and fsync."""
        self._last_flush = time.monotonic()
        if not self._pending:
            return
        folder = osp.dirname(osp.abspath(self.path))
        os.makedirs(folder, exist_ok=True)
        with open(self.path, 'ab+') as f:
            if f.tell() > 0:
                f.seek(-1, os.SEEK_END)
                if f.read(1) != b'\n':  # a partial line left by a kill
                    f.write(b'\n')
            f.write(('\n'.join(self._pending) + '\n').encode('utf-8'))
            f.flush()
            os.fsync(f.fileno())
        self._pending.clear()

    def compact(self, rel_paths: Iterable[str]) -> None:
        """Rewrite the file atomically: one line per image in ``rel_paths``.

        Lines of other settings (another proxy, ``verify``) are kept, one per
        image and setting, so switching settings back does not recompute.
        """
        self._pending.clear()
        rel_paths = list(rel_paths)
        current = set(rel_paths)
        lines = [
            line for (_, path), line in sorted(self._foreign.items())
            if path in current
        ]
        lines += [self._line(p) for p in rel_paths if p in self._records]
        atomic_write_text(''.join(line + '\n' for line in lines), self.path)

    def __enter__(self) -> 'StatsCache':
        return self

    def __exit__(self, *exc) -> None:
        self.flush()
