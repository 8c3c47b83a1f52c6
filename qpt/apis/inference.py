"""Score images with a built scorer: paths or arrays in, one float each out.

The steps are separate functions so that a benchmark can time them:
:func:`build_test_pipeline` (the config's test pipeline, split into its
loading step and the rest), :func:`prepare_sample` (decode + transform one
input) and :func:`score_samples` (batch, normalise, run the network).
"""
import os
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope

from qpt.datasets.image_io import ImageLoadError

__all__ = [
    'VIDEO_EXTENSIONS', 'build_test_pipeline', 'prepare_sample',
    'score_samples', 'inference_model'
]

ImageInput = Union[str, Path, np.ndarray]
Pipeline = Callable[[dict], dict]

#: File suffixes taken for videos (scored by a video config only).
VIDEO_EXTENSIONS = frozenset({
    '.mp4', '.avi', '.mkv', '.mov', '.webm', '.m4v', '.flv', '.wmv', '.mpg',
    '.mpeg', '.3gp', '.ts', '.y4m'
})


def _is_video(path: Union[str, Path]) -> bool:
    """True for a path whose suffix is a video container's."""
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


def _transform_type(cfg) -> str:
    t = cfg.get('type') if isinstance(cfg, dict) else type(cfg).__name__
    return t if isinstance(t, str) else getattr(t, '__name__', str(t))


def build_test_pipeline(cfg) -> Tuple[Pipeline, Pipeline]:
    """The config's ``test_dataloader.dataset.pipeline`` as two callables.

    The *loading step* is every transform up to and including the first
    whose type name starts with ``Load`` (``LoadImageRGB``); array inputs
    skip it. Transforms are built in the config's default scope (``qpt``).

    Returns:
        (load, rest): each maps a results dict to a results dict.

    Raises:
        ValueError: the config has no test pipeline, or no loading step.
    """
    try:
        pipeline = cfg.test_dataloader.dataset.pipeline
    except AttributeError:
        pipeline = None
    if not pipeline:
        raise ValueError(
            'the model config has no test_dataloader.dataset.pipeline: '
            'inference needs a dataset config that defines how images are '
            'loaded and cropped for testing')
    pipeline = list(pipeline)
    names = [_transform_type(t) for t in pipeline]
    load_end = next((i + 1 for i, n in enumerate(names)
                     if n.startswith('Load')), None)
    if load_end is None:
        raise ValueError(f'the test pipeline {names} has no loading step '
                         '(a transform named Load*)')
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope',
                                                      'qpt')):
        load = Compose(pipeline[:load_end])
        rest = Compose(pipeline[load_end:])
    return load, rest


def _input_name(item: ImageInput, index: int) -> str:
    if isinstance(item, np.ndarray):
        return f'inputs[{index}] (array of shape {item.shape})'
    if isinstance(item, (str, Path)):
        return os.fspath(item)
    return f'inputs[{index}]'


def prepare_sample(item: ImageInput, index: int, load: Pipeline,
                   rest: Pipeline, video_model: bool = False) -> dict:
    """Run the test pipeline on one input.

    Args:
        item: an image path, or an (H, W, 3) uint8 RGB array.
        index: the input's position (named in errors about arrays).
        load, rest: from :func:`build_test_pipeline`.
        video_model: the model scores clips (video inputs go to a video
            pipeline).

    Returns:
        The packed sample: ``dict(inputs=(3, h, w) or (K, 3, h, w) uint8
        tensor, data_samples=DataSample)``.

    Raises:
        ValueError / ImageLoadError: with a message naming the input.
    """
    name = _input_name(item, index)
    if isinstance(item, np.ndarray):
        if item.dtype != np.uint8 or item.ndim != 3 or item.shape[2] != 3:
            raise ValueError(f'{name}: an array input must be (H, W, 3) '
                             f'uint8 RGB, got {item.dtype} {item.shape}')
        results = dict(
            img=np.ascontiguousarray(item),
            img_shape=item.shape[:2],
            ori_shape=item.shape[:2])
        steps = (rest, )
    elif isinstance(item, (str, Path)):
        if _is_video(item) and not video_model:
            raise ValueError(f'{name}: video scoring needs a video config '
                             '(this model scores images)')
        results = dict(img_path=name)
        steps = (load, rest)
    else:
        raise TypeError(f'inputs[{index}]: expected an image path or an '
                        f'(H, W, 3) uint8 array, got {type(item).__name__}')
    try:
        for step in steps:
            results = step(results)
            if results is None:
                raise ValueError('the test pipeline dropped the input')
    except ImageLoadError:
        raise  # its message names the file
    except Exception as e:  # noqa: BLE001 (re-raised naming the input)
        if name in str(e):
            raise
        raise ValueError(f'{name}: {type(e).__name__}: {e}') from e
    return results


