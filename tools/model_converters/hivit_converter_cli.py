"""The command-line front end shared by the HiViT converter scripts.

Not a script itself: ``hivit_mae_to_qpt.py`` and ``mmpretrain_hivit_to_qpt.py``
next to it import it, and differ only in the conversion function; both
read a checkpoint, convert it, print the report, prove that the result loads
strictly into our HiViT, and write our checkpoint format
``{'meta': {...}, 'state_dict': {...}}`` atomically.
"""
import argparse
import io
import os
import os.path as osp
import sys
from datetime import datetime, timezone
from typing import Any, Callable, Optional, Sequence, Tuple

import torch

from qpt.models.backbones import HiViT
from qpt.models.converters import ConversionReport
from qpt.utils import atomic_write_bytes
from qpt.utils.checkpoint_compat import register_checkpoint_safe_globals
from qpt.version import __version__

__all__ = ['TARGET_PREFIXES', 'load_source_checkpoint', 'run_converter_cli']

#: ``--target`` -> key prefix of the written state dict.
TARGET_PREFIXES = {
    # a bare HiViT (a backbone ``init_cfg=dict(type='Pretrained', ...)``)
    'backbone': '',
    # a QualityScorer or QPTV2 model (``load_from`` / ``init_model``)
    'scorer': 'backbone.',
}

Converter = Callable[..., Tuple[dict, ConversionReport]]

#: the on/off options, with their help.
SWITCHES = (
    ('--fill-missing', 'add what the standard QPT HiViT needs and the source '
     'lacks: zero relative position bias tables (exact) and a fresh final '
     'LayerNorm (not exact)'),
    ('--strict', 'fail (write nothing) if any key of the standard QPT HiViT '
     'is missing'),
    ('--trust-source', 'allow full unpickling when weights-only loading '
     'fails (runs code from the file: only for files you trust)'),
    ('--verbose', 'list every key'),
)


def load_source_checkpoint(path: str, trust_source: bool = False) -> Any:
    """Load a foreign checkpoint on the CPU.

    Weights-only loading is used (MMEngine Runner types and the
    ``argparse.Namespace`` that MAE-style training scripts store under
    ``'args'`` are allow-listed). ``trust_source=True`` falls back to full
    unpickling, which can run code from the file.

    Raises:
        FileNotFoundError: no such file.
        RuntimeError: the file needs full unpickling and
            ``trust_source`` is off (the message says so).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such checkpoint file')
    register_checkpoint_safe_globals()
    try:
        with torch.serialization.safe_globals([argparse.Namespace]):
            return torch.load(path, map_location='cpu', weights_only=True)
    except Exception as e:  # noqa: BLE001 (re-raised with advice)
        if not trust_source:
            raise RuntimeError(
                f'{path}: cannot be read with weights-only loading '
                f'({type(e).__name__}: {str(e).splitlines()[0]}). If you '
                'trust the file, pass --trust-source.') from e
    return torch.load(path, map_location='cpu', weights_only=False)


def _parse_args(description: str,
                argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('src', help='source checkpoint')
    parser.add_argument('dst', help='output qpt checkpoint')
    parser.add_argument(
        '--target',
        choices=sorted(TARGET_PREFIXES),
        default='backbone',
        help='backbone: bare HiViT keys (for a backbone init_cfg '
        'Pretrained); scorer: "backbone."-prefixed keys (for a '
        'QualityScorer or QPTV2 model: load_from / init_model)')
    parser.add_argument(
        '--num-heads',
        type=int,
        help='heads of the main blocks when the weights cannot tell (no '
        'relative position bias)')
    for flag, help_text in SWITCHES:
        parser.add_argument(flag, action='store_true', help=help_text)
    return parser.parse_args(argv)


def run_converter_cli(convert: Converter,
                      description: str,
                      script: str,
                      argv: Optional[Sequence[str]] = None) -> int:
    """Parse ``argv``, convert, verify, write. Returns the exit status.

    Args:
        convert: ``convert(checkpoint, prefix=, num_heads=, fill_missing=)
            -> (state_dict, report)``.
        description: the script's ``--help`` description.
        script: the script path relative to the project (stored in meta).
        argv: arguments (default: ``sys.argv[1:]``).
    """
    args = _parse_args(description, argv)
    prefix = TARGET_PREFIXES[args.target]
    try:
        ckpt = load_source_checkpoint(args.src, args.trust_source)
        state_dict, report = convert(
            ckpt,
            prefix=prefix,
            num_heads=args.num_heads,
            fill_missing=args.fill_missing)
    except (OSError, RuntimeError, ValueError, TypeError) as e:
        print(f'error: {e}\nnothing written', file=sys.stderr)
        return 1
    print(report.summary(max_items=10**6 if args.verbose else 20))

    if args.strict and report.missing:
        print(f'error: --strict and {len(report.missing)} keys are missing'
              '\nnothing written', file=sys.stderr)
        return 1
    if report.strict_loadable:
        # the final proof: our HiViT accepts the result strictly
        bare = {k[len(prefix):]: v for k, v in state_dict.items()}
        HiViT(**report.hivit_kwargs).load_state_dict(bare, strict=True)
        print(f'verified: loads strictly into HiViT(**'
              f'{report.hivit_kwargs})')

    checkpoint = dict(
        meta=dict(
            source=osp.basename(args.src),
            source_layout=report.source_layout,
            converted_by=script,
            target=args.target,
            prefix=prefix,
            qpt_version=__version__,
            time=datetime.now(timezone.utc).isoformat(timespec='seconds'),
            conversion=report.to_dict()),
        state_dict=state_dict)
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    atomic_write_bytes(buffer.getvalue(), args.dst)
    print(f'wrote {os.fspath(args.dst)} ({len(state_dict)} tensors, '
          f'target {args.target})')
    return 0
