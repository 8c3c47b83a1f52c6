"""Score datasets of the visual-scoring benchmarks: label readers, per-dataset
facts, split generation and the MMEngine datasets."""
from .label_files import (LABEL_FORMATS, detect_label_format,
                          drop_livec_training_images, load_label_file,
                          normalize_split_name, read_ava_txt,
                          read_csv_columns, read_dover_txt, read_id_list,
                          read_koniq_official, read_pyiqa_csv,
                          read_score_table, reference_from_filename)
from .quality_dataset import (AVADataset, CSIQDataset, KADID10kDataset,
                              KonIQ10kDataset, LIVEChallengeDataset,
                              LIVEDataset, QualityDataset, SPAQDataset,
                              TID2013Dataset)
from .specs import DATASET_SPECS, DatasetSpec, get_spec
from .splits import (check_split, load_split, load_splits,
                     make_official_split, make_random_split,
                     make_random_splits, save_splits)

__all__ = [
    'QualityDataset', 'KonIQ10kDataset', 'SPAQDataset', 'LIVEChallengeDataset',
    'KADID10kDataset', 'TID2013Dataset', 'CSIQDataset', 'LIVEDataset',
    'AVADataset', 'DatasetSpec', 'DATASET_SPECS', 'get_spec', 'LABEL_FORMATS',
    'load_label_file', 'detect_label_format', 'read_pyiqa_csv',
    'read_score_table', 'read_koniq_official', 'read_csv_columns',
    'read_dover_txt', 'read_ava_txt', 'read_id_list', 'normalize_split_name',
    'reference_from_filename', 'drop_livec_training_images',
    'make_random_split', 'make_random_splits', 'make_official_split',
    'check_split', 'save_splits', 'load_splits', 'load_split'
]
