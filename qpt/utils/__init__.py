from .atomic_io import (AtomicLocalBackend, atomic_write_bytes,
                        atomic_write_text, register_atomic_backend)
from .checkpoint_compat import register_checkpoint_safe_globals
from .dist import init_cpu_distributed
from .setup_env import register_all_modules

__all__ = [
    'AtomicLocalBackend', 'atomic_write_bytes', 'atomic_write_text',
    'init_cpu_distributed', 'register_atomic_backend',
    'register_checkpoint_safe_globals', 'register_all_modules'
]
