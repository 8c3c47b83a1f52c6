"""A tiny pretraining run through the fast data path: tile shards of real
photos, 2 crops per tile, degradation in DegradationDataPreprocessor."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.runner import Runner

from qpt.datasets.tiles import TileConfig, make_tiles

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / 'tests' / 'data' / 'pretrain_tiny_shards.py'


@pytest.fixture(scope='module')
def tiles(shared_data, tmp_path_factory):
    photos = shared_data / 'images' / 'skimage'
    out = tmp_path_factory.mktemp('tiles')
    sources = [(str(p), p.name) for p in sorted(photos.iterdir())]
    report = make_tiles(sources, str(out), TileConfig(tile=128, crop=64))
    assert report.num_failed == 0 and report.num_tiles > 50
    return out, photos


def test_tiny_run_on_shards_trains_and_validates(tmp_path, tiles):
    out, photos = tiles
    cfg = Config.fromfile(TINY)
    cfg.merge_from_dict(
        dict(
            work_dir=str(tmp_path),
            train_cfg=dict(max_iters=30, val_interval=30),
            default_hooks=dict(checkpoint=dict(interval=1000)),
            train_dataloader=dict(dataset=dict(data_root=str(out))),
            val_dataloader=dict(dataset=dict(data_root=str(photos)))))
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    runner = Runner.from_cfg(cfg)
    # (not next(iter(dataloader)): that would close its InfiniteSampler)
    dataset = runner.train_dataloader.dataset
    batch = default_collate([dataset[0], dataset[1]])
    assert tuple(batch['inputs'].shape) == (2, 2, 3, 64, 64)
    views = runner.model.data_preprocessor(batch, training=True)['inputs']
    assert views[0].shape == views[1].shape == (4, 3, 64, 64)
    runner.train()
    scalars = sorted(tmp_path.glob('*/vis_data/scalars.json'))[0]
    recs = [json.loads(line) for line in scalars.read_text().splitlines()]
    losses = [r['loss'] for r in recs if 'loss' in r]
    assert len(losses) == 30 and all(v == v for v in losses)  # no NaN
    first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    assert last < first, (first, last)
    assert any('mim/recon_loss' in r or any('recon' in k for k in r)
               for r in recs)


def test_tile_tool_cli_smoke(tmp_path, shared_data):
    """Smoke test of tools/data/make_pretrain_tiles.py."""
    photos = shared_data / 'images' / 'misc'
    proc = subprocess.run([
        sys.executable, 'tools/data/make_pretrain_tiles.py', str(photos),
        '--out', str(tmp_path), '--tile', '256', '--crop', '96'
    ], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((tmp_path / 'tiles.report.json').read_text())
    assert report['num_images'] == 9 and report['num_failed'] == 0
    assert report['coverage_mean'] == 1.0
    assert 'crop positions kept 100.0%' in proc.stdout


def test_data_benchmark_dry_run_smoke():
    """Smoke test: tools/benchmarks/pretrain_data.py --dry-run works and
    ends with the line that tools/benchmarks/device_check.sh reads."""
    proc = subprocess.run(
        [sys.executable, 'tools/benchmarks/pretrain_data.py', '--dry-run'],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert proc.returncode == 0, proc.stderr[-2000:]
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith('samples/s per core ')
    assert float(last.split()[-1]) > 0
    assert 'mmpretrain MAE pipeline' in proc.stdout
    assert 'CPU workers one GPU needs' in proc.stdout


def test_recipe_train_data_feeds_its_preprocessor(tmp_path, shared_data):
    """Smoke test of the full recipe's own data path (not the tiny one):
    configs/qptv2/pretrain_hivit.py's train dataset on 512 px tiles of a
    real photo gives 4 crops of 224 per tile, and its
    DegradationDataPreprocessor turns a batch into (input, clean target)
    views of B x 4 samples; the target is the normalised clean crop."""
    import torch

    from qpt.registry import DATASETS, MODELS
    photo = shared_data / 'images' / 'misc' / 'grace_hopper.jpg'
    report = make_tiles([(str(photo), photo.name)], str(tmp_path),
                        TileConfig(tile=512, crop=224))
    assert report.num_failed == 0 and report.num_tiles >= 1
    cfg = Config.fromfile(ROOT / 'configs' / 'qptv2' / 'pretrain_hivit.py')
    dataset = DATASETS.build(
        dict(cfg.train_dataloader.dataset, data_root=str(tmp_path)))
    batch = default_collate([dataset[0], dataset[0]])
    assert tuple(batch['inputs'].shape) == (2, 4, 3, 224, 224)
    pre = MODELS.build(cfg.model.data_preprocessor)
    views = pre(batch, training=True)['inputs']
    assert views[0].shape == views[1].shape == (8, 3, 224, 224)
    clean = batch['inputs'].flatten(0, 1).float()
    mean = torch.tensor(cfg.model.data_preprocessor.mean).view(1, 3, 1, 1)
    std = torch.tensor(cfg.model.data_preprocessor.std).view(1, 3, 1, 1)
    torch.testing.assert_close(views[1], (clean - mean) / std)
