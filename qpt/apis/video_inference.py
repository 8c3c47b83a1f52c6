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
(:func:`qpt.apis.inference.score_samples`) apart.
"""
import os
from pathlib import Path
from typing import Any, Callable, List, Sequence, Union

import torch.nn as nn
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope

from qpt.datasets.video_io import VideoLoadError
from .inference import VIDEO_EXTENSIONS, score_samples

__all__ = [
    'build_video_test_pipeline', 'split_clips', 'prepare_video_sample',
    'inference_video'
]

VideoInput = Union[str, Path]
Pipeline = Callable[[dict], dict]


def _type_name(cfg) -> str:
    t = cfg.get('type') if isinstance(cfg, dict) else type(cfg).__name__
    return t if isinstance(t, str) else getattr(t, '__name__', str(t))


def build_video_test_pipeline(cfg) -> Pipeline:
    """The config's ``test_dataloader.dataset.pipeline`` as one callable.

    It must start by opening the video (``VideoInit``, input key
    ``video_path``). Transforms are built in the config's default scope.

    Raises:
        ValueError: the config has no test pipeline, or it is not a video
            pipeline.
    """
    try:
        pipeline = cfg.test_dataloader.dataset.pipeline
    except AttributeError:
        pipeline = None
    if not pipeline:
        raise ValueError(
            'the model config has no test_dataloader.dataset.pipeline: video '
            'inference needs a dataset config that defines how clips are '
            'sampled for testing')
    names = [_type_name(t) for t in pipeline]
    if not names[0].endswith('VideoInit'):
        raise ValueError(f'the test pipeline {names} does not start with '
                         'VideoInit: not a video pipeline')
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope',
                                                      'qpt')):
        return Compose(list(pipeline))


def split_clips(packed: dict) -> dict:
    """Make a packed sample's ``inputs`` (K, 3, T, H, W).

    A (3, K*T, H, W) input (``PackVideoInputs``) is split into the sample's
    ``num_clips`` clips of ``clip_len`` frames; a (K, 3, T, H, W) input
    (``PackVideoClips``) is returned as is.
    """
    inputs = packed['inputs']
    if inputs.dim() == 5:
        return packed
    meta = packed['data_samples'].metainfo
    total = inputs.shape[1]
    num_clips = int(meta.get('num_clips', 1) or 1)
    clip_len = int(meta.get('clip_len', total // num_clips) or total)
    if num_clips * clip_len != total:
        raise ValueError(f'{total} frames are not {num_clips} clips of '
                         f'{clip_len}')
    C, _, H, W = inputs.shape
    packed['inputs'] = inputs.reshape(C, num_clips, clip_len, H,
                                      W).transpose(0, 1).contiguous()
    return packed


def prepare_video_sample(path: VideoInput, pipeline: Pipeline) -> dict:
    """Decode and sample one video with the test pipeline.

    Args:
        path: the video file.
        pipeline: from :func:`build_video_test_pipeline`.

    Returns:
        ``dict(inputs=(K, 3, T, H, W) uint8 tensor, data_samples=DataSample)``.

    Raises:
        VideoLoadError: the file cannot be read (the message names it).
        ValueError: any other failure, naming the file.
    """
    name = os.fspath(path)
    try:
        packed = pipeline(dict(video_path=name))
        if packed is None:
            raise ValueError('the test pipeline dropped the video')
        return split_clips(packed)
    except VideoLoadError:
        raise
    except Exception as e:  # noqa: BLE001 (re-raised naming the input)
        if name in str(e):
            raise
        raise ValueError(f'{name}: {type(e).__name__}: {e}') from e


def inference_video(model: nn.Module,
                    inputs: Union[VideoInput, Sequence[VideoInput]],
                    batch_size: int = 16,
                    details: bool = False) -> List[Any]:
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
    cfg = getattr(model, 'cfg', None)
    if cfg is None:
        raise ValueError('the model has no `cfg`: build it with '
                         'qpt.apis.init_model')
    if not getattr(model, 'video', False):
        raise ValueError('video scoring needs a video model (a config with '
                         'QualityScorer(video=True))')
    if model.training:
        raise ValueError('the model is in training mode (dropout and drop '
                         'path would make scores random): call model.eval()')
    items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    for i, item in enumerate(items):
        if not isinstance(item, (str, Path)):
            raise TypeError(f'inputs[{i}]: a video model scores video files,'
                            f' got {type(item).__name__}')
        if Path(item).suffix.lower() not in VIDEO_EXTENSIONS:
            raise ValueError(
                f'{os.fspath(item)}: not a video file name (known '
                f'extensions: {" ".join(sorted(VIDEO_EXTENSIONS))})')
    if not items:
        return []
    pipeline = build_video_test_pipeline(cfg)
    samples = [prepare_video_sample(item, pipeline) for item in items]
    num_clips = samples[0]['inputs'].shape[0]
    videos_per_call = max(1, batch_size // max(num_clips, 1))
    return score_samples(model, samples, videos_per_call, details=details)
