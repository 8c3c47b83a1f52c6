"""Score-regression datasets for IQA / IAA / VQA benchmarks.

One base class, :class:`QualityDataset`, reads any supported label file
(``label_files.py``), selects a split and normalises the scores; each
benchmark has a subclass of a few lines that names its spec (score range,
direction, label format, from ``specs.py``) and, where it has one, handles
its quirk (LIVE Challenge's training images, AVA's test list).

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
from .label_files import drop_livec_training_images, load_label_file
from .specs import DatasetSpec, get_spec
from .splits import load_split

__all__ = [
    'QualityDataset', 'KonIQ10kDataset', 'SPAQDataset', 'LIVEChallengeDataset',
    'KADID10kDataset', 'TID2013Dataset', 'CSIQDataset', 'LIVEDataset',
    'AVADataset'
]

SPLITS = ('train', 'val', 'test', 'all')


@DATASETS.register_module()
class QualityDataset(BaseDataset):
    """Images (or videos) with one subjective score each.

    Args:
        ann_file: the label file (relative paths are joined to
            ``data_root``).
        data_root: the dataset's root folder.
        data_prefix: ``dict(img_path=...)`` (or ``dict(video_path=...)``): the
            folder, under ``data_root``, that the label file's names are
            relative to.
        label_format: ``'auto'``, ``'pyiqa'``, ``'table'`` (or a benchmark
            name), ``'koniq_official'``, ``'csv'``, ``'dover'``, ``'ava'``;
            None takes the spec's default (``'auto'`` without a spec).
        columns: column names for ``label_format='csv'``:
            ``dict(filename=..., mos=..., ref=..., split=..., std=...)``.
        split: ``'train'``, ``'val'``, ``'test'`` or ``'all'``.
        split_file: a JSON split file (``tools/data/make_splits.py``); without
            it, the split named in the label file is used (KonIQ official
            CSV, pyiqa split column, AVA test list).
        split_index: which split of ``split_file`` (0..9 for 10 splits).
        split_column: the split column of a pyiqa CSV (default: guessed).
        score_range: ``(lo, hi)`` of the score scale; None takes the spec's,
            or, without a spec, the min and max of the whole label file (with
            a warning: a fixed range should be set in the config).
        lower_better: True for DMOS (higher score = worse); None takes the
            spec's (False without a spec).
        drop_rows: data rows of the label file to drop, 0-based positions in
            file order (the header is not a row), before anything else.
        strip_dirs: leading folders to strip from the label file's names
            before joining with the prefix (e.g. 2 turns
            ``KonIQ-10k/1024x768/x.jpg`` into ``x.jpg``). Split files keep
            the unstripped names.
        dataset_name: a key of ``DATASET_SPECS`` (set by the subclasses).
        mos_index: score field of ``'dover'`` files.
        metainfo: extra meta information; ``dataset_name``, ``score_range``
            and ``lower_better`` are always set.
        **kwargs: the rest of :class:`mmengine.dataset.BaseDataset`
            (``pipeline``, ``test_mode``, ``lazy_init``, ``indices`` ...).
    """

    #: The benchmark (key of ``DATASET_SPECS``) a subclass reads.
    DATASET_NAME: Optional[str] = None

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
                 dataset_name: Optional[str] = None,
                 mos_index: int = 3,
                 metainfo: Optional[dict] = None,
                 **kwargs) -> None:
        if split not in SPLITS:
            raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
        name = dataset_name or self.DATASET_NAME
        spec: Optional[DatasetSpec] = get_spec(name) if name else None
        self.dataset_name = spec.name if spec else name
        self.label_format = label_format or (
            spec.label_format if spec else 'auto')
        self.columns = dict(columns) if columns else None
        self.split = split
        self.split_file = split_file
        self.split_index = int(split_index)
        self.split_column = split_column
        if score_range is None and spec is not None:
            score_range = spec.score_range
        self.score_range = self._check_range(score_range)
        if lower_better is None:
            lower_better = spec.lower_better if spec else False
        self.lower_better = bool(lower_better)
        self.drop_rows = sorted({int(i) for i in drop_rows or ()})
        self.strip_dirs = int(strip_dirs)
        self.mos_index = int(mos_index)
        if data_prefix is None:
            data_prefix = dict(img_path='')
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=data_prefix,
            metainfo=metainfo,
            **kwargs)
        # Set here, not through ``metainfo``: BaseDataset would try to open
        # a string value (the dataset name) as a meta file.
        self._metainfo.update(
            dataset_name=self.dataset_name,
            score_range=self.score_range,
            lower_better=self.lower_better)

    @staticmethod
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
        lo, hi = self.score_range
        outside = 0
        data_list = []
        for rec in records:
            score = float(rec['mos'])
            norm = (score - lo) / (hi - lo)
            if not 0.0 <= norm <= 1.0:
                outside += 1
                norm = min(max(norm, 0.0), 1.0)
            if self.lower_better:
                norm = 1.0 - norm
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


@DATASETS.register_module()
class KonIQ10kDataset(QualityDataset):
    """KonIQ-10k (MOS 1-5). The official 7058/1000/2015 split comes with
    ``label_format='koniq_official'`` on ``koniq10k_distributions_sets.csv``
    (the published table has no set column; see ``specs.py``)."""
    DATASET_NAME = 'koniq10k'


@DATASETS.register_module()
class SPAQDataset(QualityDataset):
    """SPAQ (MOS 0-100). Its photos are about 4000 px: resize the short side
    to 448 first (``DATASET_SPECS['spaq'].extra['resize_short_side']``)."""
    DATASET_NAME = 'spaq'


@DATASETS.register_module()
class LIVEChallengeDataset(QualityDataset):
    """LIVE Challenge (MOS 0-100) without its 7 training images
    ``t1.bmp``-``t7.bmp`` (dropped by name, wherever they are)."""
    DATASET_NAME = 'livec'

    def filter_records(self, records: List[dict]) -> List[dict]:
        return drop_livec_training_images(records)


@DATASETS.register_module()
class KADID10kDataset(QualityDataset):
    """KADID-10k (MOS 1-5, 81 references)."""
    DATASET_NAME = 'kadid10k'


@DATASETS.register_module()
class TID2013Dataset(QualityDataset):
    """TID2013 (MOS 0-9, 25 references)."""
    DATASET_NAME = 'tid2013'


@DATASETS.register_module()
class CSIQDataset(QualityDataset):
    """CSIQ: DMOS in [0, 1], higher is worse (``gt_score_norm`` flips)."""
    DATASET_NAME = 'csiq'


@DATASETS.register_module()
class LIVEDataset(QualityDataset):
    """LIVE IQA Release 2: realigned DMOS, higher is worse; range (-3, 112)
    covers the published values (-2.64 to 111.77)."""
    DATASET_NAME = 'live'


@DATASETS.register_module()
class AVADataset(QualityDataset):
    """AVA aesthetics: mean vote (1-10) as ``gt_score``, the normalised
    10-bin vote histogram as ``gt_hist``.

    Args:
        test_list: file of test image ids (one per line); its images are
            ``split='test'``, all others ``'train'``. Carve a validation part
            from train with a split file (``make_splits.py --protocol
            official``) rather than testing on it.
    """
    DATASET_NAME = 'ava'

    def __init__(self,
                 *args,
                 test_list: Optional[str] = None,
                 **kwargs) -> None:
        self.test_list = test_list
        super().__init__(*args, **kwargs)

    def read_records(self) -> List[dict]:
        test_list = self._resolve(self.test_list) if self.test_list else None
        return load_label_file(
            self.ann_file, label_format='ava', test_list=test_list)

