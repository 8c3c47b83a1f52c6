from .quality_data_preprocessor import QualityDataPreprocessor

__all__ = ['QualityDataPreprocessor']
