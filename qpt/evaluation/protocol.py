"""Which checkpoint a scoring run is judged by: the two evaluation protocols.

The IQA / VQA literature uses two protocols, and a result means something
only with its protocol named:

``'selection'`` -- *validation-selected best checkpoint*
    a validation part is carved from train (``make_splits.py --val-ratio
    0.1``, the default); ``CheckpointHook(save_best='SRCC')`` keeps the
    checkpoint with the best validation SRCC, and that one is tested.

``'no-selection'`` -- *no selection: last checkpoint tested*
    no validation part (``make_splits.py --val-ratio 0``, or
    ``tools/train.py --no-validate``): train for the configured schedule,
    then test the last checkpoint once.

:func:`resolve_protocol` decides which one a config runs: ``no-selection``
when asked for, when the config has no validation loop, or when its
validation dataset is EMPTY (found by building it once with
``serialize_data=False``: the label file and split file are read, no image
is decoded; this costs what the runner's own build of it costs). An empty
validation set is not an error: it is how the no-selection protocol is
written in a split file. :func:`apply_protocol` edits the config for it
(validation loop off, ``save_best`` off, the last checkpoint kept), so
neither an empty dataloader nor a best-checkpoint rule without metrics can
stop the run.

Both tools log the protocol (``tools/train.py`` at the start and, at the
end, the checkpoint to test), and ``tools/run_splits.py`` writes it next to
every split's result.
"""
import copy
import glob
import os.path as osp
from dataclasses import dataclass
from typing import Any, Optional, Tuple

__all__ = [
    'PROTOCOLS', 'EvalProtocol', 'val_set_size', 'resolve_protocol',
    'apply_protocol', 'checkpoint_to_test', 'describe_checkpoint'
]

PROTOCOLS = {
    'selection': 'validation-selected best checkpoint',
    'no-selection': 'no selection: last checkpoint tested',
}

_WRAPPER_KEYS = ('dataset', 'datasets')


@dataclass(frozen=True)
class EvalProtocol:
    """The protocol of one run.

    Attributes:
        name: ``'selection'`` or ``'no-selection'``.
        reason: why (for the log), e.g. ``'the validation set is empty'``.
        num_val: validation samples, None when no validation set was built.
    """
    name: str
    reason: str
    num_val: Optional[int] = None

    @property
    def description(self) -> str:
        """``'validation-selected best checkpoint'`` or ``'no selection:
        last checkpoint tested'``."""
        return PROTOCOLS[self.name]

    def __str__(self) -> str:
        return f'{self.description} ({self.reason})'


def _unserialized(node: Any) -> Any:
    """A copy of a dataset config whose leaf datasets keep their data list
    as python objects (MMEngine's serialisation fails on an empty list)."""
    node = copy.deepcopy(node)

    def visit(item: Any) -> None:
        if isinstance(item, dict):
            wrapped = [item[k] for k in _WRAPPER_KEYS if k in item]
            if wrapped:
                for child in wrapped:
                    visit(child)
            elif 'type' in item:
                item['serialize_data'] = False
        elif isinstance(item, (list, tuple)):
            for child in item:
                visit(child)

    visit(node)
    return node


def val_set_size(cfg: Any) -> Optional[int]:
    """Number of samples of the config's validation dataset.

    Args:
        cfg: a full run config (``mmengine.Config`` or dict).

    Returns:
        int, or None when the config has no validation loop
        (``val_dataloader`` / ``val_cfg`` / ``val_evaluator`` unset).
    """
    loader = cfg.get('val_dataloader')
    if not loader or cfg.get('val_cfg') is None or \
            cfg.get('val_evaluator') is None:
        return None
    from mmengine.registry import DefaultScope

    from qpt.registry import DATASETS
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope') or 'qpt'):
        dataset = DATASETS.build(_unserialized(loader['dataset']))
    return len(dataset)


def resolve_protocol(cfg: Any, no_validate: bool = False) -> EvalProtocol:
    """The protocol a config runs (see the module docstring).

    Args:
        cfg: a full run config.
        no_validate: the user asked for no validation
            (``tools/train.py --no-validate``).
    """
    if no_validate:
        return EvalProtocol('no-selection', 'validation switched off')
    n = val_set_size(cfg)
    if n is None:
        return EvalProtocol('no-selection', 'the config has no validation '
                            'loop')
    if n == 0:
        return EvalProtocol('no-selection', 'the validation set is empty',
                            0)
    return EvalProtocol('selection', f'{n} validation samples', n)


def apply_protocol(cfg: Any, protocol: EvalProtocol) -> Any:
    """Edit ``cfg`` in place for ``protocol`` and return it.

    ``no-selection``: ``val_cfg``, ``val_dataloader`` and ``val_evaluator``
    are set to None (no validation loop), the checkpoint hook's
    ``save_best`` to None and its ``save_last`` to True (the last
    checkpoint is the one tested). ``selection``: nothing changes.
    """
    if protocol.name != 'no-selection':
        return cfg
    cfg['val_cfg'] = None
    cfg['val_dataloader'] = None
    cfg['val_evaluator'] = None
    checkpoint = (cfg.get('default_hooks') or {}).get('checkpoint')
    if checkpoint is not None:
        checkpoint['save_best'] = None
        checkpoint['save_last'] = True
    return cfg


def checkpoint_to_test(work_dir: str) -> Tuple[str, bool]:
    """The checkpoint a training run in ``work_dir`` is to be tested with.

    Returns:
        tuple: ``(path, selected)``: the newest ``best_*.pth`` and True when
        the run kept one (selection protocol), else the last checkpoint
        (named by MMEngine's ``last_checkpoint`` file) and False.

    Raises:
        FileNotFoundError: the folder holds neither.
    """
    best = sorted(glob.glob(osp.join(work_dir, 'best_*.pth')),
                  key=osp.getmtime)
    if best:
        return best[-1], True
    marker = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(marker):
        with open(marker, 'r', encoding='utf-8') as f:
            path = f.read().strip()
        if path and not osp.isabs(path) and not osp.isfile(path):
            path = osp.join(work_dir, osp.basename(path))
        if path and osp.isfile(path):
            return path, False
    raise FileNotFoundError(f'{work_dir}: no best_*.pth and no checkpoint '
                            'named by last_checkpoint')


def describe_checkpoint(protocol: EvalProtocol,
                        selected: bool) -> Tuple[str, bool]:
    """What testing the checkpoint of :func:`checkpoint_to_test` means.

    Returns:
        tuple: ``(text, as_planned)``. ``as_planned`` is False when the
        selection protocol kept no best checkpoint (no validation pass gave
        a finite value: constant or non-finite predictions throughout), so
        the last checkpoint is tested instead; the text says so.
    """
    if selected:
        return PROTOCOLS['selection'], True
    if protocol.name == 'no-selection':
        return PROTOCOLS['no-selection'], True
    return ('no validation pass gave a finite score, so no best checkpoint '
            'was kept: last checkpoint tested'), False
