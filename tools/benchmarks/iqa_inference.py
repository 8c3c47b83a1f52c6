"""Images per second of ``qpt.apis.inference_model`` on high-resolution photos.

What is timed: scoring every photo of a folder (default: the 13 HR photos,
1280-2560 px, of the shared test data) with a HiViT-T image scorer
(random weights: speed does not depend on them) through the test pipeline
``LoadImageRGB -> DeterministicCrops(224, 5) -> PackQualityInputs`` (or the
one of ``--config``), at each batch size, on the CPU and, when available,
on CUDA.

Two passes per setting, after one warm-up pass:

- ``img/s``: end to end, ``inference_model(model, paths, batch_size)``
  (median of ``--repeats`` runs);
- the share of the time in each stage, from an instrumented pass that runs
  the same steps one by one: ``decode`` (the pipeline's loading step: file
  read, JPEG/PNG decoding, EXIF, RGB conversion), ``preprocess`` (the rest
  of the pipeline -- crops, packing -- plus the data preprocessor's
  normalisation and host-to-device copy), ``network`` (``model.predict``;
  CUDA is synchronised before each clock read).

Usage::

    python tools/benchmarks/iqa_inference.py
    python tools/benchmarks/iqa_inference.py --batch-sizes 1 16 --repeats 3
    python tools/benchmarks/iqa_inference.py --config CONFIG --images DIR
"""
import argparse
import statistics
import time
from pathlib import Path
from typing import Dict, List, Optional

import torch
from mmengine.config import Config

from qpt.apis import inference_model, init_model
from qpt.apis.inference import build_test_pipeline, prepare_sample
from qpt.datasets.image_io import IMAGE_EXTENSIONS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_IMAGES = PROJECT_ROOT.parent / 'shared' / 'data' / 'images' / \
    'hr_photos'
BASE_CFG = PROJECT_ROOT / 'configs' / '_base_' / 'models' / \
    'qptv2_hivit-t_quality.py'
DEFAULT_PIPELINE = [
    dict(type='LoadImageRGB'),
    dict(type='DeterministicCrops', crop_size=224, num_crops=5),
    dict(type='PackQualityInputs'),
]


def load_config(path: Optional[str]) -> Config:
    """``--config``, or the base scorer config with the default pipeline."""
    if path:
        return Config.fromfile(path)
    cfg = Config.fromfile(str(BASE_CFG))
    cfg.test_dataloader = dict(dataset=dict(pipeline=DEFAULT_PIPELINE))
    return cfg


def _sync(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def time_stages(model, paths: List[Path], batch_size: int,
                device: str) -> Dict[str, float]:
    """Seconds per stage for one instrumented pass over ``paths``."""
    load, rest = build_test_pipeline(model.cfg)
    totals = dict(decode=0., preprocess=0., network=0.)
    samples = []
    for path in paths:
        t0 = time.perf_counter()
        results = load(dict(img_path=str(path)))
        t1 = time.perf_counter()
        samples.append(rest(results))
        totals['decode'] += t1 - t0
        totals['preprocess'] += time.perf_counter() - t1
    with torch.no_grad():
        for start in range(0, len(samples), batch_size):
            chunk = samples[start:start + batch_size]
            _sync(device)
            t0 = time.perf_counter()
            data = model.data_preprocessor(
                dict(inputs=[s['inputs'] for s in chunk],
                     data_samples=[s['data_samples'] for s in chunk]), False)
            _sync(device)
            t1 = time.perf_counter()
            model.predict(data['inputs'], data['data_samples'])
            _sync(device)
            totals['preprocess'] += t1 - t0
            totals['network'] += time.perf_counter() - t1
    return totals


def run_benchmark(cfg: Config, paths: List[Path], devices: List[str],
                  batch_sizes: List[int], repeats: int) -> List[Dict]:
    rows = []
    for device in devices:
        torch.manual_seed(0)
        model = init_model(cfg, device=device)
        # warm-up: allocator, kernels, lazy imports, file cache
        prepare_sample(paths[0], 0, *build_test_pipeline(cfg))
        inference_model(model, paths[:2], batch_size=2)
        for bs in batch_sizes:
            runs = []
            for _ in range(repeats):
                _sync(device)
                t0 = time.perf_counter()
                inference_model(model, paths, batch_size=bs)
                _sync(device)
                runs.append(time.perf_counter() - t0)
            stages = time_stages(model, paths, bs, device)
            total = sum(stages.values())
            seconds = statistics.median(runs)
            rows.append(
                dict(
                    device=device,
                    batch=bs,
                    images=len(paths),
                    seconds=seconds,
                    img_per_s=len(paths) / seconds,
                    **{k: v / total
                       for k, v in stages.items()}))
    return rows


def format_table(rows: List[Dict]) -> str:
    header = (f'{"device":<8}{"batch":>6}{"images":>8}{"seconds":>10}'
              f'{"img/s":>9}{"decode":>9}{"preproc":>9}{"network":>9}')
    lines = [header, '-' * len(header)]
    for r in rows:
        lines.append(
            f'{r["device"]:<8}{r["batch"]:>6}{r["images"]:>8}'
            f'{r["seconds"]:>10.2f}{r["img_per_s"]:>9.2f}'
            f'{r["decode"]:>9.0%}{r["preprocess"]:>9.0%}'
            f'{r["network"]:>9.0%}')
    return '\n'.join(lines)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', help='a scorer config with a test '
                        'pipeline (default: base HiViT-T scorer, 5 crops)')
    parser.add_argument('--images', default=str(DEFAULT_IMAGES),
                        help='folder of images (default: shared HR photos)')
    parser.add_argument('--batch-sizes', type=int, nargs='+',
                        default=[1, 16])
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument('--devices', nargs='+', default=None,
                        help='default: cpu, and cuda when available')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads (default: torch default)')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    paths = sorted(p for p in Path(args.images).iterdir()
                   if p.suffix.lower() in IMAGE_EXTENSIONS)
    if not paths:
        raise SystemExit(f'{args.images}: no images')
    devices = args.devices or (['cpu', 'cuda']
                               if torch.cuda.is_available() else ['cpu'])
    cfg = load_config(args.config)
    rows = run_benchmark(cfg, paths, devices, args.batch_sizes, args.repeats)
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else '-'
    print(f'{len(paths)} images from {Path(args.images).name}/, torch '
          f'{torch.__version__}, CPU threads {torch.get_num_threads()}, '
          f'GPU {gpu}')
    print(format_table(rows))


if __name__ == '__main__':
    main()
