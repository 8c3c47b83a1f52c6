"""High-level helpers: build a scorer from a config and score images.

Importing this package has no side effects (no registration, no default
scope): :func:`init_model` registers the modules when it is called.
"""
from qpt.datasets.video_io import load_video_frames
from .inference import inference_model
from .model_init import init_model
from .video_inference import inference_video

__all__ = [
    'init_model', 'inference_model', 'inference_video', 'load_video_frames'
]
