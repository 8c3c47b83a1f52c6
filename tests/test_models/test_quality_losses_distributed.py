"""Batch-level losses under DDP: 2 gloo processes against 1 process on the
global batch.

Each rank scores its shard of a fixed global batch with the same
``Linear(4, 1)`` wrapped in DistributedDataParallel (which averages the
parameter gradients over ranks). With ``gather=True`` the loss value on
every rank and the DDP gradient must equal the value and gradient of the
loss on the whole batch in one process; with ``gather=False`` they must not
(the per-rank loss is a different loss).
"""
import os
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn

from qpt.models.losses import PairwiseRankLoss, PLCCLoss

N = 10
GEN = torch.Generator().manual_seed(0)
FEATS = torch.randn(N, 4, generator=GEN, dtype=torch.float64)
TARGET = torch.rand(N, generator=GEN, dtype=torch.float64)
WEIGHT = torch.randn(1, 4, generator=GEN, dtype=torch.float64)

LOSSES = dict(
    plcc=lambda gather: PLCCLoss(loss_weight=2., gather=gather),
    rank=lambda gather: PairwiseRankLoss(margin=.1, gather=gather))
# (shard sizes of the two ranks): equal, unequal, one rank empty
SPLITS = [(5, 5), (3, 7), (0, 10)]


def _model() -> nn.Linear:
    model = nn.Linear(4, 1).double()
    with torch.no_grad():
        model.weight.copy_(WEIGHT)
        model.bias.fill_(.1)
    return model


def _value_and_grad(model, loss, feats, target):
    model.zero_grad()
    value = loss(model(feats).squeeze(-1), target)
    value.backward()
    inner = getattr(model, 'module', model)
    return value.detach(), torch.cat(
        [inner.weight.grad.flatten(),
         inner.bias.grad.flatten()]).clone()


def _worker(rank: int, port: int, out_dir: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group(
        'gloo',
        init_method=f'tcp://127.0.0.1:{port}',
        rank=rank,
        world_size=2)
    try:
        results = {}
        for name, make in LOSSES.items():
            for split in SPLITS:
                start = sum(split[:rank])
                shard = slice(start, start + split[rank])
                for gather in (True, False):
                    ddp = nn.parallel.DistributedDataParallel(_model())
                    results[(name, split, gather)] = _value_and_grad(
                        ddp, make(gather), FEATS[shard], TARGET[shard])
        torch.save(results, os.path.join(out_dir, f'rank{rank}.pth'))
    finally:
        dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='module')
def two_rank_results(tmp_path_factory):
    out = tmp_path_factory.mktemp('ddp_losses')
    mp.spawn(_worker, args=(_free_port(), str(out)), nprocs=2, join=True)
    return [torch.load(out / f'rank{r}.pth') for r in range(2)]


@pytest.mark.parametrize('split', SPLITS)
@pytest.mark.parametrize('name', sorted(LOSSES))
def test_gathered_loss_equals_the_global_batch_loss(two_rank_results, name,
                                                    split):
    ref_value, ref_grad = _value_and_grad(_model(), LOSSES[name](True),
                                          FEATS, TARGET)
    assert ref_value > 0 and ref_grad.abs().sum() > 0
    for rank in range(2):
        value, grad = two_rank_results[rank][(name, split, True)]
        # every rank logs the global-batch value ...
        torch.testing.assert_close(value, ref_value, rtol=1e-10, atol=1e-12)
        # ... and DDP's averaged gradient is the global-batch gradient
        torch.testing.assert_close(grad, ref_grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('name', sorted(LOSSES))
def test_per_rank_loss_is_a_different_loss(two_rank_results, name):
    """``gather=False`` is the documented per-GPU loss: not the global one."""
    ref_value, ref_grad = _value_and_grad(_model(), LOSSES[name](True),
                                          FEATS, TARGET)
    value, grad = two_rank_results[0][(name, (5, 5), False)]
    local_value, _ = _value_and_grad(_model(), LOSSES[name](False),
                                     FEATS[:5], TARGET[:5])
    torch.testing.assert_close(value, local_value)
    assert not torch.allclose(value, ref_value, rtol=1e-3)
    assert not torch.allclose(grad, ref_grad, rtol=1e-3)


def test_single_process_is_unchanged():
    """Without a process group, ``gather`` changes nothing."""
    for make in LOSSES.values():
        a = _value_and_grad(_model(), make(True), FEATS, TARGET)
        b = _value_and_grad(_model(), make(False), FEATS, TARGET)
        torch.testing.assert_close(a, b, rtol=0, atol=0)
