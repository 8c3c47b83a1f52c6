"""Deterministic train / val / test splits, and split files.

Protocol for the small benchmarks (QPT V2 reference, section 5): 10 random
80/20 train/test splits drawn from recorded seeds (``seed, seed + 1, ...``);
a validation part (default 10 % of train) carved out of train for checkpoint
selection, so the test part is never looked at while training. For synthetic
sets (KADID-10k, TID2013, CSIQ, LIVE) the unit that is drawn is the reference
image: all distorted versions of one reference land on the same side, for the
test/train cut and for the val/train cut alike.

The draw: the units (reference ids, or file names for authentic sets) are
sorted, then permuted with ``numpy.random.default_rng(seed)``; the first
``round(test_ratio * n)`` units are test, the next ``round(val_ratio *
n_rest)`` are val, the rest train (each part gets at least one unit when its
ratio is positive). Sorting first makes the split depend only on the seed and
the set of units, not on the row order of the label file. With references as
units the image proportions are close to, not exactly, 80/20 (KADID-10k: 16
of 81 references are test).

Official splits (KonIQ-10k's ``set`` column, a pyiqa split column, AVA's test
list) are taken from the records' ``split`` field; when they have no
validation part, one is carved from train the same way.

Split file (JSON, written atomically)::

    {"dataset": "kadid10k", "protocol": "random", "by_reference": true,
     "test_ratio": 0.2, "val_ratio": 0.1,
     "splits": [{"seed": 0, "train": [...], "val": [...], "test": [...]},
                ...]}

Lists hold the file names exactly as written in the label file. A file
holding a single ``{"seed", "train", "val", "test"}`` object is read too.
"""
import json
import os.path as osp
from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np

from qpt.utils.atomic_io import atomic_write_text

__all__ = [
    'SPLIT_NAMES', 'make_random_split', 'make_random_splits',
    'make_official_split', 'check_split', 'save_splits', 'load_splits',
    'load_split'
]

SPLIT_NAMES = ('train', 'val', 'test')
Record = Mapping[str, object]
Split = Dict[str, object]


def _units(records: Sequence[Record],
           by_reference: bool) -> Dict[str, List[str]]:
    """Group file names by the drawing unit (reference id or file name)."""
    groups: Dict[str, List[str]] = {}
    seen = set()
    for rec in records:
        name = str(rec['filename'])
        if name in seen:
            raise ValueError(f'duplicate file name in the records: {name}')
        seen.add(name)
        if by_reference:
            ref = rec.get('ref')
            if not ref:
                raise ValueError(
                    f'by_reference=True but {name} has no reference id')
            key = str(ref)
        else:
            key = name
        groups.setdefault(key, []).append(name)
    return groups


def _count(ratio: float, n: int) -> int:
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f'ratios must be in [0, 1), got {ratio}')
    if ratio == 0.0 or n < 2:
        return 0
    return int(min(max(round(ratio * n), 1), n - 1))


def _resolve_by_reference(records: Sequence[Record],
                          by_reference: Optional[bool]) -> bool:
    if by_reference is None:
        return bool(records) and all(r.get('ref') for r in records)
    return by_reference


def make_random_split(records: Sequence[Record],
                      seed: int,
                      test_ratio: float = 0.2,
                      val_ratio: float = 0.1,
                      by_reference: Optional[bool] = None) -> Split:
    """One random train / val / test split.

    Args:
        records: label records with ``filename`` and, for synthetic sets,
            ``ref``.
        seed: the seed of this split (recorded in the result).
        test_ratio: share of the units in test.
        val_ratio: share of the remaining (non-test) units in val.
        by_reference: draw reference ids instead of images. None: True when
            every record has a ``ref``.

    Returns:
        dict: ``{'seed', 'train', 'val', 'test'}``; each list sorted.
    """
    by_ref = _resolve_by_reference(records, by_reference)
    groups = _units(records, by_ref)
    keys = sorted(groups)
    rng = np.random.default_rng(seed)
    order = [keys[i] for i in rng.permutation(len(keys))]
    n_test = _count(test_ratio, len(order))
    rest = order[n_test:]
    n_val = _count(val_ratio, len(rest))
    parts = dict(test=order[:n_test], val=rest[:n_val], train=rest[n_val:])
    split: Split = dict(seed=int(seed))
    for name in SPLIT_NAMES:
        split[name] = sorted(f for k in parts[name] for f in groups[k])
    return split


