"""Score images with a built scorer: paths or arrays in, one score each out.

The steps are separate functions so that a benchmark can time them:
:func:`build_test_pipeline` (the config's test pipeline, split into its
loading step and the rest), :func:`prepare_sample` (decode + transform one
input) and :func:`~qpt.apis.scoring.score_samples` (batch, normalise, run
the network). Video models are handed to :mod:`.video_inference`.

What a score is depends on the checkpoint (``model.score_scale``, set by
:func:`qpt.apis.init_model`): the dataset's MOS / DMOS scale (``'mos'``),
a stored calibration's MOS scale (``'calibrated'``), or only the raw head
output of a released checkpoint (``'raw'``). With ``details=True`` every
input gets ``dict(score, raw_score, score_scale)`` so both are visible.
"""
import os
from pathlib import Path
from typing import List, Sequence, Tuple, Union

import numpy as np
import torch.nn as nn

from qpt.datasets.image_io import ImageLoadError
from qpt.datasets.video_io import is_video_path
from .scoring import (Pipeline, ScoreRecord, check_eval_mode,
                      compose_in_scope, config_test_pipeline, model_config,
                      run_pipeline, score_samples, warn_raw_scores)
from .video_inference import inference_video

__all__ = ['build_test_pipeline', 'prepare_sample', 'inference_model']

ImageInput = Union[str, Path, np.ndarray]


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
    pipeline, names = config_test_pipeline(
        cfg, 'inference needs a dataset config that defines how images are '
        'loaded and cropped for testing')
    load_end = next((i + 1 for i, n in enumerate(names)
                     if n.startswith('Load')), None)
    if load_end is None:
        raise ValueError(f'the test pipeline {names} has no loading step '
                         '(a transform named Load*)')
    load = compose_in_scope(cfg, pipeline[:load_end])
    rest = compose_in_scope(cfg, pipeline[load_end:])
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
        if is_video_path(item) and not video_model:
            raise ValueError(f'{name}: video scoring needs a video config '
                             '(this model scores images)')
        results = dict(img_path=name)
        steps = (load, rest)
    else:
        raise TypeError(f'inputs[{index}]: expected an image path or an '
                        f'(H, W, 3) uint8 array, got {type(item).__name__}')
    return run_pipeline(steps, results, name, named_errors=(ImageLoadError, ))


def inference_model(model: nn.Module,
                    inputs: Union[ImageInput, Sequence[ImageInput]],
                    batch_size: int = 16,
                    details: bool = False
                    ) -> Union[List[float], List[ScoreRecord]]:
    """Score images with a model from :func:`qpt.apis.init_model`.

    Each input goes through ``model.cfg``'s test pipeline (array inputs skip
    its loading step), inputs are batched, normalised by the model's data
    preprocessor and scored by ``model.predict``; test crops are averaged by
    the model. Deterministic: the same image gets the same score.

    Args:
        model: a scorer with ``cfg``, in eval mode.
        inputs: one image path or (H, W, 3) uint8 RGB array, or a list.
        batch_size: images per network call.
        details: return a record per input instead of a float.

    Returns:
        In input order, one per input. With ``details=True``:
        ``dict(score, raw_score, score_scale)`` where ``raw_score`` is the
        head's normalised output and ``score`` is, by ``score_scale``
        (``model.score_scale``): ``'mos'`` the dataset's scale (the
        ``score_range`` of ``model.dataset_meta``; DMOS for a DMOS set),
        ``'calibrated'`` the MOS scale of the labelled set the checkpoint
        was calibrated on, or None for ``'raw'`` (a released checkpoint without calibration).
        Without ``details``: that ``score`` as a float, or the raw score
        for ``'raw'`` (with a ``UserWarning`` saying so).

    Raises:
        ValueError / ImageLoadError / TypeError: naming the failing input
        (missing, empty, truncated or undecodable file, an image smaller
        than the test crop, a video path, a bad array).
    """
    cfg = model_config(model)
    items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if not items:
        return []
    check_eval_mode(model)
    if not details:
        warn_raw_scores(model)
    if getattr(model, 'video', False):  # clips
        return inference_video(model, items, batch_size, details=details)
    load, rest = build_test_pipeline(cfg)
    samples = [
        prepare_sample(item, i, load, rest) for i, item in enumerate(items)
    ]
    return score_samples(model, samples, batch_size, details=details)
