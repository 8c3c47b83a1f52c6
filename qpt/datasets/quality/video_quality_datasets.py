"""The video quality (VQA) benchmarks: videos with one MOS each, read from
the FAST-VQA / DOVER label text files; their data infos carry
``video_path``."""
from qpt.registry import DATASETS
from .quality_dataset import QualityDataset

__all__ = [
    'VideoQualityDataset', 'KoNViD1kDataset', 'LSVQDataset', 'LIVEVQCDataset'
]


class VideoQualityDataset(QualityDataset):
    """What the VQA benchmarks share: ``task='vqa'``, DOVER label files
    (``filename, _, _, mos`` per line) and ``video_path`` in the data infos
    (``data_prefix`` defaults to ``dict(video_path='')``)."""
    METAINFO = dict(QualityDataset.METAINFO, task='vqa', label_format='dover')
    DEFAULT_PREFIX = dict(video_path='')


@DATASETS.register_module()
class KoNViD1kDataset(VideoQualityDataset):
    """KoNViD-1k: 1200 in-the-wild videos (Flickr, 540p, 8 s), MOS 1-5; 10
    random 80/20 splits."""
    METAINFO = dict(
        VideoQualityDataset.METAINFO, dataset_name='konvid1k',
        title='KoNViD-1k', score_range=(1.0, 5.0), num_rows=1200)
    ALIASES = ('konvid', 'konvid-1k')


@DATASETS.register_module()
class LSVQDataset(VideoQualityDataset):
    """LSVQ: about 39k user videos (up to 1080p), MOS 0-100. Official
    protocol: train on the train list, test on the test list and on the
    1080p test list (separate label files in the FAST-VQA / DOVER
    release)."""
    METAINFO = dict(
        VideoQualityDataset.METAINFO, dataset_name='lsvq', title='LSVQ',
        score_range=(0.0, 100.0))


@DATASETS.register_module()
class LIVEVQCDataset(VideoQualityDataset):
    """LIVE-VQC: 585 videos of real-world scenes from 80 mobile cameras
    (240p to 1080p, about 10 s), MOS 0-100; 10 random 80/20 splits."""
    METAINFO = dict(
        VideoQualityDataset.METAINFO, dataset_name='livevqc',
        title='LIVE-VQC', score_range=(0.0, 100.0), num_rows=585)
    ALIASES = ('live-vqc', 'live_vqc')
