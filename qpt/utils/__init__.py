from .atomic_io import (AtomicLocalBackend, atomic_write_bytes,
                        atomic_write_text, register_atomic_backend)
from .checkpoint_compat import register_checkpoint_safe_globals
from .dist import destroy_process_group, init_cpu_distributed
from .runner_args import (add_runner_args, merge_runner_args,
                          parse_runner_args)
from .setup_env import register_all_modules

__all__ = [
    'AtomicLocalBackend', 'add_runner_args', 'atomic_write_bytes',
    'atomic_write_text', 'destroy_process_group', 'init_cpu_distributed',
    'merge_runner_args', 'parse_runner_args', 'register_atomic_backend',
    'register_checkpoint_safe_globals', 'register_all_modules'
]
