from .quality_metric import QualityMetric

__all__ = ['QualityMetric']
