"""Curation thresholds given as values or as percentiles of the collection.

Syntax (CLI and API alike):

- a number (``50``, ``0.6``, ``2e6``): an absolute lower bound;
- ``p<q>`` with 0 <= q <= 100 (``p50``, ``p87.5``): a percentile of the
  statistic over the collection.

Semantics: an image is kept when ``statistic >= threshold``. A percentile is
resolved with linear interpolation (``numpy.percentile``) over every usable
image of the collection (unreadable images and bad annotations excluded),
independently of the other thresholds, so the order of the filters does not
matter. ``p50`` thus keeps the upper half of the histogram (more than half
when values tie at the median), ``p0`` keeps everything and ``p100`` only the
maximum.
"""
import math
import re
from dataclasses import dataclass
from typing import Optional, Sequence, Union

import numpy as np

__all__ = ['Threshold', 'parse_threshold']

_PERCENTILE = re.compile(r'^[pP](\d+(?:\.\d*)?|\.\d+)$')


@dataclass(frozen=True)
class Threshold:
    """A lower bound: a fixed ``value`` or a ``percentile`` to resolve.

    Attributes:
        spec: the text it was parsed from (echoed in reports).
        value: the absolute bound, or ``None`` for a percentile.
        percentile: q in [0, 100], or ``None`` for a value.
    """
    spec: str
    value: Optional[float] = None
    percentile: Optional[float] = None

    @property
    def is_percentile(self) -> bool:
        return self.percentile is not None

    def resolve(self, values: Sequence[float]) -> Optional[float]:
        """The bound as a number; ``None`` for a percentile of no values."""
        if not self.is_percentile:
            return self.value
        values = np.asarray(values, dtype=np.float64)
        if values.size == 0:
            return None
        return float(np.percentile(values, self.percentile))

    def __str__(self) -> str:
        return self.spec


def parse_threshold(
        spec: Union[None, str, int, float, Threshold]) -> Optional[Threshold]:
    """Parse ``50``, ``'0.6'``, ``'2e6'`` or ``'p50'``; ``None`` stays None.

    Raises:
        ValueError: not a finite number nor ``p<q>`` with 0 <= q <= 100.
    """
    if spec is None or isinstance(spec, Threshold):
        return spec
    if isinstance(spec, bool):
        raise ValueError(f'invalid threshold {spec!r}')
    if isinstance(spec, (int, float)):
        if not math.isfinite(spec):
            raise ValueError(f'invalid threshold {spec!r}')
        return Threshold(spec=str(spec), value=float(spec))
    text = str(spec).strip()
    match = _PERCENTILE.match(text)
    if match:
        q = float(match.group(1))
        if not 0 <= q <= 100:
            raise ValueError(f'percentile out of [0, 100] in {spec!r}')
        return Threshold(spec=text, percentile=q)
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f'invalid threshold {spec!r}: expected a number '
                         "or a percentile such as 'p50'") from None
    if not math.isfinite(value):
        raise ValueError(f'invalid threshold {spec!r}')
    return Threshold(spec=text, value=value)
