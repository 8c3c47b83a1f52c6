from .mim_reconstruction_head import MIMReconstructionHead
from .quality_regression_head import QualityRegressionHead

__all__ = ['MIMReconstructionHead', 'QualityRegressionHead']
