"""Train a qpt model: ``python tools/train.py CONFIG [options]``.

One device (CPU or a GPU) by default; ``tools/dist_train.sh`` and
``tools/slurm_train.sh`` launch several processes with ``--launcher``.
"""
import argparse

import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import Runner

from qpt.evaluation.protocol import (EvalProtocol, apply_protocol,
                                   checkpoint_to_test, describe_checkpoint,
                                   resolve_protocol)
from qpt.engine.sample_schedule import (apply_sample_schedule,
                                        launcher_world_size)
from qpt.utils import (add_runner_args, destroy_process_group,
                       init_cpu_distributed, merge_runner_args,
                       parse_runner_args, register_all_modules)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a qpt model')
    parser.add_argument('config', help='config file')
    parser.add_argument('--work-dir', help='folder for logs and checkpoints')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint; without a path, from the latest '
        'checkpoint in the work dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='automatic mixed precision (CUDA only; ignored with a warning '
        'on CPU)')
    parser.add_argument(
        '--compile',
        action='store_true',
        help='torch.compile the training step through MMEngine\'s '
        '`compile` setting (cfg.compile = True; a dict in the config, e.g. '
        'compile = dict(mode=\'max-autotune\'), is kept as it is)')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by (total batch size / '
        'auto_scale_lr.base_batch_size)')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='skip validation during training (the no-selection protocol: '
        'no best checkpoint, the last one is tested; chosen as well when '
        'the validation set is empty)')
    add_runner_args(parser, 'train_dataloader')
    return parse_runner_args(parser)


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    merge_runner_args(cfg, args)
    if args.amp:
        if torch.cuda.is_available():
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        else:
            print_log('--amp needs CUDA; training in float32 on the CPU.',
                      logger='current', level=30)

    if args.compile and not cfg.get('compile'):
        cfg.compile = True

    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or \
                'base_batch_size' not in cfg.auto_scale_lr:
            raise KeyError('--auto-scale-lr needs `auto_scale_lr = dict('
                           'base_batch_size=...)` in the config')
        cfg.auto_scale_lr.enable = True

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    # a schedule stated in samples: iterations for the real world size x
    # batch size (qpt/engine/sample_schedule.py)
    apply_sample_schedule(cfg, launcher_world_size(args.launcher))

    if args.launcher != 'none' and not torch.cuda.is_available():
        init_cpu_distributed(cfg)
    return cfg


def report_checkpoint(runner: Runner, protocol: EvalProtocol) -> None:
    """Log the checkpoint to test and under which protocol."""
    if runner.rank != 0:
        return
    try:
        path, selected = checkpoint_to_test(runner.work_dir)
    except FileNotFoundError as e:
        runner.logger.warning(f'Evaluation protocol: {e}')
        return
    text, as_planned = describe_checkpoint(protocol, selected)
    runner.logger.log(20 if as_planned else 30,
                      f'Evaluation protocol: {text}; test {path}')


def main() -> None:
    args = parse_args()
    register_all_modules(init_default_scope=False)
    cfg = merge_args(Config.fromfile(args.config), args)
    # An empty validation set (make_splits.py --val-ratio 0) or
    # --no-validate: no validation loop, no best checkpoint, the last
    # checkpoint is the one to test (qpt/evaluation/protocol.py).
    protocol = resolve_protocol(cfg, no_validate=args.no_validate)
    apply_protocol(cfg, protocol)
    runner = Runner.from_cfg(cfg)
    runner.logger.info(f'Evaluation protocol: {protocol}')
    try:
        runner.train()
        report_checkpoint(runner, protocol)
    finally:
        destroy_process_group()


if __name__ == '__main__':
    main()
