"""Stream facts read with PyAV in one pass over the packets (no decoding)."""
import os
from typing import Optional

import numpy as np

from .errors import video_error
from .meta import VideoMeta
from .rotation import quarter_turns

__all__ = ['VideoProbe']


def _pix_fmt_bit_depth(pix_fmt: str) -> int:
    try:
        import av
        return int(av.VideoFormat(pix_fmt).components[0].bits)
    except Exception:  # unknown to this FFmpeg build
        return 8


class VideoProbe:
    """Stream facts read with PyAV in one pass over the packets.

    Reads the header values, demuxes every video packet (no decoding) into
    the packet table, and decodes only until the first frame comes out (it
    proves the stream decodes and carries the display matrix).

    Attributes of note: ``stamps`` (sorted presentation stamps of the
    frames, or None where some packet has no stamp or two share one),
    ``keys`` (indices of keyframes into ``stamps``), ``closed_gop``
    (True when no packet after a keyframe in decode order is shown before
    it; None when unknown).
    """

    def __init__(self, path: str):
        import av
        self.path = path
        try:
            container = av.open(path)
        except Exception as e:  # av.error.* (FFmpegError is an OSError)
            raise video_error(path, 'not a readable video file', e) from None
        try:
            if not container.streams.video:
                raise video_error(path, 'no video stream in the file')
            stream = container.streams.video[0]
            cc = stream.codec_context
            self.codec = cc.name or ''
            self.pix_fmt = (cc.pix_fmt or '') if cc.format else ''
            self.coded_width = int(cc.width or 0)
            self.coded_height = int(cc.height or 0)
            self.container_frames = int(stream.frames or 0)
            self.container = container.format.name
            rate = stream.average_rate or stream.guessed_rate
            self.nominal_fps = float(rate) if rate else 0.0
            self.duration = None
            if stream.duration and stream.time_base:
                self.duration = float(stream.duration * stream.time_base)
            elif container.duration:
                self.duration = float(container.duration) / 1e6
            self._check_index(stream)
            first = self._scan(container, stream)
            span = self._stamp_span(stream.time_base)
            if span:
                self.duration = span
        finally:
            container.close()
        # one of 0, 90, 180, -90 (FFmpeg may say -180 for 180)
        self.rotation = (0, 90, 180, -90)[quarter_turns(first.rotation or 0)]
        self.pix_fmt = first.format.name or self.pix_fmt
        self.coded_width = int(first.width)
        self.coded_height = int(first.height)
        self.bit_depth = _pix_fmt_bit_depth(self.pix_fmt)
        if self.coded_width <= 0 or self.coded_height <= 0:
            raise video_error(path, 'video stream has no picture size')

    def _check_index(self, stream) -> None:
        """Reject an MP4/MOV whose sample index points past the file end."""
        if 'mp4' not in self.container and 'mov' not in self.container:
            return
        try:
            entries = stream.index_entries
            if len(entries) == 0:
                return
            last = entries[len(entries) - 1]
            end = int(last.pos) + int(last.size)
        except Exception:  # index not exposed by this build
            return
        size = os.path.getsize(self.path)
        if end > size:
            raise video_error(
                self.path, f'the file is truncated: its index needs {end} '
                f'bytes, the file has {size}')

    def _scan(self, container, stream):
        """Demux all video packets; decode until the first frame."""
        stamps, key_stamps = [], set()
        has_none = False
        closed = True
        key_pts = None
        first, dec_err = None, None
        try:
            for packet in container.demux(stream):
                if packet.size and not packet.is_discard:
                    pts = packet.pts
                    if pts is None:
                        has_none = True
                    else:
                        pts = int(pts)
                        stamps.append(pts)
                        if packet.is_keyframe:
                            key_stamps.add(pts)
                            key_pts = pts
                        elif key_pts is not None and pts < key_pts:
                            closed = False  # a leading frame: open GOP
                if first is None:
                    try:
                        for first in packet.decode():
                            break
                    except Exception as e:  # keep going: a later one may do
                        dec_err = e
        except Exception as e:
            raise video_error(self.path, 'cannot read the video packets',
                              e) from None
        if first is None:
            raise video_error(self.path, 'no decodable video frames', dec_err)
        self.num_packets = len(stamps) + int(has_none)
        if has_none or not stamps or len(set(stamps)) != len(stamps):
            self.stamps, self.keys, self.closed_gop = None, None, None
            return first
        stamps.sort()
        keys = [i for i, p in enumerate(stamps) if p in key_stamps]
        if not keys or keys[0] != 0:
            keys = [0] + keys  # decoding from the start always works
        self.stamps, self.keys, self.closed_gop = stamps, keys, closed
        return first

    def _stamp_span(self, time_base) -> Optional[float]:
        """Seconds from the first frame to the end of the last one.

        The last frame lasts the median gap between frames. None where the
        stamps are unknown or there is a single frame.
        """
        if not self.stamps or len(self.stamps) < 2 or not time_base:
            return None
        gaps = np.diff(np.asarray(self.stamps, dtype=np.int64))
        ticks = self.stamps[-1] - self.stamps[0] + float(np.median(gaps))
        return float(ticks * time_base)

    def meta(self, num_frames: int, backend: str) -> VideoMeta:
        k = quarter_turns(self.rotation)
        w, h = self.coded_width, self.coded_height
        if k % 2:
            w, h = h, w
        if self.duration and self.duration > 0 and num_frames > 0:
            avg_fps = num_frames / self.duration
        else:
            avg_fps = self.nominal_fps
        return VideoMeta(
            path=self.path,
            num_frames=int(num_frames),
            avg_fps=float(avg_fps),
            nominal_fps=self.nominal_fps,
            width=w,
            height=h,
            coded_width=self.coded_width,
            coded_height=self.coded_height,
            pix_fmt=self.pix_fmt,
            bit_depth=self.bit_depth,
            rotation=self.rotation,
            duration=self.duration,
            codec=self.codec,
            container=self.container,
            container_frames=self.container_frames,
            closed_gop=self.closed_gop,
            backend=backend)
