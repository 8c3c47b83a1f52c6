"""Score images with a built scorer: paths or arrays in, one score each out.

The steps are separate functions so that a benchmark can time them:
:func:`build_test_pipeline` (the config's test pipeline, split into its
loading step and the rest), :func:`prepare_sample` (decode + transform one
input) and :func:`score_samples` (batch, normalise, run the network).

What a score is depends on the checkpoint (``model.score_scale``, set by
:func:`qpt.apis.init_model`): the dataset's MOS / DMOS scale (``'mos'``),
a stored calibration's MOS scale (``'calibrated'``), or only the raw head
output of a released checkpoint (``'raw'``). With ``details=True`` every
input gets ``dict(score, raw_score, score_scale)`` so both are visible.
"""
import os
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope

from qpt.datasets.image_io import ImageLoadError

__all__ = [
    'VIDEO_EXTENSIONS', 'build_test_pipeline', 'prepare_sample',
    'score_samples', 'report_scores', 'inference_model'
]

ImageInput = Union[str, Path, np.ndarray]
Pipeline = Callable[[dict], dict]
#: ``dict(score=float | None, raw_score=float, score_scale=str)``.
ScoreRecord = Dict[str, Any]

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


def report_scores(model: nn.Module, raw: Sequence[float],
                  dataset_scale: Sequence[float]) -> List[ScoreRecord]:
    """What to report for each sample, by ``model.score_scale``.

    Args:
        model: the scorer (``score_scale`` / ``calibration`` from
            :func:`qpt.apis.init_model`; a model without them is ``'mos'``).
        raw: (N,) raw scores (``pred_score_norm``: the head's normalised
            output before any mapping; a released head's raw output).
        dataset_scale: (N,) ``pred_score`` (the score range of
            ``model.dataset_meta`` applied to ``raw``).

    Returns:
        ``dict(score, raw_score, score_scale)`` per sample: ``score`` is the
        config-scale score (``'mos'``), the calibrated MOS
        (``'calibrated'``) or None (``'raw'``: no MOS is known).
    """
    scale = getattr(model, 'score_scale', 'mos')
    if scale == 'calibrated':
        from .calibration import apply_calibration
        scores = [float(v) for v in apply_calibration(model.calibration,
                                                      raw)]
    elif scale == 'raw':
        scores = [None] * len(raw)
    elif scale == 'mos':
        scores = [float(v) for v in dataset_scale]
    else:
        raise ValueError(f'model.score_scale must be one of '
                         f"('mos', 'calibrated', 'raw'), got {scale!r}")
    return [dict(score=s, raw_score=float(r), score_scale=scale)
            for s, r in zip(scores, raw)]


def score_samples(model: nn.Module,
                  samples: Sequence[dict],
                  batch_size: int = 16,
                  details: bool = False
                  ) -> Union[List[float], List[ScoreRecord]]:
    """Batch prepared samples, normalise them with ``model.data_preprocessor``
    and run ``model.predict``.

    Samples are batched with others of the same input shape (first-come
    order), so inputs of different sizes work with any batch size.

    Returns:
        In input order: with ``details``, :func:`report_scores`' records;
        otherwise one float per sample, the record's ``score``, or its
        ``raw_score`` where there is no MOS (``model.score_scale ==
        'raw'``).
    """
    if batch_size < 1:
        raise ValueError(f'batch_size must be >= 1, got {batch_size}')
    by_shape: Dict[tuple, List[int]] = {}
    for i, s in enumerate(samples):
        by_shape.setdefault(tuple(s['inputs'].shape), []).append(i)
    scores: List[float] = [float('nan')] * len(samples)
    raw: List[float] = [float('nan')] * len(samples)
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
                    raw[i] = float(sample.pred_score_norm)
    records = report_scores(model, raw, scores)
    if details:
        return records
    return [r['raw_score'] if r['score'] is None else r['score']
            for r in records]


def _warn_raw(model: nn.Module) -> None:
    if getattr(model, 'score_scale', 'mos') == 'raw':
        warnings.warn(
            'these scores are the raw head outputs of a released QPT V2 '
            'checkpoint, not on any MOS scale (how its outputs were '
            'normalised is unknown); fit a mapping to your labels with '
            'tools/calibrate.py, or pass details=True to get them labelled',
            UserWarning,
            stacklevel=3)


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
    if not details:
        _warn_raw(model)
    if getattr(model, 'video', False):  # clips: qpt.apis.video_inference
        from .video_inference import inference_video
        return inference_video(model, items, batch_size, details=details)
    load, rest = build_test_pipeline(cfg)
    video_model = bool(getattr(model, 'video', False))
    samples = [
        prepare_sample(item, i, load, rest, video_model)
        for i, item in enumerate(items)
    ]
    return score_samples(model, samples, batch_size, details=details)
