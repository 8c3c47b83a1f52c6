"""qpt: QPT V2 masked image modeling for visual scoring (IQA, VQA, IAA)."""
from .utils.atomic_io import register_atomic_backend
from .utils.checkpoint_compat import register_checkpoint_safe_globals
from .version import __version__

# Both are registrations, not state: MMEngine Runner checkpoints load under
# torch >= 2.6 weights-only loading, and configs may ask for atomic writes.
register_checkpoint_safe_globals()
register_atomic_backend()

__all__ = ['__version__']