def make_random_splits(records: Sequence[Record],
                       num_splits: int = 10,
                       seed: int = 0,
                       test_ratio: float = 0.2,
                       val_ratio: float = 0.1,
                       by_reference: Optional[bool] = None) -> List[Split]:
    """``num_splits`` random splits with seeds ``seed, seed + 1, ...``."""
    return [
        make_random_split(records, seed + i, test_ratio, val_ratio,
                          by_reference) for i in range(num_splits)
    ]


def make_official_split(records: Sequence[Record],
                        val_ratio: float = 0.1,
                        seed: int = 0,
                        by_reference: Optional[bool] = None) -> Split:
    """The split the records carry (``split`` field), as a split dict.

    When no record is in ``val``, ``val_ratio`` of the train units are moved
    to val (drawn with ``seed`` as in :func:`make_random_split`). Records
    without a split value are left out (reported by the caller).

    Raises:
        ValueError: when no record has a split or none is in test.
    """
    parts: Dict[str, List[Record]] = {k: [] for k in SPLIT_NAMES}
    for rec in records:
        if rec.get('split') in parts:
            parts[rec['split']].append(rec)
    if not parts['test']:
        raise ValueError('the records carry no official test split')
    if not parts['val'] and val_ratio > 0:
        carved = make_random_split(parts['train'], seed, 0.0, val_ratio,
                                   by_reference)
        train, val = carved['train'], carved['val']
    else:
        train = [str(r['filename']) for r in parts['train']]
        val = [str(r['filename']) for r in parts['val']]
    return dict(
        seed=int(seed),
        train=sorted(train),
        val=sorted(val),
        test=sorted(str(r['filename']) for r in parts['test']))


def check_split(split: Mapping[str, Sequence[str]],
                records: Optional[Sequence[Record]] = None,
                by_reference: bool = False) -> None:
    """Raise ValueError unless the parts are disjoint and, given the records,
    cover them exactly and (``by_reference``) keep each reference on one
    side."""
    owner: Dict[str, str] = {}
    for name in SPLIT_NAMES:
        for f in split.get(name, []):
            if f in owner:
                raise ValueError(f'{f} is in both {owner[f]} and {name}')
            owner[f] = name
    if records is None:
        return
    names = {str(r['filename']) for r in records}
    missing, extra = names - set(owner), set(owner) - names
    if missing or extra:
        raise ValueError(f'split does not cover the records: {len(missing)} '
                         f'missing, {len(extra)} unknown')
    if by_reference:
        side: Dict[str, str] = {}
        for rec in records:
            ref, part = str(rec['ref']), owner[str(rec['filename'])]
            if side.setdefault(ref, part) != part:
                raise ValueError(f'reference {ref} is in both {side[ref]} '
                                 f'and {part}')


def save_splits(path: str,
                splits: Sequence[Split],
                dataset: Optional[str] = None,
                **meta) -> None:
    """Write splits to a JSON split file, atomically (see module doc)."""
    content = dict(dataset=dataset, **meta, splits=list(splits))
    atomic_write_text(json.dumps(content, indent=1) + '\n', path)


def load_splits(path: str) -> List[Split]:
    """All splits of a split file (a single-split file gives one)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'split file not found: {path}')
    with open(path, 'r', encoding='utf-8') as f:
        content = json.load(f)
    if isinstance(content, dict) and 'splits' in content:
        splits = content['splits']
    elif isinstance(content, dict) and 'test' in content:
        splits = [content]
    elif isinstance(content, list):
        splits = content
    else:
        raise ValueError(f'{path}: not a split file (expected "splits" or '
                         '"train"/"val"/"test" lists)')
    for i, s in enumerate(splits):
        for name in SPLIT_NAMES:
            if not isinstance(s.get(name, []), list):
                raise ValueError(f'{path}: split {i}: {name!r} is not a list')
    return splits


def load_split(path: str, index: int = 0) -> Split:
    """Split number ``index`` of a split file."""
    splits = load_splits(path)
    if not -len(splits) <= index < len(splits):
        raise IndexError(f'{path} holds {len(splits)} splits, asked for '
                         f'index {index}')
    return splits[index]
