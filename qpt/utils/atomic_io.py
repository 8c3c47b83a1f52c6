"""Atomic file writes: a reader never sees a half-written file.

Data goes to a temporary file in the destination folder, is flushed to disk
and then renamed over the destination (``os.replace`` is atomic on POSIX and
Windows). ``AtomicLocalBackend`` plugs this into MMEngine's file I/O so that
checkpoints and ``last_checkpoint`` are written atomically: configs select it
with ``backend_args=dict(backend='atomic_local')`` on the ``CheckpointHook``.
"""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(data: bytes, filepath: Union[str, Path]) -> None:
    """Write ``data`` to ``filepath`` atomically, creating parent folders.
    The file gets the usual permissions (0666 minus the umask)."""
    filepath = osp.abspath(os.fspath(filepath))
    folder = osp.dirname(filepath)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{osp.basename(filepath)}.', suffix='.tmp', dir=folder)
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filepath)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def atomic_write_text(text: str,
                      filepath: Union[str, Path],
                      encoding: str = 'utf-8') -> None:
    """Write ``text`` to ``filepath`` atomically."""
    atomic_write_bytes(text.encode(encoding), filepath)


class AtomicLocalBackend(LocalBackend):
    """MMEngine's local storage backend with atomic ``put``/``put_text``."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write_bytes(obj, filepath)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        atomic_write_text(obj, filepath, encoding)


def register_atomic_backend() -> None:
    """Register ``AtomicLocalBackend`` under the name ``atomic_local``."""
    register_backend('atomic_local', AtomicLocalBackend, force=True)
