"""``qpt score``: score image and video files with a quality model.

    qpt score CONFIG CHECKPOINT PATH... [--device cpu] [--batch-size 16]
        [--out results.csv|results.json] [--recursive] [--no-progress]

Every file gets one row (path, score, raw_score, score_scale, error). Files
are scored with :func:`qpt.apis.inference_model` (``details=True``),
``--batch-size`` files per call; when a call fails, its files are scored one
by one so that a bad file (unreadable, corrupt, too small, a video for an
image model) only costs its own row, with the error message. The exit status
is 1 if any file failed.

``score`` is on the scale ``score_scale`` names: ``mos`` (the dataset's
score range: the checkpoint's ``meta.dataset_meta``, else the config's),
``calibrated`` (the checkpoint's stored calibration, see
``tools/calibrate.py``) or ``raw``: a released QPT V2 checkpoint without a
calibration, whose ``score`` cell stays empty because no MOS is known; its
``raw_score`` (the head's output) is always written.
"""
import argparse
import contextlib
import logging
import os.path as osp
import sys
from typing import Dict, Iterator, List, Optional, Sequence

__all__ = ['add_parser', 'run', 'score_files']

Row = Dict[str, Optional[object]]


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``score`` on the ``qpt`` sub-command parser."""
    parser = subparsers.add_parser(
        'score',
        help='score images and videos',
        description='Score image and video files with a quality model; '
        'one row (path, score, raw_score, score_scale, error) per file. '
        'score is empty for a released checkpoint without calibration '
        '(score_scale raw; see tools/calibrate.py).')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        'paths',
        nargs='+',
        metavar='PATH',
        help='files, folders or glob patterns (quote them)')
    parser.add_argument(
        '--device', default='cpu', help='torch device (default: cpu)')
    parser.add_argument(
        '--batch-size',
        type=int,
        default=16,
        help='files per network call (default: 16)')
    parser.add_argument(
        '--out',
        help='write the rows to this .csv or .json file (atomically) '
        'instead of printing a table')
    parser.add_argument(
        '--recursive',
        action='store_true',
        help='descend into subfolders of folder arguments (and let ** in '
        'patterns match folders)')
    parser.add_argument(
        '--no-progress', action='store_true', help='no progress bar')
    parser.add_argument(
        '--verbose', action='store_true', help='show model-loading logs')
    parser.set_defaults(run=run)
    return parser


def _error_message(e: BaseException) -> str:
    text = str(e).strip()
    return text if text else type(e).__name__


def _failed_row(path: str, error: str) -> Row:
    return dict(path=path, score=None, raw_score=None, score_scale=None,
                error=error)


def scale_note(model) -> str:
    """One line saying what the ``score`` column is for this model."""
    scale = getattr(model, 'score_scale', 'mos')
    if scale == 'raw':
        return ('score_scale raw: a released checkpoint without calibration;'
                ' raw_score is the head output, on no known MOS scale, and '
                'score is left empty (calibrate with tools/calibrate.py)')
    if scale == 'calibrated':
        cal = model.calibration
        lo, hi = cal.get('mos_range', (float('nan'), float('nan')))
        return (f'score_scale calibrated: {cal["kind"]} fitted on '
                f'{cal["source"]} (n={cal["n"]}, MOS {lo:g}..{hi:g}); '
                'raw_score is the uncalibrated output')
    lo, hi = getattr(model, 'score_range', (0., 1.))
    what = 'DMOS' if getattr(model, 'lower_better', False) else 'MOS'
    return (f"score_scale mos: the dataset's {what} range {lo:g}..{hi:g}; "
            'raw_score is the normalised output (higher = better)')


def score_files(model,
                paths: Sequence[str],
                batch_size: int = 16,
                progress=None) -> List[Row]:
    """Score files with :func:`qpt.apis.inference_model`, one row each.

    Args:
        model: from :func:`qpt.apis.init_model`.
        paths: files to score.
        batch_size: files per ``inference_model`` call (and its batch size).
        progress: optional tqdm-like object; ``update(n)`` per scored file.

    Returns:
        ``{'path', 'score', 'raw_score', 'score_scale', 'error'}`` per file,
        in order; a failed file has only ``error``; a scored one has no
        ``error``, and ``score`` None only when ``score_scale`` is
        ``'raw'``.
    """
    from qpt.apis import inference_model

    rows: List[Row] = []
    for start in range(0, len(paths), batch_size):
        chunk = list(paths[start:start + batch_size])
        try:
            records = inference_model(
                model, chunk, batch_size=batch_size, details=True)
            rows += [dict(path=p, **r, error=None)
                     for p, r in zip(chunk, records)]
        except Exception:  # noqa: BLE001 (isolate the failing file)
            for path in chunk:
                try:
                    record = inference_model(
                        model, [path], batch_size=1, details=True)[0]
                    rows.append(dict(path=path, **record, error=None))
                except Exception as e:  # noqa: BLE001 (one failed row)
                    rows.append(_failed_row(path, _error_message(e)))
        if progress is not None:
            progress.update(len(chunk))
    return rows


@contextlib.contextmanager
def _quiet_logs(enabled: bool) -> Iterator[None]:
    """Raise the MMEngine logger to WARNING (its INFO lines go to stdout,
    where the table goes)."""
    if not enabled:
        yield
        return
    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def run(args: argparse.Namespace) -> int:
    """Execute ``qpt score``; returns the exit status."""
    from .inputs import collect_inputs
    from .results import output_format, rows_to_table, write_rows

    if args.batch_size < 1:
        print('error: --batch-size must be >= 1', file=sys.stderr)
        return 2
    if args.out:
        try:
            output_format(args.out)
        except ValueError as e:
            print(f'error: {e}', file=sys.stderr)
            return 2
    for what, path in (('config', args.config),
                       ('checkpoint', args.checkpoint)):
        if not osp.isfile(path):
            print(f'error: {what} {path}: no such file', file=sys.stderr)
            return 1

    inputs = collect_inputs(args.paths, args.recursive)
    from qpt.apis import init_model
    try:
        with _quiet_logs(not args.verbose):
            model = init_model(args.config, args.checkpoint,
                               device=args.device)
    except Exception as e:  # noqa: BLE001 (fatal, reported plainly)
        print(f'error: cannot build the model: {_error_message(e)}',
              file=sys.stderr)
        return 1

    from tqdm import tqdm
    files = [p for p, err in inputs if err is None]
    with tqdm(total=len(files), unit='file', desc='scoring',
              disable=True if args.no_progress else None,
              file=sys.stderr) as bar, _quiet_logs(not args.verbose):
        scored = iter(score_files(model, files, args.batch_size, bar))
    rows = [next(scored) if err is None else _failed_row(p, err)
            for p, err in inputs]

    failed = sum(r['error'] is not None for r in rows)
    if args.out:
        write_rows(rows, args.out)
        print(f'wrote {len(rows)} rows to {args.out}', file=sys.stderr)
    else:
        sys.stdout.write(rows_to_table(rows))
    print(scale_note(model), file=sys.stderr)
    print(f'{len(rows) - failed} scored, {failed} failed', file=sys.stderr)
    return 1 if failed else 0
