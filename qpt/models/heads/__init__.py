from .mim_reconstruction_head import MIMReconstructionHead

__all__ = ['MIMReconstructionHead']
