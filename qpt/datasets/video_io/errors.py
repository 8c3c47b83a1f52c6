"""The error every video reader raises, and the checks that raise it."""
import os
from typing import Optional

__all__ = ['VideoLoadError', 'check_video_file', 'video_error']


class VideoLoadError(OSError):
    """A video file could not be read; the message names the file."""


def check_video_file(path: str) -> None:
    """Raise :class:`VideoLoadError` for a missing or empty file."""
    if not os.path.isfile(path):
        raise VideoLoadError(f'{path}: no such video file')
    if os.path.getsize(path) == 0:
        raise VideoLoadError(f'{path}: the file is empty (0 bytes)')


def video_error(path: str,
                what: str,
                exc: Optional[BaseException] = None) -> VideoLoadError:
    """A :class:`VideoLoadError` ``'<path>: <what> (<exc type>: <exc>)'``."""
    msg = f'{path}: {what}'
    if exc is not None:
        msg += f' ({type(exc).__name__}: {exc})'
    return VideoLoadError(msg)
