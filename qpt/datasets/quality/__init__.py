"""Score datasets of the visual-scoring benchmarks: label readers, the
MMEngine datasets (each benchmark's facts in its class's ``METAINFO``), the
score scale map and split generation."""
from .ava_dataset import AVADataset
from .benchmarks import BENCHMARKS, get_benchmark
from .image_quality_datasets import (CSIQDataset, FLIVEDataset,
                                     KADID10kDataset, KonIQ10kDataset,
                                     LIVEChallengeDataset, LIVEDataset,
                                     SPAQDataset, TID2013Dataset,
                                     drop_livec_training_images)
from .label_files import (LABEL_FORMATS, detect_label_format,
                          load_label_file, normalize_split_name,
                          read_ava_txt, read_csv_columns, read_dover_txt,
                          read_id_list, read_koniq_official, read_pyiqa_csv,
                          read_score_table)
from .reference_names import reference_from_filename
from .quality_dataset import QualityDataset
from .score_scale import config_score_meta, denormalise_score, normalise_score
from .splits import (check_split, load_split, load_splits,
                     make_official_split, make_random_split,
                     make_random_splits, save_splits)
from .video_quality_datasets import (KoNViD1kDataset, LIVEVQCDataset,
                                     LSVQDataset, VideoQualityDataset)

__all__ = [
    # the datasets; each benchmark's facts are in its class's METAINFO
    'QualityDataset', 'BENCHMARKS', 'get_benchmark',
    'KonIQ10kDataset', 'SPAQDataset', 'LIVEChallengeDataset', 'FLIVEDataset',
    'KADID10kDataset', 'TID2013Dataset', 'CSIQDataset', 'LIVEDataset',
    'AVADataset', 'VideoQualityDataset', 'KoNViD1kDataset', 'LSVQDataset',
    'LIVEVQCDataset',
    # the score scale
    'normalise_score', 'denormalise_score', 'config_score_meta',
    # label files
    'LABEL_FORMATS', 'load_label_file', 'detect_label_format',
    'read_pyiqa_csv', 'read_score_table', 'read_koniq_official',
    'read_csv_columns', 'read_dover_txt', 'read_ava_txt', 'read_id_list',
    'normalize_split_name', 'reference_from_filename',
    'drop_livec_training_images',
    # splits
    'make_random_split', 'make_random_splits', 'make_official_split',
    'check_split', 'save_splits', 'load_splits', 'load_split'
]
