"""``tools/train.py --compile`` (MMEngine's ``compile`` setting) trains the
same model as eager mode.

The speed of compiled steps is measured by
``tools/benchmarks/pretrain_step.py --compile``; here only correctness, on a
tiny QPT V2: the compiled loss and gradients equal the eager ones for the
same seed (masks are drawn eagerly, see ``random_unit_mask``), and a short
compiled run through the real tool logs the eager run's losses.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from qpt.utils import register_all_modules

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / 'tests' / 'data' / 'pretrain_tiny.py'
TINY_DET = ROOT / 'tests' / 'data' / 'pretrain_tiny_deterministic.py'


@pytest.mark.parametrize('config_compile, expected', [
    (None, True),
    (dict(backend='aot_eager'), dict(backend='aot_eager')),
])
def test_compile_flag_sets_mmengine_compile(monkeypatch, config_compile,
                                            expected, load_tool):
    tool = load_tool('tools/train.py')
    monkeypatch.setattr(sys, 'argv', ['train.py', str(TINY), '--compile'])
    args = tool.parse_args()
    cfg = Config.fromfile(TINY)
    if config_compile is not None:
        cfg.compile = config_compile
    assert tool.merge_args(cfg, args).compile == expected
    monkeypatch.setattr(sys, 'argv', ['train.py', str(TINY)])
    assert 'compile' not in tool.merge_args(Config.fromfile(TINY),
                                            tool.parse_args())


def tiny_model(unseeded: bool = True):
    register_all_modules(init_default_scope=False)
    from qpt.registry import MODELS
    cfg = Config.fromfile(TINY)
    if unseeded:
        cfg.model.mask_seed = None  # masks from the global RNG
    with DefaultScope.overwrite_default_scope('qpt'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    return model.train()


def loss_and_grads(model, forward, inputs, seed=0):
    torch.manual_seed(seed)
    loss = forward(inputs, mode='loss')['loss']
    loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters()
             if p.grad is not None}
    model.zero_grad(set_to_none=True)
    return loss.detach(), grads


@pytest.mark.skipif(shutil.which('g++') is None and shutil.which('c++') is
                    None, reason='torch.compile (inductor) on the CPU needs '
                    'a C++ compiler')
def test_compiled_loss_and_grads_equal_eager():
    """Inductor on the CPU (about a minute of compilation on 2 cores)."""
    torch.manual_seed(1)
    model = tiny_model()
    x = torch.randn(2, 3, 64, 64)
    inputs = [x, x + 0.1 * torch.randn_like(x)]
    eager_loss, eager_grads = loss_and_grads(model, model, inputs)
    compiled = torch.compile(model)
    for seed in (0, 1):  # the second call reuses the compiled graph
        loss, grads = loss_and_grads(model, compiled, inputs, seed)
        ref_loss, ref_grads = (eager_loss, eager_grads) if seed == 0 else \
            loss_and_grads(model, model, inputs, seed)
        torch.testing.assert_close(loss, ref_loss, rtol=1e-5, atol=1e-6)
        assert grads.keys() == ref_grads.keys()
        for name in grads:
            torch.testing.assert_close(
                grads[name], ref_grads[name], rtol=1e-4, atol=1e-6,
                msg=name)
    assert eager_loss != loss  # the two seeds drew different masks


def run_train(work_dir: Path, photos: Path, *extra: str):
    """Two iterations of the tiny config; (iteration -> loss, stdout)."""
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', str(TINY_DET), '--work-dir',
         str(work_dir), *extra, '--cfg-options',
         f'train_dataloader.dataset.data_root={photos}',
         f'val_dataloader.dataset.data_root={photos}',
         f'test_dataloader.dataset.data_root={photos}',
         'train_cfg.max_iters=2', 'default_hooks.checkpoint.interval=1000'],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    losses = {}
    for log in work_dir.glob('*/vis_data/scalars.json'):
        for line in log.read_text().splitlines():
            rec = json.loads(line)
            if 'loss' in rec:
                losses[rec['iter']] = rec['loss']
    return losses, proc.stdout + proc.stderr


def test_compiled_training_run_logs_the_eager_losses(tmp_path, shared_data):
    """``tools/train.py --compile`` through MMEngine (backend aot_eager to
    keep CI fast: the same capture, graph breaks and autograd as inductor;
    inductor's numerics are the test above)."""
    photos = shared_data / 'images' / 'skimage'
    eager, eager_log = run_train(tmp_path / 'eager', photos)
    compiled, log = run_train(tmp_path / 'compiled', photos, '--compile',
                              '--cfg-options', 'compile.backend=aot_eager')
    assert 'Model has been "compiled"' in log
    assert 'Model has been "compiled"' not in eager_log
    assert sorted(eager) == [1, 2]
    assert compiled.keys() == eager.keys()
    for it in eager:
        # AOT autograd decomposes some ops (layer norm, GELU): float noise
        assert compiled[it] == pytest.approx(eager[it], rel=1e-4)
