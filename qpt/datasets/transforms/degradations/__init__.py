"""Quality- and aesthetics-aware image degradations (QPT V2's A(.)).

Frequency: blur, sharpen, noise (and JPEG). Colour: CST, jitter.
Geometry: resize. Compositions: sequential (the paper's blur <-> CST) and
advanced (Real-ESRGAN-like). ``DegradationPair`` makes the pretraining
(degraded input, target) pair.
"""
from .base import BaseDegradation, ChannelSensitiveDegradation
from .blur import GaussianBlurDegradation, gaussian_kernel2d
from .color_jitter import ColorJitterDegradation
from .color_space import ColorSpaceTransform
from .compose import AdvancedDegradation, SequentialDegradation
from .jpeg import JPEGDegradation
from .noise import NoiseDegradation
from .pair import DegradationPair
from .resize import ResizeDegradation
from .sharpen import SharpenDegradation

__all__ = [
    'BaseDegradation', 'ChannelSensitiveDegradation',
    'GaussianBlurDegradation', 'SharpenDegradation',
    'NoiseDegradation', 'ColorSpaceTransform', 'ColorJitterDegradation',
    'ResizeDegradation', 'JPEGDegradation', 'SequentialDegradation',
    'AdvancedDegradation', 'DegradationPair', 'gaussian_kernel2d'
]
