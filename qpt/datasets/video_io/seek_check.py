"""Whether seeks can be trusted in a file: checked once per file, cached."""
import os
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .backends import make_reader
from .decord_reader import decord_random_access_safe
from .errors import check_video_file
from .probe import VideoProbe
from .reader import PathLike, VideoReader

__all__ = [
    'SeekCheck', 'check_seeking', 'clear_seek_checks', 'apply_seek_check'
]


@dataclass(frozen=True)
class SeekCheck:
    """The verdict of :func:`check_seeking` for one file and backend.

    Attributes:
        backend: ``'pyav'`` or ``'decord'``.
        random_access: True = the reader may seek to keyframes; False = it
            decodes forward from the first frame.
        primed: seeks are right only after the first frame was decoded once
            (the reader then does so before its first seek).
        reason: the verdict in words, with the check's cost.
        keyframe: the keyframe index that was checked (None: no check ran).
        max_error: largest per-pixel difference (grey levels) of a plain
            seek from the forward decode (0 = identical; None: no check).
        mean_error: mean absolute difference of the same (None: no check).
        frames_decoded: frames the check decoded in all.
        seconds: wall time of the check.
    """
    backend: str
    random_access: bool
    primed: bool
    reason: str
    keyframe: Optional[int] = None
    max_error: Optional[int] = None
    mean_error: Optional[float] = None
    frames_decoded: int = 0
    seconds: float = 0.0


#: Verdicts of :func:`check_seeking` for this process, least recently used
#: first, keyed by (real path, size, mtime in ns, backend): a file that is
#: rewritten is checked again. Bounded; each entry is a few hundred bytes.
#: A deliberate exception to "no module-level state": a check costs a
#: decode up to the second keyframe and must not be repeated per sample.
_SEEK_CHECKS: 'OrderedDict[tuple, SeekCheck]' = OrderedDict()
_SEEK_CHECKS_MAX = 65536

#: Frames compared by the check: the keyframe and the next ones.
_CHECK_FRAMES = 3


def clear_seek_checks() -> None:
    """Forget every cached :func:`check_seeking` verdict."""
    _SEEK_CHECKS.clear()


def _seek_check_key(path: str, backend: str) -> tuple:
    st = os.stat(path)
    return (os.path.realpath(path), st.st_size, st.st_mtime_ns, backend)


def _run_seek_check(path: str, probe: VideoProbe, backend: str) -> SeekCheck:
    """Seek-then-decode against forward decoding, same decoder."""
    t0 = time.perf_counter()
    if backend == 'pyav' and probe.stamps is None:
        return SeekCheck(
            backend, False, False, 'decoded forward: the packets carry no '
            'usable time stamps (no check needed)')
    if backend == 'decord' and not decord_random_access_safe(
            probe.pix_fmt, probe.closed_gop):
        gop = 'open-GOP' if probe.closed_gop is False else 'GOP unknown'
        return SeekCheck(
            backend, False, False, f'decoded forward: {gop} stream, on '
            'which decord lands a few frames off after a seek (no check '
            'needed)')
    forward = make_reader(backend, path, probe, 1)
    try:
        keys = forward.keyframe_indices
        n = forward.num_frames
        if len(keys) < 2:
            return SeekCheck(
                backend, True, False, 'seeks allowed: a single keyframe, '
                'so decoding always starts at the first frame (no check '
                'needed)')
        k = keys[1]
        targets = list(range(k, min(k + _CHECK_FRAMES, n)))
        forward._set_seek_mode(False, False, 'seek check: forward decode')
        ref = forward.get_frames(targets).astype(np.int16)
        cost = forward.frames_decoded
    finally:
        forward.close()
    span = f'frames {targets[0]}-{targets[-1]}' if len(targets) > 1 else \
        f'frame {targets[0]}'
    errors = {}
    for primed in (False, True):
        reader = make_reader(backend, path, probe, 1)
        try:
            reader._set_seek_mode(True, primed, 'seek check')
            got = reader.get_frames(targets).astype(np.int16)
            cost += reader.frames_decoded
            kept = reader.meta.random_access
        finally:
            reader.close()
        diff = np.abs(got - ref)
        errors[primed] = (int(diff.max()), float(diff.mean()))
        if not kept:  # the reader gave up seeking on its own
            break
        if errors[primed][0] == 0:
            break
    seconds = time.perf_counter() - t0
    cost_txt = (f'check: {cost} frames decoded in {seconds:.2f} s, once '
                'per file and process')
    plain_max, plain_mean = errors[False]
    common = dict(
        keyframe=k,
        max_error=plain_max,
        mean_error=plain_mean,
        frames_decoded=cost,
        seconds=seconds)
    if not kept:
        return SeekCheck(backend, False, False,
                         f'{reader.meta.random_access_reason} ({cost_txt})',
                         **common)
    if plain_max == 0:
        return SeekCheck(
            backend, True, False, f'seeks allowed: seeking to keyframe {k} '
            f'gives {span} identical to a forward decode ({cost_txt})',
            **common)
    off = (f'seeking to keyframe {k} gives {span} {plain_mean:.1f} grey '
           f'levels (mean; max {plain_max}) off a forward decode')
    if errors.get(True, (1, 0.0))[0] == 0:
        return SeekCheck(
            backend, True, True, f'seeks allowed after decoding the first '
            f'frame once: {off}, identical once the first frame has been '
            f'decoded ({cost_txt})', **common)
    return SeekCheck(
        backend, False, False, f'decoded forward: {off}, also after '
        f'decoding the first frame ({cost_txt})', **common)


