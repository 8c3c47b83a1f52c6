"""IQA fine-tuning end to end through the real tools, on a synthetic
distortion set made from real photos: make_synthetic_iqa.py -> train.py
(best-SRCC checkpoint on validation) -> test.py on held-out photos ->
run_splits.py on one split."""
import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from qpt.apis.checkpoint_loading import read_checkpoint
from qpt.datasets.image_io import read_image_rgb
from qpt.datasets.quality import load_splits, save_splits

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
    # the runner keeps the training dataset's score facts with the weights
    # (meta.dataset_meta): what inference from the checkpoint alone uses
    meta = read_checkpoint(best[0])['meta']['dataset_meta']
    assert meta['score_range'] == (1.0, 5.0) and meta['lower_better'] is False

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


# Head weights zero, biases one: every image gets the same score until the
# optimiser has moved the last layer (step 1) and then the first one
# (step 2), so the validation pass after iteration 1 sees constant
# predictions -- as early training can.
CONSTANT_HEAD = [
    'model.head.init_cfg.type=Constant', 'model.head.init_cfg.layer=Linear',
    'model.head.init_cfg.val=0'
]
SHORT = ['train_cfg.max_iters=4', 'default_hooks.checkpoint.interval=4',
         'param_scheduler=[]']


def test_constant_validation_predictions_do_not_stop_training(
        tmp_path, synthetic_set):
    """A validation pass with constant predictions reports NaN SRCC (with a
    warning) and is never the best; training goes on and a later pass is
    kept. It used to stop the run: KeyError 'SRCC' in CheckpointHook."""
    work = tmp_path / 'train'
    run_tool([
        'tools/train.py', str(TINY), '--work-dir', str(work),
        '--cfg-options', *data_options(synthetic_set), *SHORT,
        'train_cfg.val_interval=1', *CONSTANT_HEAD, 'model.head.init_cfg.bias=1'
    ])
    logs = '\n'.join(p.read_text() for p in work.glob('*/*.log'))
    assert 'predictions are equal' in logs and 'SRCC: nan' in logs
    assert logs.count('Iter(val)') == 4
    best = sorted(p.name for p in work.glob('best_SRCC_iter_*.pth'))
    assert len(best) == 1 and best[0] != 'best_SRCC_iter_1.pth', best
    assert ('Evaluation protocol: validation-selected best checkpoint (15 '
            'validation samples)') in logs
    assert f'validation-selected best checkpoint; test {work / best[0]}' \
        in logs


def _split_file_without_val(root: Path) -> str:
    """The synthetic set's splits with val merged into train: what
    ``make_splits.py --val-ratio 0`` writes (empty val lists)."""
    splits = load_splits(str(root / 'splits.json'))
    for s in splits:
        s['train'], s['val'] = sorted(s['train'] + s['val']), []
    save_splits(str(root / 'splits_noval.json'), splits, val_ratio=0.0)
    return 'splits_noval.json'


def test_run_splits_without_validation_tests_the_last_checkpoint(
        tmp_path, synthetic_set):
    """The no-selection protocol end to end: an empty val part trains
    without validation, keeps no best checkpoint, tests the last one, and
    the logs and the summary say so. It used to stop in training (an empty
    validation dataset, then KeyError 'SRCC')."""
    name = _split_file_without_val(synthetic_set)
    work = tmp_path / 'splits'
    proc = run_tool([
        'tools/run_splits.py', str(TINY), '--splits', '1', '--start', '1',
        '--work-dir', str(work), '--cfg-options',
        *data_options(synthetic_set), *SHORT,
        *[f'{loader}.dataset.split_file={name}' for loader in LOADERS]
    ])
    assert 'no selection: last checkpoint tested' in proc.stdout
    split_dir = work / 'split_1'
    assert not list(split_dir.glob('best_*.pth'))
    logs = '\n'.join(p.read_text() for p in split_dir.glob('*/*.log'))
    assert ('Evaluation protocol: no selection: last checkpoint tested (the '
            'validation set is empty)') in logs
    assert 'Iter(val)' not in logs
    assert f'last checkpoint tested; test {split_dir / "iter_4.pth"}' in logs
    with (work / 'splits_summary.csv').open() as f:
        rows = list(csv.DictReader(f))
    assert rows[0]['checkpoint'] == 'split_1/iter_4.pth'
    assert rows[0]['selection'] == 'no selection: last checkpoint tested'
    test_names = load_splits(str(synthetic_set / name))[1]['test']
    assert int(rows[0]['num_test']) == len(test_names)
    assert rows[2]['incomplete'] == 'False' and rows[2]['SRCC_n'] == '1'
    md = (work / 'splits_summary.md').read_text()
    assert 'no selection: last checkpoint tested (split 1)' in md


