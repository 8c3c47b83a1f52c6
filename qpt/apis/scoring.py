"""The scoring core that image and video inference share.

:func:`score_samples` batches packed samples, normalises them with the
model's data preprocessor and runs ``model.predict``; :func:`report_scores`
says what each score is (``model.score_scale``). The helpers around them
check the model, build the config's test pipeline and run it on one input
with errors that name the input. :mod:`.inference` (images) and
:mod:`.video_inference` (videos) are built on this module; it imports
neither.
"""
import warnings
from typing import Any, Callable, Dict, List, Sequence, Tuple, Type, Union

import torch
import torch.nn as nn
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope

__all__ = [
    'Pipeline', 'ScoreRecord', 'model_config', 'check_eval_mode',
    'warn_raw_scores', 'transform_type', 'config_test_pipeline',
    'compose_in_scope', 'run_pipeline', 'report_scores', 'score_samples'
]

Pipeline = Callable[[dict], dict]
#: ``dict(score=float | None, raw_score=float, score_scale=str)``.
ScoreRecord = Dict[str, Any]

SCORE_SCALES = ('mos', 'calibrated', 'raw')


def model_config(model: nn.Module):
    """``model.cfg``; ValueError for a model not built by ``init_model``."""
    cfg = getattr(model, 'cfg', None)
    if cfg is None:
        raise ValueError('the model has no `cfg`: build it with '
                         'qpt.apis.init_model')
    return cfg


def check_eval_mode(model: nn.Module) -> None:
    """ValueError for a model in training mode (its scores are random)."""
    if model.training:
        raise ValueError('the model is in training mode (dropout and drop '
                         'path would make scores random): call model.eval()')


def warn_raw_scores(model: nn.Module) -> None:
    """A ``UserWarning`` where the scores are a released head's raw output.
    """
    if getattr(model, 'score_scale', 'mos') == 'raw':
        warnings.warn(
            'these scores are the raw head outputs of a released QPT V2 '
            'checkpoint, not on any MOS scale (how its outputs were '
            'normalised is unknown); fit a mapping to your labels with '
            'tools/calibrate.py, or pass details=True to get them labelled',
            UserWarning,
            stacklevel=3)


def transform_type(cfg) -> str:
    """The type name of a transform config (or of a built transform)."""
    t = cfg.get('type') if isinstance(cfg, dict) else type(cfg).__name__
    return t if isinstance(t, str) else getattr(t, '__name__', str(t))


def config_test_pipeline(cfg, needs: str) -> Tuple[list, List[str]]:
    """``cfg.test_dataloader.dataset.pipeline`` and its type names.

    Args:
        cfg: the model config.
        needs: what the caller needs the pipeline for, said in the error.

    Raises:
        ValueError: the config has no test pipeline.
    """
    try:
        pipeline = cfg.test_dataloader.dataset.pipeline
    except AttributeError:
        pipeline = None
    if not pipeline:
        raise ValueError('the model config has no '
                         f'test_dataloader.dataset.pipeline: {needs}')
    pipeline = list(pipeline)
    return pipeline, [transform_type(t) for t in pipeline]


def compose_in_scope(cfg, transforms: Sequence) -> Compose:
    """``Compose(transforms)`` built in the config's default scope (qpt)."""
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope',
                                                      'qpt')):
        return Compose(list(transforms))


def run_pipeline(steps: Sequence[Pipeline], results: dict, name: str,
                 named_errors: Tuple[Type[BaseException], ...] = ()
                 ) -> dict:
    """Run pipeline steps on one input; every error names the input.

    Args:
        steps: callables applied in turn.
        results: the first results dict.
        name: the input's name (a path), put in front of error messages.
        named_errors: error types whose messages already name the input
            (re-raised as they are).

    Raises:
        ValueError: ``'<name>: <error type>: <message>'``, or the input
            was dropped by the pipeline.
    """
    try:
        for step in steps:
            results = step(results)
            if results is None:
                raise ValueError('the test pipeline dropped the input')
    except named_errors:
        raise
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
        dataset-scale score (``'mos'``), the calibrated MOS
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
        raise ValueError(f'model.score_scale must be one of {SCORE_SCALES}, '
                         f'got {scale!r}')
    return [dict(score=s, raw_score=float(r), score_scale=scale)
            for s, r in zip(scores, raw)]


def score_samples(model: nn.Module,
                  samples: Sequence[dict],
                  batch_size: int = 16,
                  details: bool = False
                  ) -> Union[List[float], List[ScoreRecord]]:
    """Batch packed samples, normalise them with ``model.data_preprocessor``
    and run ``model.predict``.

    Samples are batched with others of the same input shape (first-come
    order), so inputs of different sizes work with any batch size.

    Args:
        model: a scorer in eval mode.
        samples: ``dict(inputs, data_samples)`` from a packer: inputs
            (3, H, W), (K, 3, H, W) or, for a video model, (K, 3, T, H, W).
        batch_size: samples per network call.
        details: return :func:`report_scores`' records.

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
