"""Atomic writes never leave a half-written file behind."""
import os

import pytest
from mmengine.fileio import get_file_backend

from qpt.utils import atomic_write_bytes, atomic_write_text


def test_write_and_replace(tmp_path):
    path = tmp_path / 'sub' / 'result.csv'
    atomic_write_text('a,b\n', path)
    atomic_write_text('c,d\n', path)
    assert path.read_text() == 'c,d\n'
    assert os.listdir(path.parent) == ['result.csv']
    assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_failure_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / 'epoch_1.pth'
    atomic_write_bytes(b'old checkpoint', path)

    def crash(*args):
        raise OSError('disk full')

    monkeypatch.setattr(os, 'replace', crash)
    with pytest.raises(OSError, match='disk full'):
        atomic_write_bytes(b'new checkpoint, half written', path)
    assert path.read_bytes() == b'old checkpoint'
    assert os.listdir(tmp_path) == ['epoch_1.pth']


def test_mmengine_backend_is_atomic(tmp_path, monkeypatch):
    """The `atomic_local` backend that the CheckpointHook uses."""
    import qpt  # noqa: F401  registers the backend
    backend = get_file_backend(
        str(tmp_path), backend_args=dict(backend='atomic_local'))
    target = tmp_path / 'last_checkpoint'
    backend.put_text('iter_2.pth', str(target))
    monkeypatch.setattr(os, 'replace', lambda *a: (_ for _ in ()).throw(
        OSError('killed')))
    with pytest.raises(OSError):
        backend.put(b'partial', str(target))
    assert target.read_text() == 'iter_2.pth'
