"""Evaluation protocols: which checkpoint a run is judged by.

End-to-end runs of both protocols are in tests/test_tools/test_iqa_finetune.py;
these check the decisions on small configs and files.
"""
import os
import time

import pytest
from mmengine.config import Config

from qpt.datasets.quality import save_splits
from qpt.evaluation.protocol import (PROTOCOLS, apply_protocol,
                                     checkpoint_to_test, describe_checkpoint,
                                     resolve_protocol, val_set_size)


def _config(root, val):
    """A scoring config whose val split holds ``val`` (file names)."""
    names = [f'{i}.png' for i in range(6)]
    (root / 'labels.csv').write_text('img_name,mos\n' + ''.join(
        f'{n},{i + 1}\n' for i, n in enumerate(names)))
    save_splits(
        str(root / 'splits.json'),
        [dict(seed=0, train=[n for n in names[:4] if n not in val],
              val=list(val), test=names[4:])])
    dataset = dict(type='QualityDataset', data_root=str(root),
                   ann_file='labels.csv', label_format='pyiqa',
                   split_file='splits.json', split='val', pipeline=[])
    return Config(
        dict(default_scope='qpt',
             val_dataloader=dict(batch_size=2, dataset=dataset),
             val_cfg=dict(),
             val_evaluator=dict(type='QualityMetric'),
             default_hooks=dict(checkpoint=dict(
                 type='CheckpointHook', save_best='SRCC', rule='greater'))))


def test_selection_when_the_val_part_has_samples(tmp_path):
    cfg = _config(tmp_path, ['0.png', '1.png'])
    assert val_set_size(cfg) == 2
    protocol = resolve_protocol(cfg)
    assert protocol.name == 'selection' and protocol.num_val == 2
    assert str(protocol) == ('validation-selected best checkpoint (2 '
                             'validation samples)')
    apply_protocol(cfg, protocol)  # nothing changes
    assert cfg.val_dataloader is not None
    assert cfg.default_hooks.checkpoint.save_best == 'SRCC'


def test_no_selection_for_an_empty_val_part(tmp_path):
    """An empty val part used to fail in MMEngine's serialisation and,
    past it, in CheckpointHook (KeyError 'SRCC')."""
    cfg = _config(tmp_path, [])
    assert val_set_size(cfg) == 0
    protocol = resolve_protocol(cfg)
    assert (protocol.name, protocol.num_val) == ('no-selection', 0)
    assert 'the validation set is empty' in str(protocol)
    apply_protocol(cfg, protocol)
    assert cfg.val_cfg is None and cfg.val_dataloader is None
    assert cfg.val_evaluator is None
    assert cfg.default_hooks.checkpoint.save_best is None
    assert cfg.default_hooks.checkpoint.save_last is True


def test_no_selection_when_asked_or_without_a_val_loop(tmp_path):
    cfg = _config(tmp_path, ['0.png'])
    assert resolve_protocol(cfg, no_validate=True).name == 'no-selection'
    cfg.val_cfg = None
    assert val_set_size(cfg) is None
    assert resolve_protocol(cfg).reason == 'the config has no validation loop'


def test_checkpoint_to_test(tmp_path):
    with pytest.raises(FileNotFoundError, match='no best'):
        checkpoint_to_test(str(tmp_path))
    last = tmp_path / 'iter_8.pth'
    last.write_bytes(b'x')
    (tmp_path / 'last_checkpoint').write_text(str(last))
    assert checkpoint_to_test(str(tmp_path)) == (str(last), False)
    old = tmp_path / 'best_SRCC_iter_2.pth'
    new = tmp_path / 'best_SRCC_iter_6.pth'
    for i, p in enumerate((old, new)):
        p.write_bytes(b'x')
        os.utime(p, (time.time() + i, time.time() + i))
    assert checkpoint_to_test(str(tmp_path)) == (str(new), True)


def test_describe_checkpoint(tmp_path):
    selection = resolve_protocol(_config(tmp_path, ['0.png']))
    none = resolve_protocol(_config(tmp_path, []))
    assert describe_checkpoint(selection, True) == (
        PROTOCOLS['selection'], True)
    assert describe_checkpoint(none, False) == (PROTOCOLS['no-selection'],
                                                True)
    text, as_planned = describe_checkpoint(selection, False)
    assert not as_planned and 'no best checkpoint was kept' in text
