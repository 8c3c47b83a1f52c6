from .quality_metric import QualityMetric
from .reconstruction_metric import ReconstructionLoss

__all__ = ['QualityMetric', 'ReconstructionLoss']