def score_samples(model: nn.Module, samples: Sequence[dict],
                  batch_size: int = 16) -> List[float]:
    """Batch prepared samples, normalise them with ``model.data_preprocessor``
    and run ``model.predict``.

    Samples are batched with others of the same input shape (first-come
    order), so inputs of different sizes work with any batch size.

    Returns:
        ``pred_score`` per sample (the dataset's MOS scale), in input order.
    """
    if batch_size < 1:
        raise ValueError(f'batch_size must be >= 1, got {batch_size}')
    by_shape: Dict[tuple, List[int]] = {}
    for i, s in enumerate(samples):
        by_shape.setdefault(tuple(s['inputs'].shape), []).append(i)
    scores: List[float] = [float('nan')] * len(samples)
    with torch.no_grad():
        for indices in by_shape.values():
            for start in range(0, len(indices), batch_size):
                chunk = indices[start:start + batch_size]
                data = dict(
                    inputs=[samples[i]['inputs'] for i in chunk],
                    data_samples=[samples[i]['data_samples'] for i in chunk])
                data = model.data_preprocessor(data, False)
                out = model.predict(data['inputs'], data['data_samples'])
                for i, sample in zip(chunk, out):
                    scores[i] = float(sample.pred_score)
    return scores


def inference_model(model: nn.Module,
                    inputs: Union[ImageInput, Sequence[ImageInput]],
                    batch_size: int = 16) -> List[float]:
    """Score images with a model from :func:`qpt.apis.init_model`.

    Each input goes through ``model.cfg``'s test pipeline (array inputs skip
    its loading step), inputs are batched, normalised by the model's data
    preprocessor and scored by ``model.predict``; test crops are averaged by
    the model. Deterministic: the same image gets the same score.

    Args:
        model: a scorer with ``cfg``, in eval mode.
        inputs: one image path or (H, W, 3) uint8 RGB array, or a list.
        batch_size: images per network call.

    Returns:
        One score per input, on the dataset's scale (``pred_score``; a DMOS
        config gives DMOS), in input order.

    Raises:
        ValueError / ImageLoadError / TypeError: naming the failing input
        (missing, empty, truncated or undecodable file, an image smaller
        than the test crop, a video path, a bad array).
    """
    cfg = getattr(model, 'cfg', None)
    if cfg is None:
        raise ValueError('the model has no `cfg`: build it with '
                         'qpt.apis.init_model')
    items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if not items:
        return []
    if model.training:
        raise ValueError('the model is in training mode (dropout and drop '
                         'path would make scores random): call model.eval()')
    if getattr(model, 'video', False):  # clips: qpt.apis.video_inference
        from .video_inference import inference_video
        return inference_video(model, items, batch_size)
    load, rest = build_test_pipeline(cfg)
    video_model = bool(getattr(model, 'video', False))
    samples = [
        prepare_sample(item, i, load, rest, video_model)
        for i, item in enumerate(items)
    ]
    return score_samples(model, samples, batch_size)
