"""The base class of the score datasets (IQA / IAA / VQA benchmarks).

:class:`QualityDataset` reads any supported label file (``label_files.py``),
selects a split and normalises the scores. Each benchmark is a subclass of a
few lines (``image_quality_datasets.py``, ``ava_dataset.py``,
``video_quality_datasets.py``) whose class-level ``METAINFO`` states its
facts: score range, direction (MOS or DMOS), label format, size, references;
the subclass also handles its quirk where it has one. The facts reach the
dataset's ``metainfo``, which MMEngine hands to the evaluator and saves in
each checkpoint's ``meta['dataset_meta']``: the metric and the scorer read
them there, nowhere else.

A data info (what the pipeline gets)::

    img_path       data_root/data_prefix['img_path']/filename
                   (video_path instead, when data_prefix names video_path)
    filename       the file name as written in the label file
    gt_score       the score on the ORIGINAL scale (float; DMOS stays DMOS)
    gt_score_norm  the score mapped to [0, 1] with score_range, flipped for
                   lower_better sets so that higher always means better
    ref            reference content id (synthetic sets), else None
    dist_type      distortion name, when the label file has it
    gt_hist        normalised vote histogram (AVA), when the file has one
    official_split the split named in the label file, when it names one

Image files are not checked at construction (label tables may hold
placeholder paths); a missing image fails when the pipeline loads it.
"""
import logging
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from qpt.registry import DATASETS
from .label_files import load_label_file
from .score_scale import normalise_score
from .splits import load_split

__all__ = ['QualityDataset']

SPLITS = ('train', 'val', 'test', 'all')


def _check_range(
        score_range: Optional[Sequence[float]]
) -> Optional[Tuple[float, float]]:
    if score_range is None:
        return None
    lo, hi = (float(v) for v in score_range)
    if not hi > lo:
        raise ValueError(f'score_range must be (lo, hi) with hi > lo, '
                         f'got {score_range}')
    return lo, hi


