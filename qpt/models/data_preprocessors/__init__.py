from .batch_degradations import (batch_color_space_transform,
                                 batch_gaussian_blur, stack_kernels)
from .degradation_data_preprocessor import DegradationDataPreprocessor
from .quality_data_preprocessor import QualityDataPreprocessor

__all__ = [
    'DegradationDataPreprocessor', 'QualityDataPreprocessor',
    'batch_color_space_transform', 'batch_gaussian_blur', 'stack_kernels'
]
