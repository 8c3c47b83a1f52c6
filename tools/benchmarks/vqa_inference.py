"""Seconds per video for data vs network in test-time video scoring.

What is timed, per video, through the public API's own steps
(:mod:`qpt.apis.video_inference`), with the test pipeline of a VQA config
(default ``configs/qptv2/vqa_hivit-t_lsvq.py``: K = 4 clips of 32 frames
every 2nd frame, 7x7 fragments of 32x32 -> (K, 3, 32, 224, 224)):

- **data**: each transform of the test pipeline in turn - ``open``
  (``VideoInit``: probe and open the decoder), ``sample``
  (``SampleFrames``), ``decode`` (``VideoDecode``: the K x 32 frames),
  ``fragments`` (``FragmentSample``) and ``pack`` (``PackVideoClips``);
- **network**: normalisation by the data preprocessor and the forward
  pass of HiViT3D-T (16 x 14 x 14 = 3136 tokens per clip, global attention
  with the 3-D bias) on the K clips, head, average
  (:func:`qpt.apis.scoring.score_samples`, one video per call).

Weights are random (the cost does not depend on them). One untimed warm-up
forward runs first. ``data share`` is data / (data + network), i.e. without
overlap (``inference_model`` runs them one after the other; a DataLoader
with workers overlaps them). The clips are the shared test videos.

Usage::

    python tools/benchmarks/vqa_inference.py
    python tools/benchmarks/vqa_inference.py --num-clips 1 --threads 2 \
        --videos bigbuckbunny.mp4 bikes.mp4 --repeats 3
"""
import argparse
import statistics
import time
from pathlib import Path
from typing import Dict, List, Optional

import torch

from qpt.apis import init_model
from qpt.apis.scoring import score_samples
from qpt.apis.video_inference import build_video_test_pipeline

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = PROJECT_ROOT / 'configs' / 'qptv2' / 'vqa_hivit-t_lsvq.py'
DEFAULT_DATA_ROOT = PROJECT_ROOT.parent / 'shared' / 'data'
DEFAULT_VIDEOS = ('bigbuckbunny.mp4', 'bikes.mp4', 'carphone_pristine.mp4')
STEPS = {
    'VideoInit': 'open',
    'SampleFrames': 'sample',
    'VideoDecode': 'decode',
    'FragmentSample': 'fragments',
    'PackVideoClips': 'pack',
}


def time_data(path: Path, pipeline) -> Dict:
    """Seconds of each test-pipeline step for one video, and the sample."""
    results = dict(video_path=str(path))
    seconds: Dict[str, float] = {}
    for transform in pipeline.transforms:
        step = STEPS.get(type(transform).__name__, type(transform).__name__)
        t0 = time.perf_counter()
        results = transform(results)
        seconds[step] = seconds.get(step, 0.) + time.perf_counter() - t0
    return dict(seconds=seconds, sample=results)


def time_network(model, sample: dict) -> float:
    t0 = time.perf_counter()
    score_samples(model, [sample], batch_size=1)
    return time.perf_counter() - t0


def run_benchmark(model, videos: List[Path], repeats: int = 1
                  ) -> List[Dict]:
    """One row per video: median seconds of each step over ``repeats``."""
    pipeline = build_video_test_pipeline(model.cfg)
    warm = time_data(videos[0], pipeline)['sample']
    score_samples(model, [warm], batch_size=1)  # untimed warm-up
    rows = []
    for path in videos:
        runs = []
        for _ in range(repeats):
            data = time_data(path, pipeline)
            net = time_network(model, data['sample'])
            runs.append(dict(data['seconds'], network=net))
        row = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        sample = data['sample']
        meta = sample['data_samples'].metainfo
        row.update(
            video=path.name,
            size='x'.join(str(s) for s in meta['ori_shape'][::-1]),
            frames=meta['total_frames'],
            clips=tuple(sample['inputs'].shape))
        row['data'] = sum(v for k, v in row.items()
                          if k in set(STEPS.values()))
        row['share'] = row['data'] / (row['data'] + row['network'])
        rows.append(row)
    return rows


def format_table(rows: List[Dict]) -> str:
    """Markdown table of the rows."""
    steps = [s for s in ('open', 'sample', 'decode', 'fragments', 'pack')
             if s in rows[0]]
    head = ['video', 'size', 'frames', 'input (K,3,T,H,W)', *steps,
            'data s', 'network s', 'data share']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for r in rows:
        cells = [r['video'], r['size'], str(r['frames']),
                 str(r['clips']).replace(' ', '')]
        cells += [f'{r[s]:.3f}' for s in steps]
        cells += [f"{r['data']:.3f}", f"{r['network']:.3f}",
                  f"{r['share']:.1%}"]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', type=Path, default=DEFAULT_CONFIG,
                        help='a VQA config (its test pipeline and model)')
    parser.add_argument('--data-root', type=Path, default=DEFAULT_DATA_ROOT,
                        help='the shared test data folder (holds videos/)')
    parser.add_argument('--videos', nargs='+', default=list(DEFAULT_VIDEOS),
                        help='file names under DATA_ROOT/videos')
    parser.add_argument('--num-clips', type=int, default=None,
                        help='test clips per video (default: the config)')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch CPU threads for the network')
    parser.add_argument('--repeats', type=int, default=1)
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> List[Dict]:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    videos = [args.data_root / 'videos' / v for v in args.videos]
    missing = [str(v) for v in videos if not v.is_file()]
    if missing:
        raise SystemExit(f'not found: {missing}; pass --data-root')
    options = {'model.init_cfg': None}  # random weights: no checkpoint read
    if args.num_clips:
        options['test_dataloader.dataset.pipeline.1.num_clips'] = \
            args.num_clips
    model = init_model(str(args.config), None, device=args.device,
                       cfg_options=options)
    rows = run_benchmark(model, videos, args.repeats)
    print(f'{args.config.name}, {args.device}, torch threads '
          f'{torch.get_num_threads()}, median of {args.repeats}')
    print(format_table(rows))
    return rows


if __name__ == '__main__':
    main()
