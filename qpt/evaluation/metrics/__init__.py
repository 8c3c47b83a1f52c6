from .quality_metric import QualityMetric
from .reconstruction_metric import ReconstructionLoss, ReconstructionMetric

__all__ = ['QualityMetric', 'ReconstructionMetric', 'ReconstructionLoss']
