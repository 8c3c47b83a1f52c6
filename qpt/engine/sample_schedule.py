"""A training schedule stated in samples, resolved to iterations at launch.

A config that holds ``sample_schedule = dict(total_samples=..., ...)`` is
written for a reference number of samples per iteration
(``base_batch_size``, e.g. 8 GPUs x 256 = 2048): its ``train_cfg.max_iters``,
the ``begin``/``end``/``T_max`` of its (iteration-based) ``param_scheduler``
entries, ``train_cfg.val_interval`` and the checkpoint interval are the
sample counts divided by that batch. :func:`apply_sample_schedule` rewrites
them for the run's real samples per iteration (world size x
``train_dataloader.batch_size`` x ``samples_per_item``), so that the run
sees the same number of samples, warm-up samples, validations and
checkpoints on any number of GPUs: half the GPUs, twice the iterations.

The learning rate is not touched here: ``tools/train.py --auto-scale-lr``
scales it by (real batch / ``auto_scale_lr.base_batch_size``), MMEngine's
linear rule; without it the config's lr is used as written.

Decisions (where a user could expect otherwise):

- the sample schedule is authoritative: if ``train_cfg.max_iters`` does not
  equal ``ceil(total_samples / base_batch_size)`` (someone changed the
  iterations but not the samples), this is an error, not a guess. Change
  ``sample_schedule.total_samples`` instead, or set ``sample_schedule=None``
  to run the iteration counts as written;
- iteration counts are rounded to the nearest iteration (the total up);
- ``--resume`` must use the same world size and batch as the interrupted
  run (the checkpoint's iteration counter is in that run's iterations).
"""
import math
import os
from typing import Optional

from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log

__all__ = ['apply_sample_schedule', 'launcher_world_size']

#: environment variable holding the number of processes, per launcher
WORLD_SIZE_ENV = {
    'pytorch': 'WORLD_SIZE',  # torchrun / torch.distributed.run
    'slurm': 'SLURM_NTASKS',
    'mpi': 'OMPI_COMM_WORLD_SIZE',
}


def launcher_world_size(launcher: str) -> int:
    """The number of training processes ``launcher`` starts (1 for
    ``'none'``), read from the launcher's environment before any process
    group exists.

    Raises:
        KeyError: the launcher's variable is not set (not started by it).
        ValueError: an unknown launcher.
    """
    if launcher == 'none':
        return 1
    if launcher not in WORLD_SIZE_ENV:
        raise ValueError(f'unknown launcher {launcher!r}; expected one of '
                         f"{['none', *WORLD_SIZE_ENV]}")
    name = WORLD_SIZE_ENV[launcher]
    if name not in os.environ:
        raise KeyError(f'--launcher {launcher} but ${name} is not set: start '
                       f'the processes with the launcher (tools/dist_train.sh'
                       ', tools/slurm_train.sh)')
    return int(os.environ[name])


def _check_positive(spec: dict, key: str, required: bool = True) -> None:
    if key not in spec:
        if required:
            raise KeyError(f'sample_schedule needs `{key}`')
        return
    value = spec[key]
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f'sample_schedule.{key} must be a positive integer, '
                         f'got {value!r}')


def apply_sample_schedule(cfg: Config, world_size: int) -> Optional[dict]:
    """Rewrite the iteration counts of ``cfg`` for ``world_size`` processes.

    Args:
        cfg: a config; nothing happens without ``cfg.sample_schedule``.
            Keys: ``total_samples``, ``base_batch_size`` (samples per
            iteration the config's iteration counts are written for),
            optional ``samples_per_item`` (samples per dataset item, e.g.
            crops per tile; 1), ``val_interval_samples`` and
            ``checkpoint_interval_samples`` (informational copies of the
            intervals; the rescaled config values are used).
        world_size: the number of training processes.

    Returns:
        None without a sample schedule, else a dict with
        ``samples_per_iter``, ``max_iters``, ``total_samples`` and the
        rescaling ``factor`` (reference / real samples per iteration).

    Raises:
        KeyError, ValueError: an incomplete or inconsistent schedule (the
        message names the key).
    """
    spec = cfg.get('sample_schedule')
    if not spec:
        return None
    for key in ('total_samples', 'base_batch_size'):
        _check_positive(spec, key)
    _check_positive(spec, 'samples_per_item', required=False)
    if world_size < 1:
        raise ValueError(f'world_size must be >= 1, got {world_size}')
    train_cfg = cfg.get('train_cfg') or {}
    loop = train_cfg.get('type')
    if loop != 'IterBasedTrainLoop':
        raise ValueError('sample_schedule needs train_cfg.type='
                         f"'IterBasedTrainLoop', got {loop!r}")

    total = spec['total_samples']
    base = spec['base_batch_size']
    ref_max_iters = math.ceil(total / base)
    if train_cfg.get('max_iters') != ref_max_iters:
        raise ValueError(
            f'train_cfg.max_iters={train_cfg.get("max_iters")} but '
            f'sample_schedule says {total} samples / {base} per iteration = '
            f'{ref_max_iters} iterations: change '
            'sample_schedule.total_samples to change the length (or set '
            'sample_schedule=None to run the iterations as written)')

    per_iter = (world_size * cfg.train_dataloader['batch_size'] *
                spec.get('samples_per_item', 1))
    max_iters = math.ceil(total / per_iter)

    def rescale(iters: int) -> int:
        """Iterations at the reference batch -> iterations now."""
        if iters == ref_max_iters:
            return max_iters
        return min(max_iters, max(0, round(iters * base / per_iter)))

    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    for sched in schedulers:
        if sched.get('by_epoch', True) or sched.get('convert_to_iter_based'):
            raise ValueError(
                f"sample_schedule needs iteration-based param_scheduler "
                f"entries (by_epoch=False), got {sched.get('type')} with "
                f"by_epoch={sched.get('by_epoch', True)}")
        old = {k: sched[k] for k in ('begin', 'end', 'T_max') if k in sched}
        for key in ('begin', 'end'):
            if key in sched:
                sched[key] = rescale(sched[key])
        if 'T_max' in sched:
            spans = 'begin' in old and 'end' in old and \
                old['T_max'] == old['end'] - old['begin']
            sched['T_max'] = sched['end'] - sched['begin'] if spans else \
                max(1, rescale(old['T_max']))

    cfg.train_cfg.max_iters = max_iters
    if train_cfg.get('val_interval'):
        cfg.train_cfg.val_interval = max(1, rescale(train_cfg.val_interval))
    ckpt = (cfg.get('default_hooks') or {}).get('checkpoint')
    if ckpt and not ckpt.get('by_epoch', True) and ckpt.get('interval', 0) > 0:
        ckpt['interval'] = max(1, rescale(ckpt['interval']))

    factor = base / per_iter
    print_log(
        f'Sample schedule: {total:,} samples at {world_size} process(es) x '
        f'{per_iter // world_size} = {per_iter} samples per iteration -> '
        f'{max_iters:,} iterations (x{factor:g} the config\'s '
        f'{ref_max_iters:,} written for {base} per iteration)',
        logger='current')
    return ConfigDict(samples_per_iter=per_iter, max_iters=max_iters,
                      total_samples=total, factor=factor)
