from .batch_degradations import (batch_color_space_transform,
                                 batch_gaussian_blur, stack_kernels)
from .degradation_data_preprocessor import DegradationDataPreprocessor
from .imagenet_stats import IMAGENET_MEAN, IMAGENET_STD
from .quality_data_preprocessor import QualityDataPreprocessor

__all__ = [
    'DegradationDataPreprocessor', 'QualityDataPreprocessor',
    'IMAGENET_MEAN', 'IMAGENET_STD', 'batch_color_space_transform',
    'batch_gaussian_blur', 'stack_kernels'
]
