"""The backend names and the reader each one opens."""
from .decord_reader import DecordReader
from .probe import VideoProbe
from .pyav_reader import PyAVReader
from .reader import VideoReader

__all__ = ['VIDEO_BACKENDS', 'make_reader']

#: Names accepted by ``backend``.
VIDEO_BACKENDS = ('auto', 'decord', 'pyav')


def make_reader(backend: str, path: str, probe: VideoProbe,
                num_threads: int) -> VideoReader:
    """A ``'pyav'`` or ``'decord'`` reader of a probed file."""
    if backend == 'pyav':
        return PyAVReader(path, probe, num_threads)
    if backend == 'decord':
        return DecordReader(path, probe, num_threads)
    raise ValueError(f'backend must be one of {VIDEO_BACKENDS}, '
                     f'got {backend!r}')
