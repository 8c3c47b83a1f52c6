"""Let MMEngine 0.10.7 load its own checkpoints under torch >= 2.6.

torch 2.6 made ``torch.load(weights_only=True)`` the default. A Runner
checkpoint stores, besides tensors, the message hub (``HistoryBuffer`` holding
numpy arrays and scalars), so ``load_from`` / ``resume`` fail with
``Unsupported global``. Instead of turning the safety check off we allow the
few extra types such a checkpoint holds, and nothing else.
"""
import builtins

import numpy as np
import torch


def _runner_checkpoint_globals() -> list:
    from mmengine.logging.history_buffer import HistoryBuffer
    return [
        HistoryBuffer,
        np._core.multiarray._reconstruct,
        np.ndarray,
        np.dtype,
        type(np.dtype(np.float64)),
        type(np.dtype(np.float32)),
        type(np.dtype(np.int64)),
        type(np.dtype(np.int32)),
        type(np.dtype(np.bool_)),
        np._core.multiarray.scalar,
        builtins.getattr,
    ]


def register_checkpoint_safe_globals() -> None:
    """Allow-list the types of an MMEngine Runner checkpoint for
    ``torch.load(weights_only=True)``. Idempotent; a no-op on torch < 2.4."""
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is not None:
        add_safe_globals(_runner_checkpoint_globals())