def test_run_splits_with_constant_predictions_throughout(
        tmp_path, synthetic_set):
    """Constant predictions in every validation and test pass: the run
    finishes, no best checkpoint is kept (the last one is tested, with a
    warning), the correlations are NaN and the summary's aggregates are
    marked incomplete rather than averaged over nothing."""
    work = tmp_path / 'splits'
    proc = run_tool([
        'tools/run_splits.py', str(TINY), '--splits', '1', '--work-dir',
        str(work), '--cfg-options', *data_options(synthetic_set), *SHORT,
        'train_cfg.val_interval=2', *CONSTANT_HEAD,
        'model.head.init_cfg.bias=0', 'test_evaluator.plcc_fit=logistic4'
    ])
    assert 'no best checkpoint was kept' in proc.stdout
    logs = '\n'.join(p.read_text()
                     for p in (work / 'split_0').glob('*/*.log'))
    assert 'WARNING - Evaluation protocol: no validation pass' in logs
    metrics = json.loads((work / 'split_0' / 'test' /
                          'metrics.json').read_text())
    assert all(math.isnan(metrics[k]) for k in ('SRCC', 'PLCC', 'KRCC'))
    assert math.isfinite(metrics['RMSE_raw'])
    with (work / 'splits_summary.csv').open() as f:
        rows = list(csv.DictReader(f))
    assert rows[0]['checkpoint'] == 'split_0/iter_4.pth'
    assert rows[0]['SRCC'] == 'nan'
    assert (rows[2]['SRCC_n'], rows[2]['splits'],
            rows[2]['incomplete']) == ('0', '1', 'True')
    assert rows[2]['RMSE_raw_n'] == '1'
    md = (work / 'splits_summary.md').read_text()
    assert '**n/a** (0/1 splits, incomplete)' in md
    assert '**Incomplete aggregates.**' in md


def test_run_splits_summary_rows(load_tool):
    """Median and mean over the splits that reported each metric, and the
    aggregates say how many that is. (The old summary averaged whatever was
    reported: a split whose logistic fit failed silently left PLCC's mean.)
    """
    tool = load_tool('tools/run_splits.py')
    rows = [
        dict(split=i, seed=i, num_test=20, checkpoint=f'split_{i}/b.pth',
             selection='validation-selected best checkpoint',
             SRCC=s, PLCC=s + .01, KRCC=s - .1, RMSE=1.0 - s)
        for i, s in enumerate((0.5, 0.9, 0.6, 0.8))
    ]
    rows[2]['RMSE'] = None  # a metric the evaluator did not report
    rows[3]['PLCC'] = float('nan')  # reported as undefined (failed fit)
    median, mean = tool.summarize(rows)
    assert median['SRCC'] == pytest.approx(0.7)
    assert mean['SRCC'] == pytest.approx(0.7)
    assert mean['RMSE'] == pytest.approx((0.5 + 0.1 + 0.2) / 3)
    assert mean['PLCC'] == pytest.approx((0.51 + 0.91 + 0.61) / 3)
    for agg in (median, mean):
        assert (agg['SRCC_n'], agg['KRCC_n'], agg['PLCC_n'],
                agg['RMSE_n']) == (4, 4, 3, 3)
        assert agg['splits'] == 4 and agg['incomplete'] is True
    complete = tool.summarize(rows[:2])
    assert all(r['incomplete'] is False and r['SRCC_n'] == 2
               for r in complete)
    # fewer finished splits than requested: incomplete as well
    assert tool.summarize(rows[:2], requested=10)[1]['incomplete'] is True

    table = list(csv.DictReader(tool.summary_csv(rows).splitlines()))
    assert list(table[0]) == [
        'split', 'seed', 'num_test', 'SRCC', 'SRCC_n', 'PLCC', 'PLCC_n',
        'KRCC', 'KRCC_n', 'RMSE', 'RMSE_n', 'splits', 'incomplete',
        'selection', 'checkpoint'
    ]
    assert [r['split'] for r in table] == ['0', '1', '2', '3', 'median',
                                           'mean']
    assert table[3]['PLCC'] == 'nan' and table[2]['RMSE'] == ''
    assert table[0]['SRCC_n'] == '' and table[0]['incomplete'] == ''
    assert table[0]['selection'] == 'validation-selected best checkpoint'
    assert (table[5]['PLCC_n'], table[5]['splits'],
            table[5]['incomplete']) == ('3', '4', 'True')
    assert float(table[5]['PLCC']) == pytest.approx(mean['PLCC'])

    md = tool.summary_markdown(rows, 'x.py', 'logistic4', 10)
    assert '4 of 10 splits' in md and 'logistic fit' in md
    assert '| 2 | 2 | 20 | 0.6000 | 0.6100 | 0.5000 | n/a |' in md
    assert '| 3 | 3 | 20 | 0.8000 | n/a | 0.7000 |' in md
    assert 'validation-selected best checkpoint (splits 0, 1, 2, 3)' in md
    assert f'**{mean["PLCC"]:.4f}** (3/10 splits, incomplete)' in md
    assert '**0.7000** (4/10 splits, incomplete)' in md  # SRCC
    assert 'PLCC: no value from split(s) 3' in md
    assert 'RMSE: no value from split(s) 2' in md
    full = tool.summary_markdown(rows[:2], 'x.py', 'logistic5', 2)
    assert '(2/2)' in full and 'incomplete' not in full.lower()
    assert '5-parameter logistic' in full
