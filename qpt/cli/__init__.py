"""The ``qpt`` console command.

Installed as ``qpt`` (setup.py: ``entry_points={'console_scripts':
['qpt=qpt.cli:main']}``) and runnable as ``python -m qpt.cli``::

    qpt --version
    qpt score CONFIG CHECKPOINT PATH... [--device cpu] [--batch-size 16]
        [--out results.csv|results.json] [--recursive]

Each sub-command lives in its own module and provides ``add_parser`` and
``run``.
"""
import argparse
import sys
import warnings
from typing import Optional, Sequence

from qpt.version import __version__
from . import score

__all__ = ['main', 'build_parser']

#: sub-command modules, each with ``add_parser(subparsers)`` and ``run(args)``.
COMMANDS = (score, )


def build_parser() -> argparse.ArgumentParser:
    """The ``qpt`` argument parser with all sub-commands."""
    parser = argparse.ArgumentParser(
        prog='qpt',
        description='QPT V2: visual quality and aesthetics scoring')
    parser.add_argument(
        '--version', action='version', version=f'qpt {__version__}')
    subparsers = parser.add_subparsers(dest='command', metavar='COMMAND')
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``qpt`` with ``argv`` (default ``sys.argv[1:]``).

    Returns:
        The exit status (0 success, 1 some input failed or a fatal error,
        2 bad usage).
    """
    # mmcv-lite has no compiled ops; nothing here needs them
    warnings.filterwarnings(
        'ignore', message='Fail to import ``MultiScaleDeformableAttention``')
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    if not getattr(args, 'command', None):
        parser.print_help(sys.stderr)
        return 2
    return args.run(args)
