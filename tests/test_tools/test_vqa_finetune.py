"""A short VQA fine-tune and test through the real tools, on a compression
ladder of real clips.

Clips of the shared test videos are re-encoded here with PyAV's libx264 at
CRF 18 / 28 / 38 / 48 (small, 16 frames); their MOS is a monotone function
of the CRF. The label file is in the FAST-VQA / DOVER text format, the
split file comes from ``qpt.datasets.quality.splits``, and the model
(a tiny HiViT3D) starts from an image scorer checkpoint through the
``InflatedPretrained`` init.
"""
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
import torch

import qpt.apis
from qpt.apis import inference_model, init_model, load_video_frames
from qpt.datasets.quality import (make_random_splits, read_dover_txt,
                                  save_splits)
from qpt.datasets.video_io import load_video_frames as io_load_video_frames
from qpt.registry import MODELS

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / 'tests' / 'data' / 'vqa_tiny.py'
SOURCES = ('bikes.mp4', 'carphone_pristine.mp4', 'imageio_realshort.mp4',
           'bigbuckbunny.mp4', 'opencv_tree.avi')
CRFS = (18, 28, 38, 48)
SIZE = (160, 112)  # (W, H): at least the 96x96 of 3x3 fragments of 32
NUM_FRAMES = 16


def mos_of(crf: int) -> float:
    """MOS on KoNViD-1k's 1-5 scale, falling with the CRF."""
    return round(5.0 - 4.0 * (crf - CRFS[0]) / (CRFS[-1] - CRFS[0]), 3)


def encode(frames: np.ndarray, path: Path, crf: int) -> None:
    """(T, H, W, 3) uint8 RGB -> H.264 yuv420p at a constant rate factor."""
    with av.open(str(path), 'w') as out:
        stream = out.add_stream('libx264', rate=25)
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        stream.pix_fmt = 'yuv420p'
        stream.options = {'crf': str(crf), 'preset': 'veryfast'}
        for img in frames:
            frame = av.VideoFrame.from_ndarray(img, format='rgb24')
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def run_tool(args: list, timeout: int = 300) -> str:
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out


@pytest.fixture(scope='module')
def ladder(shared_data, tmp_path_factory):
    """data_root with videos/, labels.txt (DOVER format) and splits.json."""
    root = tmp_path_factory.mktemp('vqa_ladder')
    (root / 'videos').mkdir()
    lines = []
    for source in SOURCES:
        frames = load_video_frames(shared_data / 'videos' / source,
                                   np.arange(NUM_FRAMES))
        frames = np.stack([
            cv2.resize(f, SIZE, interpolation=cv2.INTER_AREA) for f in frames
        ])
        stem = Path(source).stem
        for crf in CRFS:
            name = f'{stem}_crf{crf}.mp4'
            encode(frames, root / 'videos' / name, crf)
            lines.append(f'{name}, 0, 0, {mos_of(crf)}')
    (root / 'labels.txt').write_text('\n'.join(lines) + '\n')
    records = read_dover_txt(str(root / 'labels.txt'))
    save_splits(
        str(root / 'splits.json'),
        make_random_splits(records, num_splits=1, seed=0, test_ratio=0.25,
                           val_ratio=1 / 3),
        dataset='konvid1k')
    return root


@pytest.fixture(scope='module')
def image_checkpoint(tmp_path_factory):
    """Our image scorer checkpoint with the tiny arch at 96x96."""
    from mmengine.config import Config
    cfg = Config.fromfile(str(TINY))
    model_cfg = cfg.model.to_dict()
    model_cfg.update(video=False, init_cfg=None)
    model_cfg['backbone'] = dict(
        type='HiViT', arch=model_cfg['backbone']['arch'], img_size=96)
    model_cfg.pop('data_preprocessor')
    model = MODELS.build(model_cfg)
    model.init_weights()
    path = tmp_path_factory.mktemp('image') / 'image_scorer.pth'
    torch.save(dict(meta=dict(), state_dict=model.state_dict()), path)
    return path


