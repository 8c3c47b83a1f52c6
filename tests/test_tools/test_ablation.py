"""Pretraining ablation runner (tools/analysis/pretrain_ablation.py): every
arm through the real tools (train.py, quality_probe.py, train.py, test.py)
on a two-iteration budget with a tiny HiViT and 5 real photos; each arm's
one option reaches its config; the held-out photos stay out of training;
cached stages are skipped on a rerun."""
import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / 'tools' / 'analysis' / 'pretrain_ablation.py'
TINY_ARCH = json.dumps(dict(embed_dims=64, depths=[1, 1, 2], num_heads=2))
PHOTOS = ('astronaut', 'brick', 'camera', 'chelsea', 'coffee')
HELDOUT = ('camera', 'chelsea', 'coffee')
ARMS = ('none', 'plain', 'clean', 'degraded', 'advanced', 'nofusion')


def test_scale_schedule(load_tool):
    tool = load_tool('tools/analysis/pretrain_ablation.py')
    demo = [
        dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
             end=30),
        dict(type='CosineAnnealingLR', T_max=270, eta_min=1e-5,
             by_epoch=False, begin=30, end=300),
    ]
    long = tool.scale_schedule(demo, 300, 1200)
    assert [(s['begin'], s['end']) for s in long] == [(0, 120), (120, 1200)]
    assert long[1]['T_max'] == 1080 and long[1]['eta_min'] == 1e-5
    assert demo[1]['end'] == 300  # the input is not modified
    tiny = tool.scale_schedule(demo, 300, 2)  # the warm-up vanishes
    assert [(s['type'], s['begin'], s['end'], s['T_max']) for s in tiny] \
        == [('CosineAnnealingLR', 0, 2, 2)]
    with pytest.raises(ValueError, match='iteration-based'):
        tool.scale_schedule([dict(type='LinearLR', by_epoch=True)], 10, 5)


def run_ablation(work: Path, photos: Path, *extra: str) -> str:
    cmd = [
        sys.executable, str(TOOL), '--work-dir', str(work), '--iters', '2',
        '--finetune-iters', '2', '--seeds', '0', '--arms', ','.join(ARMS),
        '--photos', str(photos), '--exclude', '', '--heldout',
        ','.join(HELDOUT), '--size', '64', '--crop-size', '32',
        '--batch-size', '2', '--finetune-batch-size', '2',
        '--finetune-crop-size', '32', '--probe-crop-size', '48',
        '--probe-types', 'blur,contrast', '--arch', TINY_ARCH, *extra
    ]
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=3600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return proc.stdout


@pytest.fixture(scope='module')
def ablation(shared_data, tmp_path_factory):
    photos = tmp_path_factory.mktemp('photos')
    for name in PHOTOS:
        (photos / f'{name}.png').symlink_to(shared_data / 'images' /
                                            'skimage' / f'{name}.png')
    work = tmp_path_factory.mktemp('ablation')
    log = run_ablation(work, photos)
    return work, photos, log


def test_every_arm_runs(ablation):
    work, _, _ = ablation
    rows = list(csv.DictReader((work / 'ablation.csv').open()))
    assert [r['arm'] for r in rows] == list(ARMS)
    for r in rows:
        for key in ('probe_blur_per_photo', 'probe_blur_pooled',
                    'probe_contrast_pooled', 'test_SRCC', 'test_PLCC'):
            v = float(r[key])
            assert math.isfinite(v) and -1 <= v <= 1, (r['arm'], key, v)
        # the table holds what the stages measured (round trip)
        run = work / 'runs' / r['arm'] / 'seed0'
        probe = json.loads((run / 'probe' / 'probe.json').read_text())
        assert float(r['probe_blur_pooled']) == pytest.approx(
            probe['results']['blur']['pooled'], abs=1e-4)
        metrics = json.loads((run / 'test' / 'metrics.json').read_text())
        srcc = [v for k, v in metrics.items() if k.split('/')[-1] == 'SRCC']
        assert float(r['test_SRCC']) == pytest.approx(srcc[0], abs=1e-4)
    md = (work / 'ablation.md').read_text()
    assert 'QPT V2, degraded target' in md and 'N = 2' in md
    assert 'camera, chelsea, coffee' in md


def test_each_arm_changes_its_one_option(ablation):
    work, _, _ = ablation

    def pre_cfg(arm):
        return Config.fromfile(
            str(work / 'runs' / arm / 'seed0' / 'pretrain' / 'config.py'))

    def pair(cfg):
        return [t for t in cfg.train_dataloader.dataset.pipeline
                if t['type'] == 'DegradationPair'][0]

    clean = pre_cfg('clean')
    assert pair(clean)['target'] == 'clean'
    assert pair(clean)['degradation']['type'] == 'SequentialDegradation'
    assert pair(pre_cfg('degraded'))['target'] == 'degraded'
    assert pair(pre_cfg('plain'))['degradation'] is None
    adv = pair(pre_cfg('advanced'))
    assert adv['target'] == 'clean'
    assert adv['degradation'] != pair(clean)['degradation']
    assert pre_cfg('nofusion').model.neck.fusion == 'none'
    assert clean.model.neck.fusion != 'none'
    for arm in ('clean', 'degraded', 'plain', 'advanced', 'nofusion'):
        cfg = pre_cfg(arm)
        assert cfg.train_cfg.max_iters == 2 and cfg.randomness.seed == 0
        assert cfg.train_dataloader.dataset.data_prefix.img_path == 'train'
        ft = Config.fromfile(str(work / 'runs' / arm / 'seed0' /
                                 'finetune' / 'config.py'))
        ckpt = work / 'runs' / arm / 'seed0' / 'pretrain' / 'iter_2.pth'
        assert ckpt.is_file()
        assert ft.model.backbone.init_cfg.checkpoint == str(ckpt)
    ft = Config.fromfile(
        str(work / 'runs' / 'none' / 'seed0' / 'finetune' / 'config.py'))
    assert ft.model.backbone.init_cfg is None
    # the arms really trained differently
    a = torch.load(work / 'runs' / 'clean' / 'seed0' / 'pretrain' /
                   'iter_2.pth', map_location='cpu', weights_only=False)
    b = torch.load(work / 'runs' / 'degraded' / 'seed0' / 'pretrain' /
                   'iter_2.pth', map_location='cpu', weights_only=False)
    key = 'backbone.blocks.0.mlp.fc1.weight'
    assert not torch.equal(a['state_dict'][key], b['state_dict'][key])


def test_heldout_photos_never_train(ablation):
    work, _, _ = ablation
    lists = json.loads((work / 'photos' / 'lists.json').read_text())
    assert lists['heldout'] == list(HELDOUT)
    assert sorted(p.stem for p in (work / 'photos' / 'train').iterdir()) \
        == ['astronaut', 'brick']
    split = json.loads((work / 'iqa' / 'splits.json').read_text())
    split = split['splits'][0]
    labels = {r['img_name']: r['ref'] for r in csv.DictReader(
        (work / 'iqa' / 'labels.csv').open())}
    assert {labels[f] for f in split['test']} == set(HELDOUT)
    assert {labels[f] for f in split['train']} == {'astronaut', 'brick'}
    assert len(split['test']) == 3 * 5 * 5  # all five types, five levels
    probe = json.loads((work / 'runs' / 'clean' / 'seed0' / 'probe' /
                        'probe.json').read_text())
    assert probe['settings']['photos'] == list(HELDOUT)


def test_rerun_uses_the_cache(ablation):
    work, photos, _ = ablation
    before = (work / 'ablation.csv').read_text()
    log = run_ablation(work, photos)
    assert '$ ' not in log  # no stage ran again
    assert (work / 'ablation.csv').read_text() == before
    # an arm held by a live runner is left alone
    lock = work / 'runs' / 'clean' / 'seed0' / 'running.lock'
    lock.write_text(str(os.getpid()))
    log = run_ablation(work, photos, '--arms', 'clean', '--force', 'probe')
    assert 'another runner' in log and '$ ' not in log
    lock.write_text('999999999')  # a process that is gone
    log = run_ablation(work, photos, '--arms', 'clean', '--force', 'probe')
    assert log.count('quality_probe.py') == 1 and 'train.py' not in log
    assert not lock.exists()
