"""Convert a released QPT V2 image checkpoint into a qpt checkpoint.

    python tools/model_converters/qptv2_release_to_qpt.py iqa.pth \
        checkpoints/qptv2_hivit-t_iqa.pth

The released file is ``{'params': state_dict}`` with HiViT encoder keys and a
``quality_regressor.fc_cls`` head. The output is our (MMEngine) checkpoint
``{'meta': {...}, 'state_dict': {...}}`` with ``backbone.*`` and
``head.fc_cls.*`` keys, written atomically. Before writing, the converted
state dict is checked strictly (every key and shape) against a model built
from ``--config`` (default: the base image scorer config); on a mismatch
nothing is written and every missing, unexpected and mis-shaped key is
printed.
"""
import argparse
import io
import os
import os.path as osp
import sys
from datetime import datetime, timezone

import torch

from qpt.apis.checkpoint_loading import read_checkpoint
from qpt.models.converters import (StateDictMismatchError, check_state_dict,
                                   compare_state_dict, convert_qptv2_release,
                                   is_qptv2_release)
from qpt.utils import atomic_write_bytes

PROJECT_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CONFIG = osp.join(PROJECT_ROOT, 'configs', '_base_', 'models',
                          'qptv2_hivit-t_quality.py')


def _config_name(path: str) -> str:
    """The config path relative to the project, when it is inside it (no
    machine paths in the written meta)."""
    path = osp.abspath(path)
    if path.startswith(PROJECT_ROOT + os.sep):
        return osp.relpath(path, PROJECT_ROOT)
    return osp.basename(path)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert a released QPT V2 image checkpoint to qpt')
    parser.add_argument('src', help='released checkpoint ({"params": ...})')
    parser.add_argument('dst', help='output qpt checkpoint')
    parser.add_argument(
        '--config',
        default=DEFAULT_CONFIG,
        help='config of the model to verify against (default: '
        'configs/_base_/models/qptv2_hivit-t_quality.py)')
    parser.add_argument(
        '--verbose', action='store_true', help='print every mapped key')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from qpt.apis import init_model  # builds and registers on call

    ckpt = read_checkpoint(args.src)
    if not is_qptv2_release(ckpt):
        top = list(ckpt)[:5] if isinstance(ckpt, dict) else type(ckpt)
        print(f'{args.src}: not a released QPT V2 image checkpoint '
              f'(expected {{"params": {{encoder keys, quality_regressor.*}}}}'
              f', found {top})', file=sys.stderr)
        return 1
    released = ckpt['params']
    state_dict = convert_qptv2_release(released)
    if args.verbose:
        for old, new in zip(released, state_dict):
            print(f'mapped: {old} -> {new}')
    print(f'mapped {len(state_dict)} keys ('
          f'{sum(k.startswith("backbone.") for k in state_dict)} encoder, '
          f'{sum(k.startswith("head.") for k in state_dict)} head)')

    model = init_model(args.config, checkpoint=None, device='cpu')
    missing, unexpected, mismatched = compare_state_dict(model, state_dict)
    print(f'missing keys ({len(missing)}): {", ".join(missing) or "none"}')
    print(f'unexpected keys ({len(unexpected)}): '
          f'{", ".join(unexpected) or "none"}')
    print(f'mis-shaped keys ({len(mismatched)}): ' + (', '.join(
        f'{k} model {list(a)} checkpoint {list(b)}'
        for k, a, b in mismatched) or 'none'))
    try:
        check_state_dict(model, state_dict, source=args.src)
    except StateDictMismatchError as e:
        print(f'error: {e}\nnothing written', file=sys.stderr)
        return 1
    model.load_state_dict(state_dict, strict=True)  # the final proof

    checkpoint = dict(
        meta=dict(
            source=osp.basename(args.src),
            converted_by='tools/model_converters/qptv2_release_to_qpt.py',
            config=_config_name(args.config),
            time=datetime.now(timezone.utc).isoformat(timespec='seconds')),
        state_dict={k: v.contiguous()
                    for k, v in state_dict.items()})
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    atomic_write_bytes(buffer.getvalue(), args.dst)
    print(f'wrote {os.fspath(args.dst)} ({len(state_dict)} tensors)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
