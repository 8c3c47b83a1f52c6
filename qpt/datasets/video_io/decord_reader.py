"""decord backend (fast random access) and the rule for when to use it."""
import bisect
from typing import List, Optional

import numpy as np

from .errors import video_error
from .probe import VideoProbe
from .reader import VideoReader
from .rotation import rotate_frames

__all__ = ['DECORD_AUTO_PIX_FMTS', 'decord_random_access_safe', 'DecordReader']

#: Pixel formats for which ``backend='auto'`` uses decord (8-bit, chroma
#: 4:2:0 or 4:2:2, or packed RGB as Cinepak decodes to). Checked equal to
#: PyAV at random indices; everything else goes to PyAV.
DECORD_AUTO_PIX_FMTS = frozenset({
    'yuv420p', 'yuvj420p', 'nv12', 'nv21', 'yuv422p', 'yuvj422p', 'rgb24',
    'bgr24'
})


def decord_random_access_safe(pix_fmt: str,
                              closed_gop: Optional[bool]) -> bool:
    """Whether decord 0.6.0 random access may be tried (before the check).

    The a-priori rule, applied before :func:`check_seeking` spends any
    decoding: open-GOP streams (frames after a keyframe in decode order
    that are shown before it: x264 ``open-gop``, x265's default, MPEG-2 and
    MPEG-4 Part 2 with B-frames) come back a few positions off after a
    seek, measured here at 10-80 grey levels of mean error, at frames the
    one-keyframe check need not look at. Such streams, and streams whose
    GOP structure is unknown, are read by decord sequentially.

    The pixel format is no longer part of the rule: the grey frames once
    put down to "H.264 4:4:4" come from old x264 streams (see the module
    docstring) and are caught by the seek check, while fresh libx264 4:4:4
    encodes seek correctly in decord (measured). ``pix_fmt`` is kept in
    the signature for callers.

    Args:
        pix_fmt: FFmpeg pixel format name (not used by the rule).
        closed_gop: :attr:`VideoMeta.closed_gop` (None = unknown = unsafe).
    """
    del pix_fmt
    return closed_gop is True


class DecordReader(VideoReader):
    """decord backend (random access with ``get_batch``).

    Random access (``get_batch``) is used only once :meth:`_set_seek_mode`
    allows it (``open_video`` does so when :func:`check_seeking` passed);
    otherwise - open GOP (:func:`decord_random_access_safe`), a failed
    check - it reads sequentially from the first frame with a fresh
    ``decord.VideoReader`` (correct, but it decodes every frame up to the
    last one asked for). With ``primed`` seeks, the first frame is read
    with ``next()`` before the first ``get_batch`` that starts past the
    first keyframe (one frame, counted). decord
    applies the display rotation itself (checked for 90, 180 and 270
    degrees with decord 0.6.0); a frame that still comes back sideways is
    turned here.
    """

    backend = 'decord'

    def __init__(self, path: str, probe: VideoProbe, num_threads: int = 1):
        super().__init__(path, num_threads)
        import decord
        self._decord = decord
        self._vr = None
        self.random_access = False  # until _set_seek_mode allows it
        self._prime = False
        self._primed = False
        try:
            self._vr = self._new_reader()
            n = len(self._vr)
            keys = sorted(int(k) for k in self._vr.get_key_indices())
        except Exception as e:
            raise video_error(path, 'decord cannot open the video',
                              e) from None
        self.meta = probe.meta(n, self.backend)
        if n <= 0:
            raise video_error(path, 'no decodable video frames')
        self._keys = keys if keys and keys[0] == 0 else [0] + keys
        self._pos = 0  # next frame decord decodes without seeking

    def _new_reader(self):
        return self._decord.VideoReader(
            self.path, ctx=self._decord.cpu(0), num_threads=self.num_threads)

    def close(self) -> None:
        self._vr = None

    def _set_seek_mode(self, random_access: bool, primed: bool,
                       reason: str) -> None:
        super()._set_seek_mode(random_access, primed, reason)
        self.random_access = bool(random_access)
        self._prime = bool(random_access and primed)

    def _upright(self, frame: np.ndarray) -> np.ndarray:
        h, w = self.meta.height, self.meta.width
        if frame.shape[:2] == (w, h) and (h, w) != (w, h):
            return rotate_frames(frame, self.meta.rotation)  # not rotated
        return frame  # a wrong shape is reported by get_frames

    def _model_cost(self, targets: List[int]) -> int:
        """Frames decord decodes for sorted targets (seek-then-skip)."""
        pos, n = self._pos, 0
        for t in targets:
            k = self._keys[bisect.bisect_right(self._keys, t) - 1]
            start = pos if (pos <= t and k <= pos) else k
            n += t - start + 1
            pos = t + 1
        self._pos = pos
        return n

    def _decode_sorted(self, targets: List[int]):
        if self._vr is None:
            raise video_error(self.path, 'the reader is closed')
        if self.random_access:
            if self._prime and not self._primed:
                first_key = self._keys[
                    bisect.bisect_right(self._keys, targets[0]) - 1]
                if first_key > 0:  # else decoding starts at frame 0 anyway
                    self._vr.next()
                    self._count(1)
                    self._pos = 1
                self._primed = True
            self._count(self._model_cost(targets))
            batch = self._vr.get_batch(targets).asnumpy()
            return {t: self._upright(f) for t, f in zip(targets, batch)}
        # Sequential read from frame 0 with a fresh reader and ``next()``
        # only: decord's ``skip_frames`` seeks too (and lands wrong on
        # open-GOP streams), so every frame up to the last one is read.
        vr = self._new_reader()
        want = set(targets)
        got = {}
        for i in range(targets[-1] + 1):
            frame = vr.next()
            if i in want:
                got[i] = self._upright(frame.asnumpy())
        self._count(targets[-1] + 1)
        return got
