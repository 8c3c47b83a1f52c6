"""The benchmark dataset classes by name, for tools that take a name
(``tools/data/make_splits.py --dataset kadid``). The facts themselves live in
each class's ``METAINFO``."""
from typing import Dict, Type

from .ava_dataset import AVADataset
from .image_quality_datasets import (CSIQDataset, FLIVEDataset,
                                     KADID10kDataset, KonIQ10kDataset,
                                     LIVEChallengeDataset, LIVEDataset,
                                     SPAQDataset, TID2013Dataset)
from .quality_dataset import QualityDataset
from .video_quality_datasets import (KoNViD1kDataset, LIVEVQCDataset,
                                     LSVQDataset)

__all__ = ['BENCHMARKS', 'get_benchmark']

#: ``METAINFO['dataset_name']`` -> the benchmark's dataset class.
BENCHMARKS: Dict[str, Type[QualityDataset]] = {
    cls.METAINFO['dataset_name']: cls
    for cls in (KonIQ10kDataset, SPAQDataset, LIVEChallengeDataset,
                FLIVEDataset, KADID10kDataset, TID2013Dataset, CSIQDataset,
                LIVEDataset, AVADataset, KoNViD1kDataset, LIVEVQCDataset,
                LSVQDataset)
}


def get_benchmark(name: str) -> Type[QualityDataset]:
    """The dataset class of a benchmark: ``name`` is a key of
    :data:`BENCHMARKS` or one of a class's ``ALIASES`` (case-insensitive)."""
    key = name.lower()
    for cls in BENCHMARKS.values():
        if key == cls.METAINFO['dataset_name'] or key in cls.ALIASES:
            return cls
    raise KeyError(f'unknown dataset {name!r}; known: {sorted(BENCHMARKS)}')
