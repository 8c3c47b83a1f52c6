"""Tile shards: plain tar files (webdataset layout) plus a JSON-lines index.

Each tile is a pair of tar members, ``<key>.jpg`` (or ``.png``) and
``<key>.json`` (its record), so the shards can also be streamed with
webdataset or inspected with ``tar``. The index, one JSON record per line,
holds for every tile the shard, the byte ``offset`` and ``size`` of its
image member inside the tar, and the geometry (see :class:`TileRecord`), so
that a sample reads exactly one tile with one positional read
(``os.pread``: no shared file offset, safe in forked DataLoader workers).
"""
import io
import json
import os
import os.path as osp
import tarfile
from typing import Dict, Iterator, List, Optional, Tuple

from qpt.utils import atomic_write_text

__all__ = ['ShardReader', 'TileShardWriter', 'iter_shard', 'read_index']

#: Keys of one index record.
RECORD_KEYS = ('key', 'shard', 'offset', 'size', 'format', 'source',
               'source_hw', 'box', 'safe', 'orientation')


class TileShardWriter:
    """Write tiles into tar shards of at most about ``max_bytes`` each.

    A shard is written under a temporary name and renamed when complete;
    the offsets of its members are read back from the finished tar (the
    reader's view), and the index is written atomically by :meth:`close`.

    Args:
        out_dir: the output folder.
        max_bytes: start a new shard once this many bytes are written.
        prefix: shard file name prefix (``<prefix>-000000.tar``).
        index_name: the index file name inside ``out_dir``.
    """

    def __init__(self,
                 out_dir: str,
                 max_bytes: int = 1 << 30,
                 prefix: str = 'tiles',
                 index_name: str = 'index.jsonl') -> None:
        self.out_dir = out_dir
        self.max_bytes = int(max_bytes)
        self.prefix = prefix
        self.index_name = index_name
        os.makedirs(out_dir, exist_ok=True)
        self.records: List[dict] = []
        self._tar: Optional[tarfile.TarFile] = None
        self._pending: List[dict] = []
        self._num_shards = 0
        self._bytes = 0

    def _shard_name(self) -> str:
        return f'{self.prefix}-{self._num_shards:06d}.tar'

    def _open(self) -> None:
        name = self._shard_name()
        self._tmp = osp.join(self.out_dir, f'.{name}.tmp')
        self._tar = tarfile.open(self._tmp, 'w', format=tarfile.USTAR_FORMAT)
        self._bytes = 0

    def _add_member(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = 0  # reproducible shards
        self._tar.addfile(info, io.BytesIO(data))
        self._bytes += len(data) + 1024

    def add(self, record: dict, data: bytes) -> None:
        """Add one tile.

        Args:
            record: the tile's record without ``shard``, ``offset`` and
                ``size`` (they are filled in); ``key`` must be unique and
                ``format`` is the member extension (``'jpg'``/``'png'``).
            data: the encoded tile.
        """
        if self._tar is None:
            self._open()
        rec = dict(record, size=len(data))
        self._add_member(f"{rec['key']}.{rec['format']}", data)
        meta = {k: v for k, v in rec.items() if k not in ('offset', 'shard')}
        self._add_member(f"{rec['key']}.json",
                         json.dumps(meta, sort_keys=True).encode())
        self._pending.append(rec)
        if self._bytes >= self.max_bytes:
            self._finish_shard()

    def _finish_shard(self) -> None:
        if self._tar is None:
            return
        self._tar.close()
        name = self._shard_name()
        with tarfile.open(self._tmp, 'r') as tar:
            offsets = {m.name: (m.offset_data, m.size) for m in tar}
        for rec in self._pending:
            offset, size = offsets[f"{rec['key']}.{rec['format']}"]
            if size != rec['size']:
                raise RuntimeError(f'{name}: member {rec["key"]} has size '
                                   f'{size}, expected {rec["size"]}')
            self.records.append(dict(rec, shard=name, offset=offset))
        with open(self._tmp, 'rb') as f:
            os.fsync(f.fileno())
        os.replace(self._tmp, osp.join(self.out_dir, name))
        self._tar, self._pending = None, []
        self._num_shards += 1

    def close(self) -> str:
        """Finish the last shard and write the index; returns its path."""
        self._finish_shard()
        lines = [
            json.dumps({k: r[k] for k in RECORD_KEYS}) for r in self.records
        ]
        path = osp.join(self.out_dir, self.index_name)
        atomic_write_text('\n'.join(lines) + ('\n' if lines else ''), path)
        return path


def read_index(path: str) -> List[dict]:
    """Read a tile index (JSON lines) written by :class:`TileShardWriter`.

    Raises:
        FileNotFoundError: no such index.
        ValueError: a line is not a record with every key, naming the file
            and line.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'tile index {path} not found')
    records = []
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f'{path}:{n}: not JSON ({e})') from None
            missing = [k for k in RECORD_KEYS if k not in rec]
            if missing:
                raise ValueError(f'{path}:{n}: tile record lacks {missing}')
            records.append(rec)
    return records


class ShardReader:
    """Read tiles from shards with one positional read each (``os.pread``).

    File descriptors are kept open per reader and per process: a forked
    DataLoader worker opens its own, and no file offset is shared.
    """

    def __init__(self) -> None:
        self._fds: Dict[str, Tuple[int, int]] = {}

    def read(self, path: str, offset: int, size: int) -> bytes:
        """``size`` bytes at ``offset`` of the shard ``path``.

        Raises:
            OSError: the shard is missing, or shorter than the record says
                (the message names the shard and the offset).
        """
        pid = os.getpid()
        entry = self._fds.get(path)
        if entry is None or entry[0] != pid:
            entry = self._fds[path] = (pid, os.open(path, os.O_RDONLY))
        data = os.pread(entry[1], size, offset)
        if len(data) != size:
            raise OSError(f'{path}: read {len(data)} of {size} bytes at '
                          f'offset {offset}: the shard is truncated or the '
                          'index is stale')
        return data

    def __getstate__(self) -> dict:
        return {'_fds': {}}  # descriptors do not travel to other processes


def iter_shard(path: str) -> Iterator[Tuple[str, bytes]]:
    """(member name, bytes) of every member of a shard, in order."""
    with tarfile.open(path, 'r') as tar:
        for m in tar:
            yield m.name, tar.extractfile(m).read()