@DATASETS.register_module()
class QualityDataset(BaseDataset):
    """Images (or videos) with one subjective score each.

    Used directly for a set without a class of its own (give it
    ``score_range``); a benchmark's subclass brings its facts in
    ``METAINFO``.

    Args:
        ann_file: the label file (relative paths are joined to
            ``data_root``).
        data_root: the dataset's root folder.
        data_prefix: ``dict(img_path=...)`` (or ``dict(video_path=...)``): the
            folder, under ``data_root``, that the label file's names are
            relative to (default: the class's ``DEFAULT_PREFIX``).
        label_format: ``'auto'``, ``'pyiqa'``, ``'table'`` (or a benchmark
            name), ``'koniq_official'``, ``'csv'``, ``'dover'``, ``'ava'``;
            None takes ``METAINFO['label_format']``.
        columns: column names for ``label_format='csv'``:
            ``dict(filename=..., mos=..., ref=..., split=..., std=...)``.
        split: ``'train'``, ``'val'``, ``'test'`` or ``'all'``.
        split_file: a JSON split file (``tools/data/make_splits.py``); without
            it, the split named in the label file is used (KonIQ official
            CSV, pyiqa split column, AVA test list).
        split_index: which split of ``split_file`` (0..9 for 10 splits).
        split_column: the split column of a pyiqa CSV (default: guessed).
        score_range: ``(lo, hi)`` of the score scale; None takes
            ``METAINFO['score_range']``, or, where that is None too, the min
            and max of the whole label file (with a warning: a fixed range
            should be set in the config).
        lower_better: True for DMOS (higher score = worse); None takes
            ``METAINFO['lower_better']``.
        drop_rows: data rows of the label file to drop, 0-based positions in
            file order (the header is not a row), before anything else.
        strip_dirs: leading folders to strip from the label file's names
            before joining with the prefix (e.g. 2 turns
            ``KonIQ-10k/1024x768/x.jpg`` into ``x.jpg``). Split files keep
            the unstripped names.
        mos_index: score field of ``'dover'`` files.
        metainfo: meta information merged over ``METAINFO`` (MMEngine's
            rule); its ``score_range`` / ``lower_better`` / ``label_format``
            count where the arguments of those names are None. The dataset's
            ``metainfo`` always holds the values in use.
        **kwargs: the rest of :class:`mmengine.dataset.BaseDataset`
            (``pipeline``, ``test_mode``, ``lazy_init``, ``indices`` ...).
    """

    #: The benchmark's facts (``metainfo``); a subclass states its own.
    #: ``dataset_name``: the name ``get_benchmark`` and the label readers
    #: know it by; ``task``: ``'iqa'``, ``'iaa'`` or ``'vqa'``;
    #: ``synthetic``: synthetic distortions of a few references (random
    #: splits then go by reference); ``num_rows``: rows of the published
    #: score table (or the dataset size); ``official_split``: its
    #: ``{'train': n, 'val': n, 'test': n}`` sizes, or None (10 random 80/20
    #: splits are then the protocol).
    METAINFO: dict = dict(
        dataset_name=None, title=None, task=None, score_range=None,
        lower_better=False, label_format='auto', synthetic=False,
        num_rows=None, num_refs=None, official_split=None)
    #: Other spellings of ``dataset_name`` users type.
    ALIASES: Tuple[str, ...] = ()
    #: ``data_prefix`` when none is given: its key names the data infos'
    #: path field (``img_path`` or ``video_path``).
    DEFAULT_PREFIX: dict = dict(img_path='')

    def __init__(self,
                 ann_file: str,
                 data_root: str = '',
                 data_prefix: Optional[dict] = None,
                 label_format: Optional[str] = None,
                 columns: Optional[Dict[str, str]] = None,
                 split: str = 'all',
                 split_file: Optional[str] = None,
                 split_index: int = 0,
                 split_column: Optional[str] = None,
                 score_range: Optional[Sequence[float]] = None,
                 lower_better: Optional[bool] = None,
                 drop_rows: Optional[Sequence[int]] = None,
                 strip_dirs: int = 0,
                 mos_index: int = 3,
                 metainfo: Optional[dict] = None,
                 **kwargs) -> None:
        if split not in SPLITS:
            raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
        if 'dataset_name' in kwargs:
            raise TypeError(
                f'dataset_name={kwargs["dataset_name"]!r}: each benchmark is '
                "a dataset class now (e.g. type='KoNViD1kDataset'; "
                'qpt.datasets.quality.BENCHMARKS lists them)')
        given = dict(metainfo or {})
        facts = self.score_facts(
            given.get('score_range') if score_range is None else score_range,
            given.get('lower_better') if lower_better is None else
            lower_better, label_format or given.get('label_format'))
        self.dataset_name = self.METAINFO['dataset_name']
        self.label_format = facts['label_format']
        self.columns = dict(columns) if columns else None
        self.split = split
        self.split_file = split_file
        self.split_index = int(split_index)
        self.split_column = split_column
        self.score_range = facts['score_range']
        self.lower_better = facts['lower_better']
        self.drop_rows = sorted({int(i) for i in drop_rows or ()})
        self.strip_dirs = int(strip_dirs)
        self.mos_index = int(mos_index)
        if data_prefix is None:
            data_prefix = dict(self.DEFAULT_PREFIX)
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=data_prefix,
            metainfo=metainfo,
            **kwargs)
        # Set here, not through ``metainfo``: BaseDataset would try to open
        # a string value (the label format) as a meta file. The range may
        # have been read from the label file meanwhile (``full_init``).
        self._metainfo.update(facts, score_range=self.score_range)

    @classmethod
    def score_facts(cls,
                    score_range: Optional[Sequence[float]] = None,
                    lower_better: Optional[bool] = None,
                    label_format: Optional[str] = None) -> dict:
        """``score_range``, ``lower_better`` and ``label_format`` of a
        dataset of this class built with these arguments: each argument, or
        the class's ``METAINFO`` where it is None (the range stays None when
        both are: it is then read from the label file)."""
        meta = cls.METAINFO
        if score_range is None:
            score_range = meta['score_range']
        if lower_better is None:
            lower_better = meta['lower_better']
        return dict(
            score_range=_check_range(score_range),
            lower_better=bool(lower_better),
            label_format=label_format or meta['label_format'])

    # -- hooks for subclasses ----------------------------------------------
    def read_records(self) -> List[dict]:
        """Read the label file into records (``label_files`` format)."""
        return load_label_file(
            self.ann_file,
            label_format=self.label_format,
            dataset=self.dataset_name,
            columns=self.columns,
            split_column=self.split_column,
            mos_index=self.mos_index)

    def filter_records(self, records: List[dict]) -> List[dict]:
        """Drop records a benchmark excludes (nothing by default)."""
        return records

    # -- loading -----------------------------------------------------------
    def _resolve(self, path: str) -> str:
        """``path`` as given when it exists, else under ``data_root``."""
        if self.data_root and not osp.isabs(path) and not osp.isfile(path):
            return osp.join(self.data_root, path)
        return path

    def _select_split(self, records: List[dict]) -> List[dict]:
        if self.split == 'all':
            return records
        if self.split_file is not None:
            split_file = self._resolve(self.split_file)
            wanted = set(load_split(split_file, self.split_index)[self.split])
            kept = [r for r in records if r['filename'] in wanted]
            if wanted and not kept:
                raise ValueError(
                    f'none of the {len(wanted)} {self.split} names of '
                    f'{split_file} is in {self.ann_file}: was the split '
                    'file made from another label file?')
            if len(kept) < len(wanted):
                print_log(
                    f'{type(self).__name__}: {len(wanted) - len(kept)} '
                    f'{self.split} names of {split_file} are not in the '
                    'label file (dropped rows?)',
                    logger='current',
                    level=logging.WARNING)
            return kept
        if any(r.get('split') for r in records):
            kept = [r for r in records if r.get('split') == self.split]
            if not kept:
                raise ValueError(
                    f'{self.ann_file} names no {self.split!r} images; make '
                    'a split file with tools/data/make_splits.py and set '
                    'split_file')
            return kept
        raise ValueError(
            f'split={self.split!r} but {self.ann_file} has no split '
            "information: set split_file (tools/data/make_splits.py) or "
            "split='all'")

    def _strip(self, filename: str) -> str:
        if self.strip_dirs <= 0:
            return filename
        parts = filename.replace('\\', '/').split('/')
        if len(parts) <= self.strip_dirs:
            raise ValueError(f'cannot strip {self.strip_dirs} folders from '
                             f'{filename!r}')
        return '/'.join(parts[self.strip_dirs:])

    def _infer_range(self, records: List[dict]) -> Tuple[float, float]:
        scores = [float(r['mos']) for r in records]
        lo, hi = min(scores), max(scores)
        if not hi > lo:
            hi = lo + 1.0
        print_log(
            f'{type(self).__name__}: no score_range given; using the label '
            f'file\'s min/max ({lo:g}, {hi:g}). Set score_range in the '
            'config so that all splits normalise alike.',
            logger='current',
            level=logging.WARNING)
        return lo, hi

    def load_data_list(self) -> List[dict]:
        """Read, filter, split and normalise (see the module docstring)."""
        records = self.read_records()
        if self.drop_rows:
            bad = [i for i in self.drop_rows if not 0 <= i < len(records)]
            if bad:
                raise IndexError(f'drop_rows {bad} out of range for '
                                 f'{len(records)} rows')
            drop = set(self.drop_rows)
            records = [r for i, r in enumerate(records) if i not in drop]
        records = self.filter_records(records)
        if not records:
            raise ValueError(f'{self.ann_file}: no records left')
        if self.score_range is None:
            self.score_range = self._infer_range(records)
            self._metainfo['score_range'] = self.score_range
        records = self._select_split(records)

        path_key = 'video_path' if 'video_path' in self.data_prefix \
            else 'img_path'
        prefix = self.data_prefix.get(path_key, '') or ''
        outside = 0
        data_list = []
        for rec in records:
            score = float(rec['mos'])
            norm = normalise_score(score, self.score_range, self.lower_better)
            if not 0.0 <= norm <= 1.0:
                outside += 1
                norm = min(max(norm, 0.0), 1.0)
            info = {
                path_key: osp.join(prefix, self._strip(rec['filename'])),
                'filename': rec['filename'],
                'gt_score': score,
                'gt_score_norm': norm,
                'ref': rec.get('ref'),
            }
            if rec.get('dist_type'):
                info['dist_type'] = rec['dist_type']
            if rec.get('hist') is not None:
                info['gt_hist'] = list(rec['hist'])
            if rec.get('split'):
                info['official_split'] = rec['split']
            data_list.append(info)
        if outside:
            print_log(
                f'{type(self).__name__}: {outside} scores lie outside '
                f'score_range {self.score_range}; their normalised scores '
                'are clipped to [0, 1]',
                logger='current',
                level=logging.WARNING)
        return data_list

