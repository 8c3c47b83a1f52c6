"""The map between a benchmark's score scale and the normalised score.

A dataset's ``metainfo`` states its scale: ``score_range`` ``(lo, hi)`` and
``lower_better`` (True for DMOS: a higher score is a worse image). Targets and
model outputs are normalised to [0, 1] with higher = better; these two
functions are the only place that maps between the two, for the dataset (its
targets), the metric (predictions on the dataset's scale) and the scorer
(``pred_score`` at inference).
"""
from typing import Optional, Sequence, TypeVar

from qpt.registry import DATASETS

__all__ = ['normalise_score', 'denormalise_score', 'config_score_meta']

#: A float, a numpy array or a torch tensor (any shape).
Score = TypeVar('Score')


def normalise_score(score: Score, score_range: Sequence[float],
                    lower_better: bool) -> Score:
    """The dataset's scale -> [0, 1] with higher = better (not clipped).

    Args:
        score: scores on the dataset's scale, any shape.
        score_range: ``(lo, hi)`` of that scale.
        lower_better: the scale is DMOS-like (the result is flipped).
    """
    lo, hi = score_range
    norm = (score - lo) / (hi - lo)
    return 1 - norm if lower_better else norm


def denormalise_score(norm: Score, score_range: Sequence[float],
                      lower_better: bool) -> Score:
    """[0, 1] with higher = better -> the dataset's scale:
    ``lo + s * (hi - lo)``, or ``hi - s * (hi - lo)`` when ``lower_better``.
    The inverse of :func:`normalise_score`; same shape as ``norm``."""
    lo, hi = score_range
    return hi - norm * (hi - lo) if lower_better else lo + norm * (hi - lo)


def config_score_meta(dataset_cfg: Optional[dict]) -> Optional[dict]:
    """The metainfo a dataset config gives, without building the dataset
    (no label file is read).

    Args:
        dataset_cfg: a dataset config (``type`` a registered
            :class:`~qpt.datasets.quality.QualityDataset` class, optionally
            ``score_range`` / ``lower_better`` / ``label_format``).

    Returns:
        The class's ``METAINFO`` with the config's arguments applied, or
        None when the config names no such class or no score range (then
        the range would only be known from the label file).
    """
    if not isinstance(dataset_cfg, dict) or \
            not isinstance(dataset_cfg.get('type'), str):
        return None
    cls = DATASETS.get(dataset_cfg['type'])
    if cls is None or not hasattr(cls, 'score_facts'):
        return None
    meta = dict(cls.METAINFO)
    meta.update(
        cls.score_facts(
            score_range=dataset_cfg.get('score_range'),
            lower_better=dataset_cfg.get('lower_better'),
            label_format=dataset_cfg.get('label_format')))
    return meta if meta['score_range'] is not None else None
