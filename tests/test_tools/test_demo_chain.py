"""The README's demo chain through the real tools and configs, at a
two-iteration budget: demo photos -> pretraining demo -> IQA demo fine-tuned
from that checkpoint (strict encoder load) -> distortion ladders scored on
the held-out photos."""
import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from qpt.datasets.demo_photos import HELDOUT_PHOTOS, TRAIN_PHOTOS

ROOT = Path(__file__).resolve().parents[2]


def run_tool(args: list, timeout: int = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS='2', PYTHONWARNINGS='ignore')
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def test_demo_photo_roles_are_disjoint():
    assert not set(TRAIN_PHOTOS) & set(HELDOUT_PHOTOS)
    assert len(set(TRAIN_PHOTOS)) == len(TRAIN_PHOTOS)


def test_demo_images_follow_the_roles(tmp_path):
    stale = tmp_path / 'pretrain' / 'train' / f'{HELDOUT_PHOTOS[0]}.png'
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b'an earlier layout put a held-out photo here')
    run_tool(['tools/data/make_demo_images.py', str(tmp_path)])
    for split, names in (('train', TRAIN_PHOTOS), ('val', HELDOUT_PHOTOS)):
        found = sorted(p.stem for p in (tmp_path / 'pretrain' /
                                        split).glob('*.png'))
        assert found == sorted(names)


def test_synthetic_iqa_tests_on_the_held_out_photos_only(tmp_path):
    run_tool([
        'tools/data/make_synthetic_iqa.py', '--source', 'skimage',
        str(tmp_path), '--size', '48', '--types', 'noise,blur',
        '--num-splits', '3'
    ])
    rows = list(csv.DictReader((tmp_path / 'labels.csv').open()))
    ref = {r['img_name']: r['ref'] for r in rows}
    splits = json.loads((tmp_path / 'splits.json').read_text())
    assert splits['fixed_test_refs'] == sorted(HELDOUT_PHOTOS)
    trains = set()
    for split in splits['splits']:
        assert {ref[f] for f in split['test']} == set(HELDOUT_PHOTOS)
        seen = {ref[f] for f in split['train'] + split['val']}
        assert not seen & set(HELDOUT_PHOTOS)
        assert seen == set(TRAIN_PHOTOS)
        trains.add(tuple(split['val']))
    assert len(trains) > 1  # the val part is still drawn at random


@pytest.fixture(scope='module')
def demo_chain(tmp_path_factory):
    """Two iterations of each stage of the demo on the demo's own data."""
    tmp = tmp_path_factory.mktemp('demo')
    data = tmp / 'data'
    run_tool(['tools/data/make_demo_images.py', str(data)])
    run_tool([
        'tools/data/make_synthetic_iqa.py', '--source', 'skimage',
        str(data / 'iqa'), '--size', '160', '--num-splits', '1'
    ])
    pre_dir, iqa_dir = tmp / 'pretrain', tmp / 'iqa'
    run_tool([
        'tools/train.py', 'configs/qptv2/pretrain_hivit_demo.py',
        '--work-dir', str(pre_dir), '--cfg-options',
        f'train_dataloader.dataset.data_root={data}/pretrain/',
        f'val_dataloader.dataset.data_root={data}/pretrain/',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
        'default_hooks.checkpoint.interval=2', 'custom_hooks=[]'
    ])
    pre_ckpt = pre_dir / 'iter_2.pth'
    proc = run_tool([
        'tools/train.py', 'configs/qptv2/iqa_hivit-t_demo.py', '--work-dir',
        str(iqa_dir), '--cfg-options',
        f'model.backbone.init_cfg.checkpoint={pre_ckpt}',
        *[f'{loader}.dataset.data_root={data}/iqa/'
          for loader in ('train_dataloader', 'val_dataloader',
                         'test_dataloader')],
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
        'default_hooks.checkpoint.interval=2'
    ])
    return dict(pre_ckpt=pre_ckpt, iqa_dir=iqa_dir,
                train_log=proc.stdout + proc.stderr, tmp=tmp)


def test_fine_tuning_loads_the_pretraining_encoder_strictly(demo_chain):
    """Every backbone tensor of the pretraining demo reaches the scorer, and
    the log says so with the list of what was skipped."""
    log = demo_chain['train_log']
    pre = torch.load(demo_chain['pre_ckpt'], map_location='cpu',
                     weights_only=False)['state_dict']
    n = sum(k.startswith('backbone.') for k in pre)
    match = re.search(r'loaded (\d+)/(\d+) backbone tensors from (\S+)', log)
    assert match, log[-3000:]
    assert int(match.group(1)) == int(match.group(2)) == n
    assert 'skipped: neck.*' in log and 'decoder.*' in log
    # the encoder after initialisation is the pretrained one: the first
    # fine-tuning checkpoint's stem is within two AdamW steps of it
    ckpt = next(demo_chain['iqa_dir'].glob('*iter_2.pth'))
    tuned = torch.load(ckpt, map_location='cpu',
                       weights_only=False)['state_dict']
    key = 'backbone.patch_embed.proj.weight'
    step = (tuned[key] - pre[key]).abs().max().item()
    assert step < 1e-2, step


def test_ladders_of_the_held_out_photos(demo_chain):
    out = demo_chain['tmp'] / 'ladders'
    proc = run_tool([
        'tools/analysis/score_ladders.py',
        'configs/qptv2/iqa_hivit-t_demo.py',
        str(demo_chain['iqa_dir']), '--out-dir', str(out), '--size', '160',
        '--types', 'blur,noise'
    ])
    rows = list(csv.DictReader((out / 'ladder_scores.csv').open()))
    assert {r['photo'] for r in rows} == set(HELDOUT_PHOTOS)
    assert len(rows) == len(HELDOUT_PHOTOS) * 2 * 6
    assert (out / 'ladder_scores.png').stat().st_size > 0
    # the medians printed on the last line, re-computed independently:
    # Spearman's rho as the Pearson correlation of the ranks (no ties here)
    medians = {}
    for dist_type in ('blur', 'noise'):
        rhos = []
        for photo in HELDOUT_PHOTOS:
            pts = [r for r in rows
                   if r['photo'] == photo and r['type'] == dist_type]
            sev = np.array([float(r['severity']) for r in pts])
            score = np.array([float(r['score']) for r in pts])
            rank = score.argsort().argsort().astype(float)
            rhos.append(np.corrcoef(sev, rank)[0, 1])
        medians[dist_type] = float(np.median(rhos))
    last = proc.stdout.strip().splitlines()[-1]
    assert last == 'median SRCC ' + ' '.join(
        f'{t} {v:.2f}' for t, v in medians.items()), last