def check_seeking(path: PathLike,
                  backend: str = 'pyav',
                  probe: Optional[VideoProbe] = None) -> SeekCheck:
    """Decide, once per file and backend, whether seeks can be trusted.

    The check, on the backend's own decoder, single-threaded:

    1. decode forward from the first frame to the second keyframe ``k``
       and the ``2`` frames after it (the reference);
    2. a fresh reader seeks to ``k`` and decodes the same frames; if they
       are identical (a correct seek is bit-identical: same decoder, same
       conversion), seeks are allowed;
    3. otherwise a fresh reader decodes the first frame, then seeks and
       decodes again ("primed"); if now identical, seeks are allowed after
       priming (the reader primes before its first seek, one frame);
    4. otherwise the file is decoded forward from the first frame.

    No check is run where its answer is known: a single keyframe (never a
    seek: allowed), PyAV without packet time stamps (forward), decord on
    open-GOP streams (:func:`decord_random_access_safe`: forward).

    **Cost** (measured with ``tools/benchmarks/video_sampling.py`` and
    ``open_video``, one core; see ``docs/benchmarks.md``): ``k + 3`` frames
    forward plus 3 after the plain seek (and 4 more where priming is
    tried), i.e. about one GOP of decoding, paid once per file, process
    and backend; 0 frames for a single keyframe:

    - ``bikes.mp4`` (640x272, keyframe 30): 36 frames, 0.03 s;
    - ``x264_2014_yuv444p_2gops.mp4`` (720p 4:4:4, keyframe 76): 86
      frames, 0.6 s (PyAV) / 1.0 s (decord) on a quiet core, 1.1 / 1.8 s
      on a loaded one;
    - 720p H.264 with x264's default keyframe interval (keyframe 250):
      256 frames, 1.65 s (PyAV) / 2.6 s (decord) on a loaded core - as
      much as one to four 32-frame samples of that clip.

    DataLoader workers each keep their own verdicts: with
    ``persistent_workers=True`` a file is checked once per worker for the
    whole run, without it once per worker and epoch.

    **Limit**: one keyframe is checked (the cheapest, the second); a file
    whose later keyframes alone misbehave is not caught.

    Args:
        path: the video file.
        backend: ``'pyav'`` or ``'decord'``.
        probe: the file's probe, if already read (saves one demux pass).

    Returns:
        The cached or new :class:`SeekCheck`.

    Raises:
        VideoLoadError: the file cannot be read up to the checked frames.
    """
    path = os.fspath(path)
    if backend not in ('pyav', 'decord'):
        raise ValueError(f"backend must be 'pyav' or 'decord', got "
                         f'{backend!r}')
    check_video_file(path)
    key = _seek_check_key(path, backend)
    found = _SEEK_CHECKS.get(key)
    if found is not None:
        _SEEK_CHECKS.move_to_end(key)
        return found
    if probe is None:
        probe = VideoProbe(path)
    verdict = _run_seek_check(path, probe, backend)
    _SEEK_CHECKS[key] = verdict
    while len(_SEEK_CHECKS) > _SEEK_CHECKS_MAX:
        _SEEK_CHECKS.popitem(last=False)
    return verdict


def apply_seek_check(reader: VideoReader, probe: VideoProbe) -> VideoReader:
    """Set the reader's seek mode from the (cached) check."""
    try:
        check = check_seeking(reader.path, reader.backend, probe)
    except BaseException:
        reader.close()
        raise
    reader._set_seek_mode(check.random_access, check.primed, check.reason)
    return reader
