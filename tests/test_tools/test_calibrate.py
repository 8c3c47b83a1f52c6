"""tools/calibrate.py: a calibration round trip on the tiny scorer.

The labels are a known monotone function of the scorer's raw outputs, so a
calibration that works maps the raw scores back onto the labels; the
calibrated checkpoint then reports both numbers through
``qpt.apis.inference_model`` and ``qpt score``.
"""
import csv
import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from qpt.apis import inference_model, init_model
from qpt.cli import main as qpt_main
from qpt.evaluation.functional import logistic4, logistic5

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / 'tests' / 'data' / 'scorer_tiny.py'
N_IMAGES = 12


@pytest.fixture(scope='module')
def images(tmp_path_factory) -> Path:
    """12 small synthetic images: gradients and noise of growing
    strength."""
    folder = tmp_path_factory.mktemp('images')
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 1, 96)[None, :, None]
    for i in range(N_IMAGES):
        base = 255 * ramp * np.array([1., .5 + i / 24, 1 - i / 24])
        noisy = base + rng.normal(0, 6 * i, (96, 96, 3))
        img = np.clip(noisy, 0, 255).astype(np.uint8)
        Image.fromarray(img).save(folder / f'img_{i:02d}.png')
    return folder


@pytest.fixture(scope='module')
def raw_scores(scorer_checkpoint, images):
    model = init_model(CONFIG, scorer_checkpoint)
    paths = sorted(images.iterdir())
    records = inference_model(model, paths, details=True)
    raw = np.array([r['raw_score'] for r in records])
    assert np.ptp(raw) > 1e-3  # the random scorer tells the images apart
    return paths, raw


def _labels(path: Path, names, mos) -> Path:
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['img_name', 'mos'])
        for name, value in zip(names, mos):
            writer.writerow([name, repr(float(value))])
    return path


def _true_params(raw, kind):
    """A monotone map onto a 1..100 MOS scale, centred on the raw scores."""
    centre, width = float(np.median(raw)), float(np.std(raw))
    if kind == 'logistic4':
        return (100., 1., centre, width)
    # logistic5 with a small increasing linear term
    return (90., 1. / width, centre, 5. / np.ptp(raw), 40.)


@pytest.mark.parametrize('kind', ['logistic4', 'logistic5'])
def test_calibration_round_trip(scorer_checkpoint, images, raw_scores,
                                tmp_path, kind, capsys, load_tool):
    paths, raw = raw_scores
    form = logistic4 if kind == 'logistic4' else logistic5
    params = _true_params(raw, kind)
    mos = form(raw, *params)
    labels = _labels(tmp_path / 'labels.csv', [p.name for p in paths], mos)
    out = tmp_path / 'out' / 'calibrated.pth'
    before = scorer_checkpoint.read_bytes()
    assert load_tool('tools/calibrate.py').main([
        str(CONFIG), str(scorer_checkpoint), '--labels', str(labels),
        '--images-root', str(images), '--fit', kind, '--out', str(out)
    ]) == 0
    assert scorer_checkpoint.read_bytes() == before  # the source is untouched
    assert [p.name for p in out.parent.iterdir()] == ['calibrated.pth']
    assert 'SRCC 1.0000' in capsys.readouterr().out

    ckpt = torch.load(out, weights_only=True)
    assert ckpt['meta']['note'] == 'kept'
    cal = ckpt['meta']['calibration']
    assert cal['kind'] == kind and len(cal['params']) == len(params)
    assert cal['source'] == 'labels.csv' and cal['n'] == N_IMAGES
    assert cal['srcc'] == pytest.approx(1.)
    assert cal['plcc'] == pytest.approx(1., abs=1e-6)
    assert cal['mos_range'] == pytest.approx([mos.min(), mos.max()])
    assert cal['raw_range'] == pytest.approx([raw.min(), raw.max()])
    assert not os.path.isabs(cal['config'])

    model = init_model(CONFIG, out)
    assert model.score_scale == 'calibrated'
    records = inference_model(model, paths, details=True)
    # raw scores unchanged, calibrated scores on the labels' scale
    np.testing.assert_allclose([r['raw_score'] for r in records], raw,
                               rtol=0, atol=1e-6)
    calibrated = np.array([r['score'] for r in records])
    np.testing.assert_allclose(calibrated, mos, rtol=0,
                               atol=1e-3 * np.ptp(mos))
    assert {r['score_scale'] for r in records} == {'calibrated'}
    plain = inference_model(model, paths)
    np.testing.assert_allclose(plain, calibrated, rtol=0, atol=1e-9)

    # qpt score reports both
    table = tmp_path / 'scores.json'
    assert qpt_main(['score', str(CONFIG), str(out), str(images),
                     '--out', str(table), '--no-progress']) == 0
    rows = json.loads(table.read_text())
    assert [Path(r['path']).name for r in rows] == [p.name for p in paths]
    np.testing.assert_allclose([r['score'] for r in rows], calibrated,
                               rtol=0, atol=1e-9)
    np.testing.assert_allclose([r['raw_score'] for r in rows], raw,
                               rtol=0, atol=1e-6)
    assert {r['score_scale'] for r in rows} == {'calibrated'}
    assert 'calibrated: ' + kind in capsys.readouterr().err


def test_calibration_refuses_bad_input(scorer_checkpoint, images, raw_scores,
                                       tmp_path, capsys, load_tool):
    paths, raw = raw_scores
    names = [p.name for p in paths]
    mos = logistic4(raw, *_true_params(raw, 'logistic4'))
    main = load_tool('tools/calibrate.py').main
    out = tmp_path / 'never.pth'
    common = [str(CONFIG), str(scorer_checkpoint), '--images-root',
              str(images), '--out', str(out)]
    # a labelled image that is not there: named, nothing written ...
    labels = _labels(tmp_path / 'missing.csv', names + ['absent.png'],
                     list(mos) + [50.])
    assert main([*common, '--labels', str(labels)]) == 1
    err = capsys.readouterr().err
    assert 'absent.png' in err and 'nothing written' in err
    assert not out.exists()
    # ... unless skipped explicitly, and listed
    assert main([*common, '--labels', str(labels),
                 '--skip-unreadable']) == 0
    assert 'absent.png' in capsys.readouterr().err
    assert torch.load(out, weights_only=True)['meta']['calibration'][
        'n'] == N_IMAGES
    out.unlink()
    # too few images for the fit: an error, not a SciPy traceback
    labels = _labels(tmp_path / 'few.csv', names[:3], mos[:3])
    assert main([*common, '--labels', str(labels), '--fit',
                 'logistic5']) == 1
    assert 'cannot calibrate on 3 images' in capsys.readouterr().err
    assert not out.exists()


def test_broken_calibration_record_is_named(scorer_checkpoint, tmp_path):
    ckpt = torch.load(scorer_checkpoint, weights_only=True)
    ckpt['meta']['calibration'] = dict(kind='logistic4', params=[1., 2.],
                                       source='x.csv', n=3)
    path = tmp_path / 'broken.pth'
    torch.save(ckpt, path)
    with pytest.raises(ValueError, match=r'broken\.pth.*4 finite params'):
        init_model(CONFIG, path)
