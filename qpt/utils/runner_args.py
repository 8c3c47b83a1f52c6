"""The command-line options that ``tools/train.py`` and ``tools/test.py``
share: config overrides, the work dir and the launcher."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction

LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')


def add_runner_args(parser: argparse.ArgumentParser,
                    loader: str = 'train_dataloader') -> None:
    """Add ``--cfg-options``, ``--launcher`` and ``--local_rank`` (the rank
    ``torch.distributed.launch`` passes) to a tool's parser.

    Args:
        parser: the tool's parser.
        loader: the dataloader named in the ``--cfg-options`` example.
    """
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help=f'override config entries, e.g. {loader}.batch_size=8')
    parser.add_argument(
        '--launcher', choices=LAUNCHERS, default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_runner_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse ``sys.argv`` and export ``--local_rank`` as ``LOCAL_RANK``
    (unless the launcher has set it already)."""
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_runner_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply ``--launcher``, ``--cfg-options`` and the work dir to ``cfg``.

    The work dir is ``--work-dir``, else the config's ``work_dir``, else
    ``./work_dirs/<config file name>``.
    """
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg
