"""Seconds per video to decode and sample one fragment clip.

What is timed, per video: open the file, choose one clip of 32 frames
every 2 frames (``SampleFrames``), decode those frames (``VideoDecode``) and
cut the 7x7 grid of 32x32 fragments (``FragmentSample``) - the test-time
data path of a QPT V2 video model. Three ways to get the frames:

- ``decord``: :func:`qpt.datasets.video_io.open_video` with decord;
- ``pyav``: the same with PyAV (keyframe seek plus forward decoding);
- ``full decode``: the naive baseline - decode every frame of the video
  to RGB with PyAV, then index. Ratios are against this baseline, measured
  in the same run on the same clip.

Clips: ``videos/bigbuckbunny.mp4`` (1280x720, 132 frames, a single
keyframe) and ``videos/x264_2014_yuv444p_2gops.mp4`` (1280x720 4:4:4, 145
frames, keyframes 0 and 76; plain seeks are wrong, seeks after decoding the
first frame are right) from the shared test data, and a longer 720p H.264
clip built here with PyAV (``--long-frames`` frames, x264 default keyframe
interval 250) in a temporary folder. Decoders run single-threaded (as in
DataLoader workers). ``frames decoded`` is what the decoder went through
for one clip (exact for PyAV, modelled from the keyframe index for decord).

**Seek check.** Before a backend seeks in a file,
:func:`qpt.datasets.video_io.check_seeking` decides once per file and
process whether seeks can be trusted. Its cost is measured here on its own
(cache cleared first: columns ``check s`` / ``check frames``) and is not in
``s / video``, which is the steady state (verdict cached). ``path`` is what
the reader then did: ``seek`` (keyframe seeks), ``primed seek`` (seeks
after decoding the first frame once, +1 frame per reader) or ``forward``
(decoded from the first frame).

Usage::

    python tools/benchmarks/video_sampling.py
    python tools/benchmarks/video_sampling.py --repeats 5 --long-frames 900
    python tools/benchmarks/video_sampling.py --forward-seconds 0.35

``--forward-seconds`` (the measured time of one test-time forward pass of
the video model) adds the column "x forward": data time / forward time,
see :func:`add_forward_share`.
"""
import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

import av
import numpy as np

from qpt.datasets.transforms import (FragmentSample, SampleFrames,
                                     VideoDecode, VideoInit)
from qpt.datasets.video_io import (check_seeking, clear_seek_checks,
                                   open_video)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_ROOT = PROJECT_ROOT.parent / 'shared' / 'data'
METHODS = ('decord', 'pyav', 'full decode')


def build_long_clip(source: Path, out: Path, num_frames: int = 600,
                    preset: str = 'veryfast') -> Path:
    """A 720p H.264 clip of ``num_frames`` frames from a real source.

    The source frames are played forward and backward (ping-pong) until
    ``num_frames`` are written; libx264 with its default keyframe interval.
    """
    with av.open(str(source)) as c:
        frames = [f.to_ndarray(format='rgb24') for f in c.decode(video=0)]
    order = list(range(len(frames))) + list(range(len(frames) - 2, 0, -1))
    with av.open(str(out), 'w') as o:
        s = o.add_stream('libx264', rate=25)
        s.width, s.height = frames[0].shape[1], frames[0].shape[0]
        s.pix_fmt = 'yuv420p'
        s.options = {'preset': preset}
        for i in range(num_frames):
            img = frames[order[i % len(order)]]
            for p in s.encode(av.VideoFrame.from_ndarray(img, format='rgb24')):
                o.mux(p)
        for p in s.encode():
            o.mux(p)
    return out


def _full_decode_clip(path: Path, sampler: SampleFrames,
                      fragment: FragmentSample) -> Dict:
    """Baseline: every frame to RGB, then index and fragment."""
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        frames = [f.to_ndarray(format='rgb24') for f in c.decode(stream)]
    video = np.stack(frames)
    inds = sampler.sample(len(video))
    fragment(dict(imgs=video[inds]))
    return dict(frames_decoded=len(video))


def _seek_path(meta) -> str:
    if not meta.random_access:
        return 'forward'
    return 'primed seek' if meta.seek_primed else 'seek'


def _pipeline_clip(path: Path, backend: str, sampler: SampleFrames,
                   fragment: FragmentSample) -> Dict:
    results = VideoInit(backend=backend)(dict(video_path=str(path)))
    path_used = _seek_path(results['video_reader'].meta)
    results = sampler(results)
    results = VideoDecode(record_cost=True)(results)
    fragment(results)
    return dict(frames_decoded=results['frames_decoded'], path=path_used)


def measure_seek_check(path: Path, backend: str) -> Dict:
    """The one-time seek check of ``backend`` on ``path``, uncached.

    Returns:
        ``check_seconds`` (wall time, including the probe),
        ``check_frames`` (frames the check decoded) and ``verdict``.
    """
    clear_seek_checks()
    t0 = time.perf_counter()
    check = check_seeking(path, backend)
    seconds = time.perf_counter() - t0
    verdict = ('forward' if not check.random_access else
               'primed seek' if check.primed else 'seek')
    return dict(check_seconds=seconds, check_frames=check.frames_decoded,
                verdict=verdict)


def time_method(path: Path, method: str, test_mode: bool,
                repeats: int) -> Dict:
    """Median seconds per video over ``repeats`` runs (seeds 0, 1, ...).

    In training mode each repeat draws another clip start and other
    fragment offsets (``np.random.seed(repeat)``); the same seeds are used
    for every method.
    """
    sampler = SampleFrames(
        clip_len=32, frame_interval=2, num_clips=1, test_mode=test_mode)
    fragment = FragmentSample(test_mode=test_mode)
    seconds, decoded, paths = [], [], set()
    for r in range(repeats):
        np.random.seed(r)
        t0 = time.perf_counter()
        if method == 'full decode':
            info = _full_decode_clip(path, sampler, fragment)
        else:
            info = _pipeline_clip(path, method, sampler, fragment)
        seconds.append(time.perf_counter() - t0)
        decoded.append(info['frames_decoded'])
        paths.add(info.get('path', 'everything'))
    return dict(
        seconds=statistics.median(seconds),
        frames_decoded=float(np.mean(decoded)),
        path='/'.join(sorted(paths)))


def run_benchmark(clips: Dict[str, Path], repeats: int = 3,
                  modes=('test', 'train')) -> List[Dict]:
    """One row per (clip, mode, method), with the ratio to full decode.

    The seek check of each backend is measured first (uncached); the
    timed runs then use the cached verdict.
    """
    rows = []
    for name, path in clips.items():
        checks = {m: measure_seek_check(path, m) for m in ('decord', 'pyav')}
        checks['full decode'] = dict(check_seconds=0.0, check_frames=0,
                                     verdict='everything')
        with open_video(path, backend='pyav') as reader:
            total = reader.num_frames
            keys = len(reader.keyframe_indices)
            size = f'{reader.meta.width}x{reader.meta.height}'
        for mode in modes:
            res = {
                m: time_method(path, m, mode == 'test', repeats)
                for m in METHODS
            }
            base = res['full decode']['seconds']
            for m in METHODS:
                rows.append(
                    dict(
                        clip=name,
                        size=size,
                        frames=total,
                        keyframes=keys,
                        mode=mode,
                        method=m,
                        seconds=res[m]['seconds'],
                        frames_decoded=res[m]['frames_decoded'],
                        vs_full=res[m]['seconds'] / base,
                        path=res[m]['path'],
                        check_seconds=checks[m]['check_seconds'],
                        check_frames=checks[m]['check_frames']))
    return rows


def add_forward_share(rows: List[Dict], forward_seconds: float
                      ) -> List[Dict]:
    """Add ``x_forward``: data seconds per video / forward-pass seconds.

    Args:
        rows: rows from :func:`run_benchmark`.
        forward_seconds: measured seconds of one test-time forward pass of
            the video model on one clip (same batch size 1, same machine).

    Returns:
        The same rows, each with ``x_forward`` (0.5 = the data path costs
        half a forward pass) and ``data_share`` (the data path's share of
        data + forward time, assuming no overlap).
    """
    for row in rows:
        row['x_forward'] = row['seconds'] / forward_seconds
        row['data_share'] = row['seconds'] / (row['seconds'] +
                                              forward_seconds)
    return rows


def format_table(rows: List[Dict]) -> str:
    """Markdown table of the rows."""
    extra = 'x_forward' in rows[0] if rows else False
    head = ['clip', 'size', 'frames', 'keyframes', 'mode', 'method',
            'path', 's / video', 'frames decoded', 'vs full decode',
            'check s', 'check frames']
    if extra:
        head += ['x forward', 'data share']
    lines = ['| ' + ' | '.join(head) + ' |',
             '|' + '---|' * len(head)]
    for r in rows:
        cells = [
            r['clip'], r['size'], str(r['frames']), str(r['keyframes']),
            r['mode'], r['method'], r['path'], f"{r['seconds']:.3f}",
            f"{r['frames_decoded']:.0f}", f"{r['vs_full']:.2f}",
            f"{r['check_seconds']:.2f}", str(r['check_frames'])
        ]
        if extra:
            cells += [f"{r['x_forward']:.2f}", f"{r['data_share']:.0%}"]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def parse_args(argv: Optional[List[str]] = None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--data-root', type=Path, default=DEFAULT_DATA_ROOT,
        help='the shared test data folder (holds videos/)')
    parser.add_argument('--long-frames', type=int, default=600,
                        help='frames of the generated 720p clip')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--modes', nargs='+', default=['test', 'train'],
                        choices=['test', 'train'])
    parser.add_argument('--forward-seconds', type=float, default=None,
                        help='seconds of one test-time forward pass')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> List[Dict]:
    args = parse_args(argv)
    bbb = args.data_root / 'videos' / 'bigbuckbunny.mp4'
    if not bbb.is_file():
        raise SystemExit(f'{bbb} not found: pass --data-root')
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        long_clip = build_long_clip(
            bbb, Path(tmp) / f'long_720p_{args.long_frames}.mp4',
            args.long_frames)
        print(f'built {long_clip.name} in {time.perf_counter() - t0:.1f} s')
        clips = {'bigbuckbunny.mp4': bbb}
        old_x264 = args.data_root / 'videos' / 'x264_2014_yuv444p_2gops.mp4'
        if old_x264.is_file():
            clips[old_x264.name] = old_x264
        clips[long_clip.name] = long_clip
        rows = run_benchmark(clips, args.repeats, tuple(args.modes))
    if args.forward_seconds:
        add_forward_share(rows, args.forward_seconds)
    print(format_table(rows))
    return rows


if __name__ == '__main__':
    main()
