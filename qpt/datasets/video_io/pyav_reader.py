"""PyAV backend: exact, every codec FFmpeg knows, keyframe seeks."""
import bisect
from typing import List

import numpy as np

from .errors import video_error
from .probe import VideoProbe
from .reader import VideoReader
from .rotation import rotate_frames

__all__ = ['PyAVReader']


class PyAVReader(VideoReader):
    """PyAV backend: keyframe seeks plus forward decoding.

    The probe in :func:`open_video` demuxes the video packets (no
    decoding) into a table of presentation time stamps and keyframe flags;
    frame ``i`` is the packet with the ``i``-th smallest time stamp.
    Decoded frames are matched to indices by their time stamps. Where a
    stream has packets without time stamps, or the decoded stamps do not
    match the table, the reader switches to sequential mode: decode from
    the first frame, counting.

    Until :meth:`_set_seek_mode` allows seeks (``open_video`` does so when
    :func:`check_seeking` passed) the only start it uses is the first
    frame: it decodes forward, re-opening the file only to go back. With
    ``primed`` seeks, the first frame is decoded once after each (re)open
    before the first seek (one frame of cost, counted).
    """

    backend = 'pyav'

    def __init__(self, path: str, probe: VideoProbe, num_threads: int = 1):
        super().__init__(path, num_threads)
        import av
        self._av = av
        self._container = None
        self._frames_iter = None
        self._next_idx = None  # index the decoder outputs next; None=unknown
        self._seek_floor = 0
        self._prime = False  # decode the first frame before seeking
        self._decoded_since_open = False
        pts, keys = probe.stamps, probe.keys
        try:
            self._open()
        except Exception as e:
            self.close()
            raise video_error(path, 'cannot open the video', e) from None
        self._sequential = pts is None
        self._keys = [0]  # sequential mode: the start is the only entry
        if not self._sequential:
            self._pts = pts
            self._pts_to_idx = {p: i for i, p in enumerate(pts)}
            self._keys = keys  # sorted frame indices of keyframes
        self._seek_keys = [0]  # starts in use: forward until allowed
        self.meta = probe.meta(0 if pts is None else len(pts), self.backend)
        if self._sequential:
            self._set_num_frames(self._count_by_decoding())
        if self.meta.num_frames == 0:
            self.close()
            raise video_error(path, 'no decodable video frames')

    # -- container handling -------------------------------------------------
    def _open(self) -> None:
        """(Re)open the file: the decoder then starts at the first frame."""
        if self._container is not None:
            self._container.close()
        self._container = self._av.open(self.path)
        self._stream = self._container.streams.video[0]
        cc = self._stream.codec_context
        cc.thread_count = self.num_threads  # FFmpeg's 0 would mean all cores
        if self.num_threads > 1:
            cc.thread_type = 'AUTO'
        self._frames_iter = None
        self._next_idx = None
        self._decoded_since_open = False

    def close(self) -> None:
        container, self._container = getattr(self, '_container', None), None
        if container is not None:
            container.close()

    def _set_seek_mode(self, random_access: bool, primed: bool,
                       reason: str) -> None:
        if self._sequential and random_access:
            random_access, reason = False, (
                'decoded forward: the packets carry no usable time stamps')
        super()._set_seek_mode(random_access, primed, reason)
        self._seek_keys = self._keys if random_access else [0]
        self._prime = bool(random_access and primed)
        self._frames_iter = None

    def _frames(self):
        """Decoded frames from the current position."""
        for frame in self._container.decode(self._stream):
            self._count(1)
            self._decoded_since_open = True
            yield frame

    def _to_rgb(self, frame) -> np.ndarray:
        rgb = frame.to_ndarray(format='rgb24')
        return rotate_frames(rgb, self.meta.rotation)

    # -- sequential mode ----------------------------------------------------
    def _count_by_decoding(self) -> int:
        """Frame count from a full decode."""
        self._open()
        n = 0
        try:
            for _ in self._frames():
                n += 1
        except Exception as e:
            raise video_error(self.path, f'cannot decode frame {n}',
                              e) from None
        self._open()
        return n

    def _decode_sequential(self, targets: List[int]):
        self._open()
        want = set(targets)
        got = {}
        idx = -1
        try:
            for idx, frame in enumerate(self._frames()):
                if idx in want:
                    got[idx] = self._to_rgb(frame)
                if idx >= targets[-1]:
                    break
        except Exception as e:
            raise video_error(self.path, f'cannot decode frame {idx + 1}',
                              e) from None
        self._frames_iter = None  # left mid-stream: rewind next time
        if len(got) < len(want):  # the stream ended early
            n = self._count_by_decoding()
            if n == self.meta.num_frames:
                raise video_error(
                    self.path, 'decoding stopped before frame '
                    f'{targets[-1]} of {n}')
            self._set_num_frames(n)
            return None
        return got

    def _fall_back(self, targets: List[int]):
        """The packet table was wrong: count by decoding, go sequential."""
        self._sequential = True
        self._frames_iter = None
        super()._set_seek_mode(
            False, False, 'decoded forward: the decoded time stamps do not '
            'match the packet table')
        n = self._count_by_decoding()
        if n != self.meta.num_frames:
            self._set_num_frames(n)
            return None
        return self._decode_sequential(targets)

    # -- seek mode ----------------------------------------------------------
    def _prime_decoder(self) -> None:
        """Decode the first frame from the start (stream-level side data
        such as x264's version SEI comes with it)."""
        self._open()
        try:
            next(self._frames(), None)
        except Exception as e:
            raise video_error(self.path, 'cannot decode frame 0', e) from None

    def _seek_to_key(self, key_idx: int) -> None:
        if key_idx == 0:
            self._open()  # the start: no seek needed, none to trust
        else:
            if self._prime and not self._decoded_since_open:
                self._prime_decoder()
            self._container.seek(
                self._pts[key_idx],
                stream=self._stream,
                backward=True,
                any_frame=False)
            self._stream.codec_context.flush_buffers()
        self._frames_iter = self._frames()
        self._next_idx = None
        self._seek_floor = key_idx

    def _next_frame(self, t: int):
        try:
            return next(self._frames_iter)
        except StopIteration:
            return None
        except Exception as e:
            raise video_error(self.path, f'cannot decode frame {t}',
                              e) from None

    def _decode_sorted(self, targets: List[int]):
        if self._sequential:
            return self._decode_sequential(targets)
        want = set(targets)
        got = {}
        for t in targets:
            if t in got:
                continue
            keys = self._seek_keys
            ki = bisect.bisect_right(keys, t) - 1
            k = keys[ki]
            pos = self._next_idx
            if self._frames_iter is None or pos is None or t < pos or k > pos:
                self._seek_to_key(k)
            while True:
                frame = self._next_frame(t)
                idx = None if frame is None else self._pts_to_idx.get(
                    frame.pts)
                if idx is None:  # ended early, or stamps not in the table
                    return self._fall_back(targets)
                if self._next_idx is None and idx > t:
                    # The seek landed after the wanted frame: step back one
                    # keyframe (the start always works).
                    ki -= 1
                    if ki < 0:
                        return self._fall_back(targets)
                    self._seek_to_key(keys[ki])
                    continue
                if idx < self._seek_floor:
                    continue  # leading frames of an open GOP: not trusted
                self._next_idx = idx + 1
                if idx in want and idx not in got:
                    got[idx] = self._to_rgb(frame)
                if idx >= t:
                    break
        return got
