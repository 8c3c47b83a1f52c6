"""Distributed runs on machines without CUDA (gloo)."""
import datetime

import torch.distributed as dist
from mmengine.config import Config


def init_cpu_distributed(cfg: Config) -> None:
    """Start a gloo process group from torchrun's environment variables.

    MMEngine's launcher always calls ``torch.cuda.set_device``, which fails
    without CUDA; we initialise the group ourselves (the Runner then skips
    it) and let DDP wrap a CPU module (``device_ids=None``).
    """
    if not dist.is_initialized():
        timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout')
        kwargs = {}
        if timeout is not None:
            kwargs['timeout'] = datetime.timedelta(seconds=timeout)
        dist.init_process_group(backend='gloo', **kwargs)
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel')
    wrapper.setdefault('device_ids', None)
    cfg.model_wrapper_cfg = wrapper


def destroy_process_group() -> None:
    """Tear the process group down, if there is one, before the process
    exits: gloo aborts in its destructor otherwise ("terminate called
    without an active exception")."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
