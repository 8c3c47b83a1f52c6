"""Open a video with the right backend; read chosen frames."""
import os

import numpy as np

from .backends import VIDEO_BACKENDS, make_reader
from .decord_reader import DECORD_AUTO_PIX_FMTS, decord_random_access_safe
from .errors import VideoLoadError, check_video_file
from .probe import VideoProbe
from .reader import IndexLike, PathLike, VideoReader
from .seek_check import apply_seek_check

__all__ = ['open_video', 'load_video_frames']


def open_video(path: PathLike,
               backend: str = 'auto',
               num_threads: int = 1) -> VideoReader:
    """Open a video for frame access.

    Args:
        path: the video file (any container and codec FFmpeg reads).
        backend: ``'auto'`` (decord where its random access is right: a
            pixel format in :data:`DECORD_AUTO_PIX_FMTS`, a closed-GOP
            stream, decord counting the same frames as the packet table,
            and decord's seeks passing :func:`check_seeking`; PyAV
            otherwise), ``'decord'`` or ``'pyav'``. Every backend seeks
            only where :func:`check_seeking` allows it (once per file and
            process) and decodes forward otherwise; ``reader.meta`` says
            which (:attr:`VideoMeta.random_access`).
        num_threads: decoder threads (1 suits DataLoader workers).

    Returns:
        A :class:`VideoReader`; ``reader.meta`` holds the metadata and
        ``reader.get_frames(indices)`` returns (T, H, W, 3) uint8 RGB.

    Raises:
        VideoLoadError: missing, empty, truncated, non-video or
            undecodable file (the message names the file).
    """
    path = os.fspath(path)
    if backend not in VIDEO_BACKENDS:
        raise ValueError(f'backend must be one of {VIDEO_BACKENDS}, '
                         f'got {backend!r}')
    check_video_file(path)
    probe = VideoProbe(path)
    if backend != 'auto':
        return apply_seek_check(
            make_reader(backend, path, probe, num_threads), probe)
    if (probe.pix_fmt in DECORD_AUTO_PIX_FMTS
            and decord_random_access_safe(probe.pix_fmt, probe.closed_gop)):
        try:
            reader = make_reader('decord', path, probe, num_threads)
        except (VideoLoadError, ImportError):
            reader = None  # e.g. a codec decord's FFmpeg lacks (AV1)
        if reader is not None and len(reader) == len(probe.stamps):
            apply_seek_check(reader, probe)
            if reader.meta.random_access:
                return reader
            # decord cannot seek in this file: PyAV may (and is exact)
        if reader is not None:
            reader.close()  # or decord counts differently: PyAV is the rule
    return apply_seek_check(
        make_reader('pyav', path, probe, num_threads), probe)


def load_video_frames(path: PathLike,
                      indices: IndexLike,
                      backend: str = 'auto',
                      num_threads: int = 1) -> np.ndarray:
    """Read chosen frames of a video as RGB.

    Args:
        path: the video file.
        indices: frame indices (any order, repeats allowed); each is taken
            modulo the frame count, so indices past the end loop.
        backend: ``'auto'``, ``'decord'`` or ``'pyav'`` (see
            :func:`open_video`).
        num_threads: decoder threads.

    Returns:
        (T, H, W, 3) uint8 RGB, upright, ``T = len(indices)``.

    Raises:
        VideoLoadError: the file cannot be read (the message names it).
    """
    with open_video(path, backend=backend, num_threads=num_threads) as r:
        return r.get_frames(indices)
