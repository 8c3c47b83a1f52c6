"""IQA fine-tuning end to end through the real tools, on a synthetic
distortion set made from real photos: make_synthetic_iqa.py -> train.py
(best-SRCC checkpoint on validation) -> test.py on held-out photos ->
run_splits.py on one split."""
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from qpt.datasets.image_io import read_image_rgb
from qpt.datasets.quality import load_splits

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / 'tests' / 'data' / 'iqa_tiny.py'
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def run_tool(args: list, timeout: int = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def data_options(root: Path) -> list:
    return [f'{loader}.dataset.data_root={root}' for loader in LOADERS]


@pytest.fixture(scope='module')
def synthetic_set(shared_data, tmp_path_factory) -> Path:
    """Gaussian-noise levels 1-5 of 26 real photos (the HR nature photos
    and scikit-image's photos), references 128 px on the short side.

    Noise is the distortion a small transformer trained from scratch learns
    to rank within a few hundred CPU steps on unseen photos (held-out SRCC
    about 0.9 over three splits); blur, JPEG and resizing need far longer
    from scratch (or the pretraining this project is about), so they would
    make the SRCC check flaky rather than test the code.
    """
    photos = tmp_path_factory.mktemp('photos')
    for folder in ('hr_photos', 'skimage'):
        for path in sorted((shared_data / 'images' / folder).iterdir()):
            img = read_image_rgb(str(path))
            h, w = img.shape[:2]
            scale = 160 / min(h, w)
            small = cv2.resize(img, (round(w * scale), round(h * scale)),
                               interpolation=cv2.INTER_AREA)
            cv2.imwrite(str(photos / f'{path.stem}.png'),
                        cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
    out = tmp_path_factory.mktemp('synthetic_iqa')
    run_tool([
        'tools/data/make_synthetic_iqa.py', '--source', str(photos),
        str(out), '--size', '128', '--types', 'noise',
        '--num-splits', '2', '--seed', '0'
    ])
    return out


def test_synthetic_set_layout(synthetic_set):
    rows = list(csv.DictReader((synthetic_set / 'labels.csv').open()))
    assert len(rows) == 26 * 5
    assert {r['mos'] for r in rows} == {'1', '2', '3', '4', '5'}
    for r in rows[:10]:
        assert float(r['mos']) == 6 - int(r['level'])
        assert (synthetic_set / 'images' / r['img_name']).is_file()
    splits = load_splits(str(synthetic_set / 'splits.json'))
    assert len(splits) == 2
    ref = {r['img_name']: r['ref'] for r in rows}
    for split in splits:
        sides = {k: {ref[f] for f in split[k]} for k in ('train', 'val',
                                                        'test')}
        assert sides['test'] and sides['val'] and sides['train']
        assert not sides['test'] & (sides['train'] | sides['val'])
        assert not sides['train'] & sides['val']
    # no temporary files left behind (atomic writes)
    assert not [p for p in synthetic_set.rglob('*.tmp')]


def test_finetune_then_test_on_held_out_photos(tmp_path, synthetic_set):
    work = tmp_path / 'train'
    run_tool([
        'tools/train.py', str(TINY), '--work-dir', str(work),
        '--cfg-options', *data_options(synthetic_set)
    ])
    best = sorted(work.glob('best_SRCC_iter_*.pth'))
    assert len(best) == 1, sorted(p.name for p in work.iterdir())
    logs = '\n'.join(p.read_text() for p in work.glob('*/*.log'))
    assert 'best checkpoint' in logs and 'SRCC' in logs

    test_dir, out = tmp_path / 'test', tmp_path / 'metrics.json'
    proc = run_tool([
        'tools/test.py', str(TINY), str(best[0]), '--work-dir',
        str(test_dir), '--out', str(out), '--cfg-options',
        *data_options(synthetic_set)
    ])
    printed = proc.stdout + proc.stderr
    for key in ('SRCC', 'PLCC', 'KRCC', 'RMSE', "plcc_fit='none'",
                'raw predictions'):
        assert key in printed, printed[-2000:]

    test_names = load_splits(str(synthetic_set / 'splits.json'))[0]['test']
    with (test_dir / 'quality_predictions.csv').open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(test_names)
    assert {Path(r['path']).name for r in rows} == set(test_names)
    png = (test_dir / 'quality_scatter.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n'

    metrics = json.loads(out.read_text())
    assert metrics['num_samples'] == len(test_names)
    assert metrics['SRCC'] > 0.5, metrics
    # predictions are on the MOS scale (1-5; the head is not clipped)
    preds = [float(r['pred']) for r in rows]
    assert 0 < min(preds) and max(preds) < 6


def test_run_splits_writes_the_table(tmp_path, synthetic_set):
    """One short run on split 1 (the dataset's split_index is set by the
    tool): the per-split row, then the median and the mean."""
    work = tmp_path / 'splits'
    proc = run_tool([
        'tools/run_splits.py', str(TINY), '--splits', '1', '--start', '1',
        '--work-dir', str(work), '--cfg-options',
        *data_options(synthetic_set), 'train_cfg.max_iters=8',
        'train_cfg.val_interval=8', 'default_hooks.checkpoint.interval=8',
        'param_scheduler=[]'
    ])
    assert 'median' in proc.stdout
    split = load_splits(str(synthetic_set / 'splits.json'))[1]
    with (work / 'splits_summary.csv').open() as f:
        rows = list(csv.DictReader(f))
    assert [r['split'] for r in rows] == ['1', 'median', 'mean']
    assert int(rows[0]['num_test']) == len(split['test'])
    assert rows[0]['seed'] == str(split['seed'])
    assert rows[0]['checkpoint'].startswith('split_1/best_SRCC_iter_8')
    with (work / 'split_1' / 'test' / 'quality_predictions.csv').open() as f:
        names = {Path(r['path']).name for r in csv.DictReader(f)}
    assert names == set(split['test'])
    assert float(rows[1]['SRCC']) == pytest.approx(float(rows[0]['SRCC']))
    md = (work / 'splits_summary.md').read_text()
    assert '| **median** |' in md and '| **mean** |' in md
    assert 'no fit' in md
    assert not [p for p in work.rglob('*.tmp')]


def test_run_splits_summary_rows():
    """Median and mean over several splits, in the CSV and the table."""
    tool = import_tool('tools/run_splits.py')
    rows = [
        dict(split=i, seed=i, num_test=20, checkpoint=f'split_{i}/b.pth',
             SRCC=s, PLCC=s + .01, KRCC=s - .1, RMSE=1.0 - s)
        for i, s in enumerate((0.5, 0.9, 0.6, 0.8))
    ]
    rows[2]['RMSE'] = None  # a metric the evaluator did not report
    median, mean = tool.summarize(rows)
    assert median['SRCC'] == pytest.approx(0.7)
    assert mean['SRCC'] == pytest.approx(0.7)
    assert mean['RMSE'] == pytest.approx((0.5 + 0.1 + 0.2) / 3)
    lines = tool.summary_csv(rows).splitlines()
    assert lines[0] == 'split,seed,num_test,SRCC,PLCC,KRCC,RMSE,checkpoint'
    assert len(lines) == 1 + 4 + 2
    md = tool.summary_markdown(rows, 'x.py', 'logistic4', 10)
    assert '4 of 10 splits' in md and 'logistic fit' in md
    assert '| 2 | 2 | 20 | 0.6000 | 0.6100 | 0.5000 | n/a |' in md


def import_tool(path: str):
    """A tool script as a module (tools/ is not a package)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        Path(path).stem, str(ROOT / path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
