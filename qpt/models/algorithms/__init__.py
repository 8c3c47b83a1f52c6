from .qptv2 import QPTV2
from .quality_scorer import QualityScorer

__all__ = ['QPTV2', 'QualityScorer']