def data_options(root: Path) -> list:
    return [
        f'{loader}.dataset.data_root={root}'
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader')
    ]


def test_ladder_is_real_and_monotone(ladder):
    """The encoder really degrades the clips: larger CRF, smaller files and
    larger error against the CRF-18 version."""
    frames = {
        crf: io_load_video_frames(
            ladder / 'videos' / f'bikes_crf{crf}.mp4', [0, 5, 10])
        for crf in CRFS
    }
    errors = [
        np.abs(frames[c].astype(float) - frames[18]).mean() for c in CRFS
    ]
    assert errors == sorted(errors) and errors[-1] > 2 * errors[1]
    sizes = [(ladder / 'videos' / f'bikes_crf{c}.mp4').stat().st_size
             for c in CRFS]
    assert sizes == sorted(sizes, reverse=True)
    splits = json.loads((ladder / 'splits.json').read_text())['splits'][0]
    assert (len(splits['train']), len(splits['val']),
            len(splits['test'])) == (10, 5, 5)


def test_finetune_test_and_inference(ladder, image_checkpoint, tmp_path):
    work = tmp_path / 'train'
    log = run_tool([
        'tools/train.py', str(TINY), '--work-dir', str(work),
        '--cfg-options', *data_options(ladder),
        f'model.init_cfg.checkpoint={image_checkpoint}'
    ])
    # started from the image checkpoint through inflation
    assert 'inflated backbone.patch_embed.proj.weight: [16, 3, 4, 4] -> ' \
        '[16, 3, 2, 4, 4]' in log
    assert 'rebuilt backbone.relative_position_index' in log
    ckpt = work / 'iter_12.pth'
    assert ckpt.is_file()
    scalars = [
        json.loads(line) for p in work.glob('*/vis_data/scalars.json')
        for line in p.read_text().splitlines()
    ]
    losses = [s['loss'] for s in scalars if 'loss' in s]
    assert losses and all(np.isfinite(losses))
    assert any('SRCC' in s for s in scalars)  # validation ran

    out = tmp_path / 'metrics.json'
    test_dir = tmp_path / 'test'
    log = run_tool([
        'tools/test.py', str(TINY), str(ckpt), '--work-dir', str(test_dir),
        '--out', str(out), '--cfg-options', *data_options(ladder)
    ])
    metrics = json.loads(out.read_text())
    assert metrics['num_samples'] == 5
    for key in ('SRCC', 'PLCC', 'KRCC', 'RMSE'):
        assert np.isfinite(metrics[key]), (key, metrics)
        assert key in log
    with open(test_dir / 'quality_predictions.csv') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 5
    split = json.loads((ladder / 'splits.json').read_text())['splits'][0]
    assert sorted(Path(r['path']).name for r in rows) == sorted(
        split['test'])
    labels = {
        line.split(',')[0]: float(line.split(',')[3])
        for line in (ladder / 'labels.txt').read_text().splitlines()
    }
    for row in rows:
        assert float(row['gt']) == pytest.approx(
            labels[Path(row['path']).name])

    # the public API on a video path: deterministic K-clip test sampling
    model = init_model(str(TINY), str(ckpt))
    video = ladder / 'videos' / 'bikes_crf38.mp4'
    first = inference_model(model, str(video))
    second = inference_model(model, video)
    assert len(first) == 1 and first == second
    both = inference_model(
        model, [video, ladder / 'videos' / 'bikes_crf18.mp4'], batch_size=4)
    assert both[0] == pytest.approx(first[0], abs=1e-6)
    # the same number as tools/test.py gave that video, if it was tested
    by_name = {Path(r['path']).name: float(r['pred']) for r in rows}
    if video.name in by_name:
        assert first[0] == pytest.approx(by_name[video.name], abs=1e-4)


def test_load_video_frames_is_exported(shared_data):
    assert 'load_video_frames' in qpt.apis.__all__
    assert load_video_frames is io_load_video_frames
    frames = load_video_frames(shared_data / 'videos' / 'bikes.mp4', [0, 3])
    assert frames.shape == (2, 272, 640, 3) and frames.dtype == np.uint8
