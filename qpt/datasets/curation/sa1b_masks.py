"""Objects per image and foreground coverage from an SA-1B annotation file.

SA-1B stores one JSON per image (``sa_123.jpg`` next to ``sa_123.json``)::

    {"image": {"image_id": ..., "width": W, "height": H, "file_name": ...},
     "annotations": [{"segmentation": {"size": [H, W], "counts": "<RLE>"},
                      "area": ..., "bbox": ..., ...}, ...]}

where ``counts`` is a COCO run-length encoding in its compressed string form.
QPT V2 curates SA-1B by the number of objects per image; the natural count is
the number of mask annotations. Foreground coverage is the area of the union
of all masks divided by ``H * W`` (overlapping masks are counted once).

Every RLE string is checked before it reaches pycocotools: its C code does not
validate its input and loops forever (or reads out of bounds) on a malformed
string, which would hang a whole curation run on one bad file.
"""
import json
import os
from pathlib import Path
from typing import List, Tuple, Union

import numpy as np
import pycocotools.mask as mask_util

__all__ = ['BadAnnotationError', 'decode_rle_counts', 'sa1b_mask_stats']

PathLike = Union[str, Path]

# One RLE number is at most ceil(64 / 5) characters of 5 bits each.
_MAX_CHARS_PER_NUMBER = 12


class BadAnnotationError(ValueError):
    """An annotation file is missing, unreadable or malformed."""


def decode_rle_counts(counts: bytes) -> np.ndarray:
    """Decode a compressed COCO RLE string into its run lengths.

    Same format as pycocotools' ``rleFrString``: each number is written in
    5-bit groups (characters 48..111, bit 0x20 = "more groups follow", bit
    0x10 of the last group = sign) and, from the third number on, as the
    difference to the number two places before.

    Args:
        counts: the ``counts`` string as ASCII bytes.

    Returns:
        (N,) int64 run lengths, alternating background / foreground,
        starting with background.

    Raises:
        BadAnnotationError: characters out of range, a number cut off at the
            end, an over-long number, or a negative run length.
    """
    c = np.frombuffer(counts, dtype=np.uint8).astype(np.int64) - 48
    if c.size == 0:
        return np.zeros(0, dtype=np.int64)
    if c.min() < 0 or c.max() > 63:
        raise BadAnnotationError('RLE counts contain characters outside the '
                                 'compressed RLE alphabet')
    more = (c & 0x20) != 0
    if more[-1]:
        raise BadAnnotationError('RLE counts string is cut off mid-number')
    ends = np.flatnonzero(~more)
    starts = np.concatenate([[0], ends[:-1] + 1])
    lengths = ends - starts + 1
    if lengths.max() > _MAX_CHARS_PER_NUMBER:
        raise BadAnnotationError('RLE counts contain an over-long number')
    group = np.repeat(np.arange(ends.size), lengths)
    shift = 5 * (np.arange(c.size) - starts[group])
    values = np.add.reduceat((c & 0x1f) << shift, starts)
    negative = (c[ends] & 0x10) != 0
    values[negative] -= np.left_shift(1, 5 * lengths[negative])
    runs = values.copy()
    # Undo the delta coding: runs[m] = values[m] + runs[m - 2] for m > 2.
    if values.size > 3:
        runs[3::2] = values[1] + np.cumsum(values[3::2])
        runs[4::2] = values[2] + np.cumsum(values[4::2])
    if runs.size and runs.min() < 0:
        raise BadAnnotationError('RLE counts decode to a negative run length')
    return runs


def _to_rle(segmentation: object, index: int) -> dict:
    """Validate one ``segmentation`` entry and return a pycocotools RLE."""
    if not isinstance(segmentation, dict):
        raise BadAnnotationError(
            f'annotation {index}: segmentation is not an RLE dict '
            '(polygons are not SA-1B format)')
    try:
        h, w = (int(v) for v in segmentation['size'])
        counts = segmentation['counts']
    except (KeyError, TypeError, ValueError):
        raise BadAnnotationError(
            f'annotation {index}: segmentation needs "size": [h, w] and '
            '"counts"') from None
    if h <= 0 or w <= 0:
        raise BadAnnotationError(f'annotation {index}: empty mask size')
    if isinstance(counts, str):
        try:
            counts = counts.encode('ascii')
        except UnicodeEncodeError:
            raise BadAnnotationError(
                f'annotation {index}: non-ASCII RLE counts') from None
        runs = decode_rle_counts(counts)
    elif isinstance(counts, list):  # uncompressed RLE
        try:
            runs = np.asarray(counts, dtype=np.int64)
        except (TypeError, ValueError, OverflowError):
            raise BadAnnotationError(
                f'annotation {index}: RLE counts are not integers') from None
        if runs.ndim != 1 or (runs.size and runs.min() < 0):
            raise BadAnnotationError(
                f'annotation {index}: bad uncompressed RLE counts')
        counts = mask_util.frPyObjects(
            {'size': [h, w], 'counts': runs.tolist()}, h, w)['counts']
    else:
        raise BadAnnotationError(
            f'annotation {index}: RLE counts must be a string or a list')
    total = int(runs.sum())
    if total != h * w:
        raise BadAnnotationError(
            f'annotation {index}: RLE runs cover {total} pixels, '
            f'mask size {h}x{w} has {h * w}')
    return {'size': [h, w], 'counts': counts}


def sa1b_mask_stats(json_path: PathLike) -> Tuple[int, float]:
    """Number of objects and union-of-masks coverage of one SA-1B JSON.

    Args:
        json_path: the image's annotation file.

    Returns:
        ``(num_objects, coverage)``: the number of mask annotations and
        ``|union of masks| / (h * w)`` in [0, 1] (0 when there are none).

    Raises:
        BadAnnotationError: missing file, invalid JSON, wrong structure,
            malformed RLE or masks of different sizes; the message names the
            file.
    """
    json_path = os.fspath(json_path)
    try:
        with open(json_path, 'rb') as f:
            data = json.load(f)
    except FileNotFoundError:
        raise BadAnnotationError(f'{json_path}: no annotation file') from None
    except (OSError, ValueError) as e:  # JSONDecodeError is a ValueError
        raise BadAnnotationError(f'{json_path}: cannot read JSON ({e})') \
            from None
    try:
        annotations = data['annotations'] if isinstance(data, dict) else None
        if not isinstance(annotations, list):
            raise BadAnnotationError('no "annotations" list')
        rles: List[dict] = []
        for i, ann in enumerate(annotations):
            if not isinstance(ann, dict) or 'segmentation' not in ann:
                raise BadAnnotationError(f'annotation {i}: no segmentation')
            rles.append(_to_rle(ann['segmentation'], i))
        if not rles:
            return 0, 0.0
        sizes = {tuple(r['size']) for r in rles}
        if len(sizes) > 1:
            raise BadAnnotationError(
                f'masks of different sizes {sorted(sizes)}')
        h, w = rles[0]['size']
        union = mask_util.merge(rles, intersect=False)
        area = int(mask_util.area(union))
    except BadAnnotationError as e:
        raise BadAnnotationError(f'{json_path}: {e}') from None
    return len(rles), area / float(h * w)
