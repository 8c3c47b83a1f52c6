"""Smoke test of the prepared GPU check, ``tools/benchmarks/device_check.sh``.

``--dry-run`` runs every check of the GPU script on the CPU with tiny sizes
(gloo instead of NCCL, no AMP), so a change that breaks one of the scripts
it calls shows here rather than on the day a GPU machine is at hand. Speed
numbers are not asserted (they live in the benchmarks).
"""
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

ROWS = (
    'pretrain step (rpe)',
    'pretrain step (no rpe)',
    'data path (device decode+degrade)',
    'dist_train.sh, 1 process (gloo)',
    'IQA fine-tune step',
    'VQA inference (3136 tokens/clip)',
)


def test_device_check_dry_run_prints_every_row(tmp_path, shared_data):
    env = dict(os.environ, OMP_NUM_THREADS='1', THREADS='1',
               PYTHON=sys.executable, KEEP=str(tmp_path / 'logs'),
               PORT=str(29500 + os.getpid() % 1000))
    proc = subprocess.run(
        ['bash', 'tools/benchmarks/device_check.sh', '--dry-run'],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    out = proc.stdout
    assert proc.returncode == 0, out[-3000:] + proc.stderr[-3000:]
    table = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.split('|')]
        if len(cells) == 4:
            table[cells[0]] = cells[1:]
    for row in ROWS:
        assert row in table, f'row {row!r} missing from\n{out}'
        ours, mm, _ = table[row]
        assert 'failed' not in ours and 'timed out' not in ours, out
    # numbers, not placeholders, where the check produced them
    for row in ('pretrain step (rpe)', 'pretrain step (no rpe)',
                'IQA fine-tune step', 'VQA inference (3136 tokens/clip)'):
        for cell in table[row][:2]:
            assert re.match(r'[\d.]+ step/s, [\d.]+ (samples|clips)/s',
                            cell), (row, cell)
    assert re.match(r'ok, 2 iters, [\d.]+ s/iter',
                    table['dist_train.sh, 1 process (gloo)'][0])
    assert re.search(r'ratio \d', table['pretrain step (rpe)'][2])
