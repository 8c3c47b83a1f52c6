"""Write the rows of ``qpt score``: CSV, JSON or an aligned text table.

A row is ``{'path': str, 'score': float | None, 'raw_score': float | None,
'score_scale': 'mos' | 'calibrated' | 'raw' | None, 'error': str | None}``
(``score`` is None for a failed file and for ``score_scale == 'raw'``).
Files are written atomically; CSV keeps full float precision (``repr``).
"""
import csv
import io
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence

from qpt.utils import atomic_write_text

__all__ = ['COLUMNS', 'OUTPUT_FORMATS', 'output_format', 'rows_to_csv',
           'rows_to_json', 'rows_to_table', 'write_rows']

COLUMNS = ('path', 'score', 'raw_score', 'score_scale', 'error')
_FLOAT_COLUMNS = ('score', 'raw_score')
#: output suffix -> format name.
OUTPUT_FORMATS = {'.csv': 'csv', '.json': 'json'}

Row = Dict[str, Optional[object]]


def output_format(path: str) -> str:
    """'csv' or 'json' from the file suffix.

    Raises:
        ValueError: another suffix.
    """
    fmt = OUTPUT_FORMATS.get(osp.splitext(path)[1].lower())
    if fmt is None:
        raise ValueError(f'{path}: the output must end in .csv or .json')
    return fmt


def _cell(row: Row, column: str, float_format=repr) -> str:
    value = row.get(column)
    if value is None:
        return ''
    if column in _FLOAT_COLUMNS:
        return float_format(float(value))
    return str(value)


def rows_to_csv(rows: Sequence[Row]) -> str:
    """CSV text with a header ``path,score,raw_score,score_scale,error``;
    empty cells for None."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator='\n')
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(row, c) for c in COLUMNS])
    return buf.getvalue()


def rows_to_json(rows: Sequence[Row]) -> str:
    """A JSON list of ``{"path", "score", "raw_score", "score_scale",
    "error"}`` objects (null for None)."""
    return json.dumps([{k: row.get(k) for k in COLUMNS} for row in rows],
                      indent=2) + '\n'


def rows_to_table(rows: Sequence[Row]) -> str:
    """An aligned text table (scores with 4 decimals)."""
    cells: List[List[str]] = [list(COLUMNS)]
    for row in rows:
        cells.append([_cell(row, c, lambda v: f'{v:.4f}') for c in COLUMNS])
    widths = [max(len(r[i]) for r in cells) for i in range(len(COLUMNS))]
    lines = ['  '.join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
             for r in cells]
    lines.insert(1, '  '.join('-' * w for w in widths))
    return '\n'.join(lines) + '\n'


def write_rows(rows: Sequence[Row], path: str) -> None:
    """Write CSV or JSON (by suffix) atomically."""
    fmt = output_format(path)
    text = rows_to_csv(rows) if fmt == 'csv' else rows_to_json(rows)
    atomic_write_text(text, path)
