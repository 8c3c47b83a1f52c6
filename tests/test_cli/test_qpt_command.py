"""The ``qpt`` command: ``qpt score`` on a folder mixing good images, a
video and a corrupt file; ``qpt --version``."""
import csv
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qpt.cli import main
from qpt.version import __version__

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / 'tests' / 'data' / 'scorer_tiny.py'
GOOD = ('grace_hopper.jpg', 'cvo9xd_keong_macan_srgb8.png',
        'scipy_face.png')


@pytest.fixture
def mixed_folder(tmp_path, shared_data) -> Path:
    folder = tmp_path / 'inputs'
    (folder / 'sub').mkdir(parents=True)
    for name in GOOD[:2]:
        shutil.copy(shared_data / 'images' / 'misc' / name, folder / name)
    shutil.copy(shared_data / 'images' / 'misc' / GOOD[2],
                folder / 'sub' / GOOD[2])
    shutil.copy(shared_data / 'videos' / 'imageio_realshort.mp4',
                folder / 'clip.mp4')
    data = (shared_data / 'images' / 'misc' / GOOD[0]).read_bytes()
    (folder / 'broken.jpg').write_bytes(data[:len(data) // 3])
    (folder / 'notes.txt').write_text('not an image')
    return folder


def test_score_folder_rows_scores_and_errors(scorer_checkpoint, mixed_folder,
                                             tmp_path):
    from qpt.apis import inference_model, init_model

    out = tmp_path / 'res' / 'results.csv'
    status = main([
        'score', str(CONFIG), str(scorer_checkpoint), str(mixed_folder),
        '--recursive', '--out', str(out), '--no-progress', '--batch-size', '2'
    ])
    assert status == 1  # some files failed
    with open(out, newline='') as f:
        rows = list(csv.DictReader(f))
    by_name = {Path(r['path']).name: r for r in rows}
    assert sorted(by_name) == sorted([*GOOD, 'clip.mp4', 'broken.jpg'])
    assert len(rows) == 5  # notes.txt is not a media file

    model = init_model(CONFIG, scorer_checkpoint)
    good = [r['path'] for r in rows if Path(r['path']).name in GOOD]
    expected = inference_model(model, good, batch_size=2)
    for path, score in zip(good, expected):
        row = next(r for r in rows if r['path'] == path)
        assert row['error'] == ''
        assert math.isclose(float(row['score']), score, rel_tol=1e-6,
                            abs_tol=1e-6)
    assert by_name['clip.mp4']['score'] == ''
    assert 'video' in by_name['clip.mp4']['error']
    assert by_name['broken.jpg']['score'] == ''
    assert 'broken.jpg' in by_name['broken.jpg']['error']


def test_score_json_globs_table_and_missing(scorer_checkpoint, mixed_folder,
                                            tmp_path, capsys):
    out = tmp_path / 'results.json'
    pattern = str(mixed_folder / '*.p*g')  # the .png only
    status = main(['score', str(CONFIG), str(scorer_checkpoint), pattern,
                   str(mixed_folder / GOOD[0]), '--out', str(out),
                   '--no-progress'])
    assert status == 0
    rows = json.loads(out.read_text())
    assert [Path(r['path']).name for r in rows] == [GOOD[1], GOOD[0]]
    assert all(r['error'] is None and isinstance(r['score'], float)
               for r in rows)
    # our checkpoint: the config's 1..5 range applied to the raw output
    assert {r['score_scale'] for r in rows} == {'mos'}
    for r in rows:
        assert r['score'] == pytest.approx(1 + 4 * r['raw_score'], abs=1e-6)

    capsys.readouterr()
    status = main(['score', str(CONFIG), str(scorer_checkpoint),
                   str(mixed_folder / GOOD[0]),
                   str(tmp_path / 'absent.jpg'), '--no-progress'])
    assert status == 1
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ['path', 'score', 'raw_score', 'score_scale',
                                'error']
    assert len(table) == 4  # header, rule, two rows
    assert 'no such file' in table[3]

    assert main(['score', str(CONFIG), str(scorer_checkpoint), 'x.jpg',
                 '--out', str(tmp_path / 'r.txt')]) == 2


def test_version():
    proc = subprocess.run([sys.executable, '-m', 'qpt.cli', '--version'],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f'qpt {__version__}'
