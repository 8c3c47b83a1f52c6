"""Score videos with a video scorer: paths in, one float each out.

The test-time sampling is the config's test pipeline, deterministic by
construction::

    VideoInit -> SampleFrames(test_mode=True, num_clips=K) -> VideoDecode
      -> FragmentSample(test_mode=True) -> PackVideoClips

so every video becomes a (K, 3, T, H, W) uint8 input: K clips of T frames
at the centres of K equal segments of the video, each cut into the same
centred fragments. The scorer runs the network on every clip and averages
the K scores (``QualityScorer`` with ``video=True``). The same file gives the
same score on every call.

The steps are separate functions so that a benchmark can time the data part
(:func:`prepare_video_sample`) and the network part
(:func:`qpt.apis.scoring.score_samples`) apart.
"""
import os
from pathlib import Path
from typing import List, Sequence, Union

import torch.nn as nn

from qpt.datasets.video_io import (VIDEO_EXTENSIONS, VideoLoadError,
                                   is_video_path)
from .scoring import (Pipeline, ScoreRecord, check_eval_mode,
                      compose_in_scope, config_test_pipeline, model_config,
                      run_pipeline, score_samples)

__all__ = [
    'build_video_test_pipeline', 'prepare_video_sample', 'inference_video'
]

VideoInput = Union[str, Path]


def build_video_test_pipeline(cfg) -> Pipeline:
    """The config's ``test_dataloader.dataset.pipeline`` as one callable.

    It must start by opening the video (``VideoInit``, input key
    ``video_path``) and end with a packer of (K, 3, T, H, W) clips
    (``PackVideoClips``). Transforms are built in the config's default
    scope.

    Raises:
        ValueError: the config has no test pipeline, or it is not a video
            pipeline.
    """
    pipeline, names = config_test_pipeline(
        cfg, 'video inference needs a dataset config that defines how clips '
        'are sampled for testing')
    if not names[0].endswith('VideoInit'):
        raise ValueError(f'the test pipeline {names} does not start with '
                         'VideoInit: not a video pipeline')
    return compose_in_scope(cfg, pipeline)


def prepare_video_sample(path: VideoInput, pipeline: Pipeline) -> dict:
    """Decode and sample one video with the test pipeline.

    Args:
        path: the video file.
        pipeline: from :func:`build_video_test_pipeline`.

    Returns:
        ``dict(inputs=(K, 3, T, H, W) uint8 tensor, data_samples=DataSample)``.

    Raises:
        VideoLoadError: the file cannot be read (the message names it).
        ValueError: any other failure, naming the file; a pipeline that
            does not pack (K, 3, T, H, W) clips (``PackVideoClips``).
    """
    name = os.fspath(path)
    packed = run_pipeline((pipeline, ), dict(video_path=name), name,
                          named_errors=(VideoLoadError, ))
    shape = tuple(packed['inputs'].shape)
    if len(shape) != 5:
        raise ValueError(f'{name}: the test pipeline packed inputs of shape '
                         f'{shape}; video scoring needs (K, 3, T, H, W) '
                         'clips: end it with PackVideoClips')
    return packed


def inference_video(model: nn.Module,
                    inputs: Union[VideoInput, Sequence[VideoInput]],
                    batch_size: int = 16,
                    details: bool = False
                    ) -> Union[List[float], List[ScoreRecord]]:
    """Score videos with a video model from :func:`qpt.apis.init_model`.

    Args:
        model: a video scorer (``video=True``) with ``cfg``, in eval mode.
        inputs: one video path or a list of them.
        batch_size: clips per network call (videos per call = batch_size //
            K, at least 1, for K test clips per video).
        details: a record per video instead of a float (see
            :func:`qpt.apis.inference_model`).

    Returns:
        One score per video, in input order: on the dataset's scale, the
        calibrated MOS or the raw score, by ``model.score_scale`` (see
        :func:`qpt.apis.inference_model`).

    Raises:
        VideoLoadError / ValueError / TypeError: naming the failing input.
    """
    cfg = model_config(model)
    if not getattr(model, 'video', False):
        raise ValueError('video scoring needs a video model (a config with '
                         'QualityScorer(video=True))')
    check_eval_mode(model)
    items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    for i, item in enumerate(items):
        if not isinstance(item, (str, Path)):
            raise TypeError(f'inputs[{i}]: a video model scores video files,'
                            f' got {type(item).__name__}')
        if not is_video_path(item):
            raise ValueError(
                f'{os.fspath(item)}: not a video file name (known '
                f'extensions: {" ".join(VIDEO_EXTENSIONS)})')
    if not items:
        return []
    pipeline = build_video_test_pipeline(cfg)
    samples = [prepare_video_sample(item, pipeline) for item in items]
    num_clips = samples[0]['inputs'].shape[0]
    videos_per_call = max(1, batch_size // max(num_clips, 1))
    return score_samples(model, samples, videos_per_call, details=details)
