"""ImageNet channel statistics: the one normalisation of every encoder.

On the 0-255 scale, channels in RGB order (R, G, B); the data
preprocessors normalise with them by default.
"""
__all__ = ['IMAGENET_MEAN', 'IMAGENET_STD']

#: per-channel mean (R, G, B) on the 0-255 scale.
IMAGENET_MEAN = (123.675, 116.28, 103.53)
#: per-channel standard deviation (R, G, B) on the 0-255 scale.
IMAGENET_STD = (58.395, 57.12, 57.375)
