"""Calibrate a scorer: fit a monotone map from its raw outputs to a MOS scale.

    python tools/calibrate.py CONFIG CHECKPOINT --labels labels.csv \
        --images-root DIR --out calibrated.pth [--fit logistic4|logistic5] \
        [--label-format auto] [--split test] [--skip-unreadable] \
        [--device cpu] [--batch-size 16]

Scores every labelled image with CONFIG's test pipeline (as ``qpt score``
does), fits a logistic (:func:`qpt.apis.calibration.fit_calibration`) from
the raw scores onto the labels, and writes CHECKPOINT with the mapping in
``meta['calibration']`` to ``--out`` (atomically; CHECKPOINT itself is not
changed). ``qpt score`` and ``qpt.apis.inference_model`` then report the
calibrated MOS beside the raw score.

This is how a released QPT V2 checkpoint (``{'params': ...}``, whose output
normalisation nobody knows) gets scores on a MOS scale: the mapping is the
one of *this labelled set* (its scale, its content), and says nothing about
another dataset's scale. A released or inflated checkpoint is written in our
format (``{'meta', 'state_dict'}``: the weights as loaded, marked
``score_scale='raw'`` so that they stay raw without the calibration); our
own checkpoints are copied with the calibration added (an existing one is
replaced: the fit always uses the uncalibrated raw scores).

Labels are any label file :func:`qpt.datasets.quality.load_label_file`
reads (pyiqa CSV, published score tables, KonIQ's official CSV, ...);
``filename`` is relative to ``--images-root``. A missing or unreadable image
stops the tool with the list of failures, unless ``--skip-unreadable``
(then they are listed and left out of the fit).
"""
import argparse
import io
import os
import os.path as osp
import sys
from typing import List

import torch

from qpt.utils import atomic_write_bytes

LOGISTIC_CHOICES = ('logistic4', 'logistic5')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Fit a monotone mapping from a scorer\'s raw outputs to '
        'the MOS of a labelled set and store it in the checkpoint')
    parser.add_argument('config', help='model config (its test pipeline '
                        'scores the images)')
    parser.add_argument('checkpoint', help='checkpoint to calibrate')
    parser.add_argument('--labels', required=True, help='label file')
    parser.add_argument(
        '--images-root',
        required=True,
        help='folder the label file\'s file names are relative to')
    parser.add_argument('--out', required=True,
                        help='calibrated checkpoint to write')
    parser.add_argument(
        '--fit',
        default='logistic4',
        choices=LOGISTIC_CHOICES,
        help='logistic4 (always monotone, default) or logistic5 (refused '
        'when the fit is not monotone over the raw scores)')
    parser.add_argument(
        '--label-format',
        default='auto',
        help='label file format (see qpt.datasets.quality.load_label_file)')
    parser.add_argument(
        '--split',
        help='use only the records of this split (train/val/test) when '
        'the label file has a split column')
    parser.add_argument(
        '--skip-unreadable',
        action='store_true',
        help='leave out (and list) images that cannot be scored instead of '
        'stopping')
    parser.add_argument('--device', default='cpu', help='torch device')
    parser.add_argument('--batch-size', type=int, default=16)
    return parser.parse_args(argv)


def _records(args) -> List[dict]:
    from qpt.datasets.quality import load_label_file
    records = load_label_file(args.labels, label_format=args.label_format)
    if args.split:
        records = [r for r in records if r.get('split') == args.split]
        if not records:
            raise ValueError(f'{args.labels}: no record of split '
                             f'{args.split!r}')
    if not records:
        raise ValueError(f'{args.labels}: no labelled records')
    return records


def _calibrated_checkpoint(checkpoint: str, model, calibration: dict,
                           config: str) -> dict:
    """The checkpoint to write: ours with the calibration added, or the
    loaded weights in our format for a released / inflated file."""
    from qpt.apis.calibration import CALIBRATION_KEY
    from qpt.apis.checkpoint_loading import read_checkpoint
    if model.checkpoint_kind == 'qpt':
        ckpt = read_checkpoint(checkpoint)
        if 'state_dict' not in ckpt:  # a bare state dict
            ckpt = dict(meta={}, state_dict=ckpt)
        ckpt = dict(ckpt)
        meta = dict(ckpt.get('meta') or {})
    else:
        meta = dict(
            source=osp.basename(checkpoint),
            converted_by=f'tools/calibrate.py from a '
            f'{model.checkpoint_kind} checkpoint',
            config=osp.basename(config))
        ckpt = dict(state_dict={
            k: v.detach().cpu().contiguous()
            for k, v in model.state_dict().items()
        })
    if model.score_scale == 'raw' or meta.get('score_scale') == 'raw':
        meta['score_scale'] = 'raw'  # uncalibrated, it is still raw
    meta[CALIBRATION_KEY] = dict(calibration, config=osp.basename(config))
    ckpt['meta'] = meta
    return ckpt


def main(argv=None) -> int:
    args = parse_args(argv)
    from qpt.apis import init_model
    from qpt.apis.calibration import fit_calibration
    from qpt.cli.score import score_files

    if args.batch_size < 1:
        print('error: --batch-size must be >= 1', file=sys.stderr)
        return 2
    try:
        records = _records(args)
    except (OSError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    paths = [osp.join(args.images_root, str(r['filename'])) for r in records]
    model = init_model(args.config, args.checkpoint, device=args.device)
    if model.checkpoint_kind == 'pretrain_encoder':
        print(f'error: {args.checkpoint} is a pretraining checkpoint: its '
              'head is untrained, there is nothing to calibrate',
              file=sys.stderr)
        return 1
    rows = score_files(model, paths, args.batch_size)
    failed = [r for r in rows if r['error'] is not None]
    if failed:
        stream = sys.stderr
        print(f'{len(failed)} of {len(rows)} labelled images could not be '
              'scored:', file=stream)
        for r in failed:
            print(f'  {r["path"]}: {r["error"]}', file=stream)
        if not args.skip_unreadable:
            print('nothing written (pass --skip-unreadable to leave them '
                  'out)', file=stream)
            return 1
        print('left out of the fit (--skip-unreadable)', file=stream)
    kept = [(r, rec) for r, rec in zip(rows, records) if r['error'] is None]
    raw = [r['raw_score'] for r, _ in kept]
    mos = [float(rec['mos']) for _, rec in kept]
    try:
        calibration = fit_calibration(
            raw, mos, kind=args.fit, source=osp.basename(args.labels))
    except Exception as e:  # noqa: BLE001 (reported, nothing written)
        print(f'error: {args.labels}: cannot calibrate on {len(raw)} '
              f'images: {e}\nnothing written', file=sys.stderr)
        return 1
    ckpt = _calibrated_checkpoint(args.checkpoint, model, calibration,
                                  args.config)
    buffer = io.BytesIO()
    torch.save(ckpt, buffer)
    atomic_write_bytes(buffer.getvalue(), args.out)
    lo, hi = calibration['mos_range']
    print(f'{args.fit} fitted on {calibration["n"]} images of '
          f'{calibration["source"]} (MOS {lo:g}..{hi:g}): SRCC '
          f'{calibration["srcc"]:.4f}, PLCC {calibration["plcc"]:.4f} after '
          f'the fit; params {calibration["params"]}')
    print(f'wrote {os.fspath(args.out)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
