"""The frame-access interface shared by the video backends."""
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

from .errors import VideoLoadError, video_error
from .meta import VideoMeta

__all__ = ['PathLike', 'IndexLike', 'VideoReader']

PathLike = Union[str, Path]
IndexLike = Union[int, Sequence[int], np.ndarray]


def _normalise_indices(indices: IndexLike) -> np.ndarray:
    arr = np.asarray(indices)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f'indices must be 1-D, got shape {arr.shape}')
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if not np.all(np.equal(np.mod(arr, 1), 0)):
            raise ValueError('indices must be integers')
    return arr.astype(np.int64)


class VideoReader:
    """Random access to the frames of one video file.

    Subclasses implement :meth:`_decode_sorted`. Use :func:`open_video`
    rather than the constructors. A reader is a context manager; close it
    to release the file.

    Attributes:
        meta (VideoMeta): stream facts; ``meta.num_frames`` can be lowered
            by the frame-count fallback during a call.
        frames_decoded (int): frames decoded since the reader was opened.
        last_frames_decoded (int): frames decoded by the last
            :meth:`get_frames` call.
    """

    backend = ''

    def __init__(self, path: str, num_threads: int = 1):
        self.path = path
        self.num_threads = int(num_threads)
        self.meta: Optional[VideoMeta] = None
        self.frames_decoded = 0
        self.last_frames_decoded = 0

    @property
    def num_frames(self) -> int:
        return self.meta.num_frames

    def __len__(self) -> int:
        return self.meta.num_frames

    def get_frames(self, indices: IndexLike) -> np.ndarray:
        """Decode frames by index.

        Args:
            indices: frame indices in any order, repeats allowed; each is
                taken modulo ``num_frames`` (the loop rule).

        Returns:
            (T, H, W, 3) uint8 RGB, upright, ``T = len(indices)``, in the
            order asked for.

        Raises:
            VideoLoadError: the frames cannot be decoded.
        """
        req = _normalise_indices(indices)
        self.last_frames_decoded = 0
        if req.size == 0:
            return np.empty((0, self.meta.height, self.meta.width, 3),
                            np.uint8)
        got = None
        for _ in range(2):  # a second round after a frame-count fallback
            n = self.meta.num_frames
            if n <= 0:
                raise video_error(self.path, 'no decodable video frames')
            wrapped = np.mod(req, n)
            targets = sorted(set(wrapped.tolist()))
            try:
                got = self._decode_sorted(targets)
            except VideoLoadError:
                raise
            except Exception as e:
                raise video_error(self.path, 'cannot decode video frames',
                                  e) from None
            if got is not None:
                break
        if got is None:
            raise video_error(self.path, 'the frame count is inconsistent')
        out = np.empty((req.size, self.meta.height, self.meta.width, 3),
                       np.uint8)
        for i, idx in enumerate(wrapped.tolist()):
            frame = got[idx]
            if frame.shape != out.shape[1:]:
                raise video_error(
                    self.path, f'frame {idx} decoded to shape {frame.shape}, '
                    f'expected {out.shape[1:]}')
            out[i] = frame
        return out

    @property
    def keyframe_indices(self) -> List[int]:
        """Frame indices of the keyframes (random-access points)."""
        return list(self._keys)

    def _count(self, n: int) -> None:
        self.frames_decoded += n
        self.last_frames_decoded += n

    def _decode_sorted(self,
                       targets: List[int]) -> Optional[Dict[int, np.ndarray]]:
        """Decode ``targets`` (sorted, unique, in range) to upright RGB.

        Returns ``None`` after changing ``meta.num_frames`` (the caller
        wraps the indices into the new count and asks again).
        """
        raise NotImplementedError

    def _set_seek_mode(self, random_access: bool, primed: bool,
                       reason: str) -> None:
        """Seek to keyframes (optionally after priming) or decode forward.

        Records the decision in :attr:`meta`; :func:`open_video` sets it
        from :func:`check_seeking`.
        """
        self.meta.random_access = bool(random_access)
        self.meta.seek_primed = bool(random_access and primed)
        self.meta.random_access_reason = reason

    def _set_num_frames(self, n: int) -> None:
        m = self.meta
        m.num_frames = int(n)
        if m.duration and m.duration > 0 and n > 0:
            m.avg_fps = n / m.duration

    def close(self) -> None:
        """Release the file."""

    def __enter__(self) -> 'VideoReader':
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        m = self.meta
        return (f'{self.__class__.__name__}({m.path!r}, frames={m.num_frames}'
                f', {m.width}x{m.height}, {m.pix_fmt}, {m.codec}, '
                f'avg_fps={m.avg_fps:.3f}, rotation={m.rotation})')
