"""Show what a QPT V2 pretraining model reconstructs from your photos.

    python tools/visualize_reconstruction.py CONFIG CHECKPOINT photo1.jpg \
        [photo2.png ...] [--out-dir vis_reconstruction] [--seed 0] \
        [--pipeline train|val] [--device cpu]

For each image one PNG ``{out-dir}/{name}_reconstruction.png`` (written
atomically) with four labelled columns: the degraded encoder input, the
mask (white = masked units), the reconstruction (predicted pixels on masked
units, the input on visible ones) and the clean target. The image goes
through the config's ``train`` pipeline by default (crop and degradation,
drawn from ``--seed`` so the picture is reproducible; ``val`` uses the
validation pipeline, usually without degradation); the mask is the model's
deterministic evaluation mask. The checkpoint is loaded strictly (every key
and shape of the QPTV2 model).
"""
import argparse
import os.path as osp
import random
import sys
import warnings
from typing import Callable, List

import numpy as np
import torch

COLUMNS = ('degraded', 'mask', 'reconstruction', 'target')
LABELS = ('degraded input', 'mask', 'reconstruction', 'clean target')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Draw MIM reconstructions of a QPT V2 pretraining model')
    parser.add_argument('config', help='pretraining config file')
    parser.add_argument('checkpoint', help='pretraining checkpoint')
    parser.add_argument('images', nargs='+', metavar='IMAGE', help='photos')
    parser.add_argument(
        '--out-dir',
        default='vis_reconstruction',
        help='output folder (default: vis_reconstruction)')
    parser.add_argument(
        '--seed',
        type=int,
        default=0,
        help='seed of the crop and the degradation, reset per image')
    parser.add_argument(
        '--pipeline',
        choices=['train', 'val'],
        default='train',
        help='which dataloader pipeline prepares the image (default: train, '
        'with degradation)')
    parser.add_argument('--device', default='cpu', help='torch device')
    return parser.parse_args(argv)


def build_pipeline(cfg, which: str) -> Callable[[dict], dict]:
    """The ``{which}_dataloader.dataset.pipeline`` of a config."""
    from mmengine.dataset import Compose
    from mmengine.registry import DefaultScope

    try:
        pipeline = cfg[f'{which}_dataloader']['dataset']['pipeline']
    except (KeyError, TypeError):
        raise ValueError(f'the config has no {which}_dataloader.dataset.'
                         'pipeline') from None
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope',
                                                      'qpt')):
        return Compose(list(pipeline))


def load_model(cfg, checkpoint: str, device: str) -> torch.nn.Module:
    """Build ``cfg.model`` (a QPTV2) and load a checkpoint strictly."""
    from mmengine.registry import DefaultScope

    from qpt.apis.checkpoint_loading import (extract_state_dict,
                                             read_checkpoint)
    from qpt.models.converters import check_state_dict
    from qpt.registry import MODELS
    from qpt.utils import register_all_modules

    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope',
                                                      'qpt')):
        model = MODELS.build(cfg.model)
    if not hasattr(model, 'reconstruct'):
        raise ValueError(f'{type(model).__name__} has no reconstruct(): '
                         'this tool needs a QPT V2 pretraining config')
    state_dict = extract_state_dict(read_checkpoint(checkpoint), checkpoint)
    check_state_dict(model, state_dict, source=checkpoint)
    model.load_state_dict(state_dict, strict=True)
    return model.to(device).eval()


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@torch.no_grad()
def reconstruction_picture(model: torch.nn.Module, pipeline: Callable,
                           path: str, seed: int) -> np.ndarray:
    """The labelled 4-column picture of one image.

    Returns:
        (LABEL_HEIGHT + h, 4 * w, 3) uint8 RGB for an h x w model input.
    """
    from mmengine.dataset import default_collate

    from qpt.visualization.reconstruction import (label_columns,
                                                  reconstruction_grid)

    seed_everything(seed)
    sample = pipeline(dict(img_path=path))
    if sample is None:
        raise ValueError(f'{path}: the pipeline dropped the image (smaller '
                         'than the crop?)')
    data = model.data_preprocessor(default_collate([sample]), False)
    images = dict(model.reconstruct(data['inputs'], data['data_samples']))
    images['degraded'] = model.split_views(data['inputs'])[0]
    grid = reconstruction_grid(images, model.data_preprocessor.mean,
                               model.data_preprocessor.std, COLUMNS)
    return label_columns(grid, LABELS)


def output_paths(images: List[str], out_dir: str) -> List[str]:
    """``{out_dir}/{stem}_reconstruction.png``, numbered on name clashes."""
    used, paths = set(), []
    for i, image in enumerate(images):
        stem = osp.splitext(osp.basename(image))[0]
        name = f'{stem}_reconstruction.png'
        if name in used:
            name = f'{stem}_{i}_reconstruction.png'
        used.add(name)
        paths.append(osp.join(out_dir, name))
    return paths


def main(argv=None) -> int:
    args = parse_args(argv)
    warnings.filterwarnings(
        'ignore', message='Fail to import ``MultiScaleDeformableAttention``')
    from mmengine.config import Config

    from qpt.visualization.reconstruction import save_png

    cfg = Config.fromfile(args.config)
    try:
        model = load_model(cfg, args.checkpoint, args.device)
        pipeline = build_pipeline(cfg, args.pipeline)
    except Exception as e:  # noqa: BLE001 (fatal, reported plainly)
        print(f'error: {e}', file=sys.stderr)
        return 1
    failed = 0
    for image, out in zip(args.images, output_paths(args.images,
                                                    args.out_dir)):
        try:
            picture = reconstruction_picture(model, pipeline, image,
                                             args.seed)
        except Exception as e:  # noqa: BLE001 (one image fails, not all)
            print(f'{image}: error: {e}', file=sys.stderr)
            failed += 1
            continue
        save_png(picture, out)
        print(f'{image} -> {out}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
