"""Robust video decoding: any clip, as RGB uint8 frames, or a clear error.

Two backends read frames: **decord** (the default where it is right, fast
random access) and **PyAV** (the reference: it decodes every codec FFmpeg
knows). Metadata is always read with PyAV, in one pass over the packets
(demuxing, not decoding), so both backends report the same numbers.

Decisions (documented because they change which pixels a model sees):

- **Frame indices** are positions in presentation order: frame ``i`` is the
  ``i``-th frame a decoder outputs when it decodes the whole stream. Time
  stamps only identify frames, they never define them, so a
  variable-frame-rate (VFR) clip is indexed by frame, exactly as a full
  sequential decode numbers it.
- **Frame count rule.** The container's header count and ``duration x fps``
  are *not* trusted (AVI headers count dropped frames - ``opencv_tree.avi``
  says 444 and holds 68 -, Matroska/WebM store 0, rate headers can be wrong).
  The count is the number of non-empty, non-discarded video packets found
  by demuxing the file (no decoding; about 10 ms for a 1 MB clip): each
  decodes to one frame. If decoding later runs out of frames before that
  count, or decoded time stamps do not match the packets, the count falls
  back to a full sequential decode (what ``ffprobe -count_frames`` does)
  and the indices are wrapped into the new count. The decord backend is
  used only when decord's own count agrees. ``meta.container_frames`` keeps
  the header's value for reference.
- **Indices beyond the end wrap around (loop)**: index ``i`` reads frame
  ``i mod num_frames`` (negative indices count from the end, as in Python).
  Short clips are thereby looped, as FAST-VQA and mmaction2 do by default,
  not padded by repeating the last frame.
- **avg_fps** is ``num_frames / duration`` (the mean rate a viewer sees,
  right for VFR clips and wrong rate headers); ``nominal_fps`` keeps the
  stream's declared rate. ``duration`` comes from the packet stamps (first
  frame to last, plus the median frame gap), the header's value only where
  the packets carry no stamps.
- **Cut files.** An MP4/MOV whose sample index points past the end of the
  file (a cut download) is an error, not a shorter clip. Containers without
  such an index (Matroska/WebM, MPEG-TS, raw streams) that are cut short
  read as the frames that are there.
- **Rotation.** Phone clips store sideways pixels plus a display matrix.
  Frames are returned upright (the rotation is applied, in multiples of 90
  degrees); ``meta.width``/``meta.height`` are the upright size. Mirroring
  entries of the display matrix are not applied.
- **Colour.** RGB comes from FFmpeg's swscale using the stream's colour
  tags (BT.601 when untagged); more than 8 bits per sample (e.g.
  ``yuv420p10le``) is converted to 8-bit RGB by swscale; alpha is dropped.
- **Seeks are checked, per file, before they are trusted.** A seek (jump
  to a keyframe, decode from there) is only right if the decoder needs
  nothing from earlier in the stream. That is not always so:
  ``x264_2014_yuv444p_2gops.mp4`` (x264 core 142, H.264 High 4:4:4, a
  closed-GOP stream) decodes about 100 grey levels wrong in decord *and*
  PyAV when decoding starts at its second IDR. The likely cause: x264 puts
  its version only in an SEI message of the first packet, and FFmpeg
  applies its workaround for old x264 4:4:4 streams only once it has read
  that version; decoding the first packet once before seeking ("priming",
  one frame) makes both decoders right. Fresh libx264 4:4:4 encodes seek
  correctly, so no rule on pixel format or GOP flags can tell such files
  apart. :func:`check_seeking` therefore decodes, once per file and
  backend, the frames at the second keyframe (and the two after it) by
  seeking and compares them with the same frames decoded forward from the
  first frame, with the same decoder (a correct seek is bit-identical).
  The verdict - seek, seek after priming, or decode forward - is cached
  for the process and shown in :attr:`VideoMeta.random_access`,
  :attr:`VideoMeta.seek_primed` and :attr:`VideoMeta.random_access_reason`.
  Files that fail are decoded forward from the first frame: correct
  instead of fast. Its cost is given in :func:`check_seeking`.
- **Where decord is wrong.** decord 0.6.0 lands a few frames off after a
  seek on open-GOP streams (x264 ``open-gop``, x265's default, MPEG-2 /
  MPEG-4 Part 2 with B-frames; measured here at 10-80 grey levels of
  mean error), which the one-keyframe check need not see; such streams
  (known from the packet stamps in decode order,
  :func:`decord_random_access_safe`) are read by decord sequentially, and
  ``backend='auto'`` uses PyAV for them, as it does for more than 8 bits
  and for pixel formats outside :data:`DECORD_AUTO_PIX_FMTS`.
- **Errors.** A missing, empty, truncated, non-video or undecodable file
  raises :class:`VideoLoadError` whose message starts with the file's path.
- **Efficiency.** Only what is needed is decoded: the PyAV reader seeks to
  the last keyframe at or before the first wanted frame and decodes forward
  in one pass over the sorted indices, seeking forward again only where a
  keyframe lies between the current position and the next wanted frame;
  only the wanted frames are converted to RGB. ``frames_decoded`` counts the
  frames each reader decoded (exact for PyAV; for decord it is modelled from
  decord's keyframe index and its seek-then-skip behaviour); the one-time
  seek check is not part of it (see :class:`SeekCheck`).

Files, one concept each: ``errors`` (:class:`VideoLoadError`),
``extensions`` (:data:`VIDEO_EXTENSIONS`), ``frames`` (the (T, H, W, C)
layout), ``meta`` (:class:`VideoMeta`),
``probe`` (the one-pass packet scan), ``rotation``, ``reader`` (the
:class:`VideoReader` interface), ``pyav_reader``, ``decord_reader`` (and
the rule for when decord is right), ``backends``, ``seek_check`` and
``loading`` (:func:`open_video`, :func:`load_video_frames`).
"""
from .backends import VIDEO_BACKENDS
from .decord_reader import (DECORD_AUTO_PIX_FMTS, DecordReader,
                            decord_random_access_safe)
from .errors import VideoLoadError
from .extensions import VIDEO_EXTENSIONS, is_video_path
from .frames import as_frame_array
from .loading import load_video_frames, open_video
from .meta import VideoMeta
from .pyav_reader import PyAVReader
from .reader import VideoReader
from .rotation import rotate_frames
from .seek_check import SeekCheck, check_seeking, clear_seek_checks

__all__ = [
    'VideoLoadError', 'VideoMeta', 'VideoReader', 'PyAVReader', 'DecordReader',
    'VIDEO_BACKENDS', 'DECORD_AUTO_PIX_FMTS', 'decord_random_access_safe',
    'SeekCheck', 'check_seeking', 'clear_seek_checks', 'rotate_frames',
    'open_video', 'load_video_frames', 'VIDEO_EXTENSIONS', 'is_video_path',
    'as_frame_array'
]
