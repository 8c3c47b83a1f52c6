"""What is known about a video stream, as the readers report it."""
from dataclasses import dataclass
from typing import Optional

__all__ = ['VideoMeta']


@dataclass
class VideoMeta:
    """What is known about a video stream.

    Attributes:
        path: the file.
        num_frames: frames in the stream by the frame-count rule (see the
            module docstring), not the header's count.
        avg_fps: ``num_frames / duration`` (falls back to ``nominal_fps``
            where the duration is unknown).
        nominal_fps: the stream's declared rate, 0 where absent.
        width: frame width after rotation (what :meth:`get_frames` returns).
        height: frame height after rotation.
        coded_width: width of the stored (unrotated) pictures.
        coded_height: height of the stored (unrotated) pictures.
        pix_fmt: FFmpeg pixel format name, e.g. ``'yuv420p'``.
        bit_depth: bits per sample of the first component (8 or 10 ...).
        rotation: counter-clockwise display rotation in degrees (FFmpeg's
            display-matrix convention), one of 0, 90, 180, -90 (a phone's
            ``rotate=90`` tag reads -90); frames are returned rotated by it.
        duration: seconds, from the packet stamps (first frame to the end
            of the last); the header's value where stamps are missing;
            ``None`` where neither exists.
        codec: FFmpeg decoder name, e.g. ``'h264'``.
        container: FFmpeg demuxer name, e.g. ``'mov,mp4,m4a,3gp,3g2,mj2'``.
        container_frames: the header's frame count (0 = not stored); kept
            for reference only.
        closed_gop: True when no frame after a keyframe in decode order is
            shown before it (random access needs no leading frames); False
            for open-GOP streams; None when the packets carry no stamps.
        backend: the backend that reads the frames (``'decord'``/``'pyav'``).
        random_access: what the reader decided: True = it seeks to
            keyframes (the seek check passed, or the stream has a single
            keyframe and never needs one); False = it decodes forward from
            the first frame (the check failed, or seeks are known wrong);
            None = not decided (a reader made without :func:`open_video`).
        seek_primed: True when the reader decodes the first frame once
            before its first seek, because seeks were right only then.
        random_access_reason: why, in words, with the check's cost.
    """
    path: str
    num_frames: int
    avg_fps: float
    nominal_fps: float
    width: int
    height: int
    coded_width: int
    coded_height: int
    pix_fmt: str
    bit_depth: int
    rotation: int
    duration: Optional[float]
    codec: str
    container: str
    container_frames: int
    closed_gop: Optional[bool] = None
    backend: str = ''
    random_access: Optional[bool] = None
    seek_primed: bool = False
    random_access_reason: str = ''

    @property
    def shape(self) -> tuple:
        """Upright ``(height, width)``."""
        return (self.height, self.width)
