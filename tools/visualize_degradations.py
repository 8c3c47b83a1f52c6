"""Show every degradation type across its parameter range on your photo.

    python tools/visualize_degradations.py photo.jpg \
        [--config configs/_base_/datasets/degradations.py] [--out grid.png] \
        [--tile-size 224]

Each single degradation configured in the file (every top-level dict whose
``type`` builds a :class:`BaseDegradation`: blur, sharpen, noise, CST,
jitter, resize, JPEG; compositions are skipped) becomes one row: the
untouched tile, then ``apply(tile, params)`` at the minimum, middle and
maximum of each main parameter of its configured ranges (see
:mod:`qpt.visualization.degradation_grid`), each cell captioned with its
parameters. The tile is the centre ``--tile-size`` crop of the photo at its
own resolution, like the pretraining crops (a smaller photo is first
resized to that short side). The PNG is written atomically.
"""
import argparse
import os.path as osp
import sys
import warnings

import cv2
import numpy as np

PROJECT_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULT_CONFIG = osp.join(PROJECT_ROOT, 'configs', '_base_', 'datasets',
                          'degradations.py')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Grid of every degradation type over its parameter '
        'range on one photo')
    parser.add_argument('image', help='the photo')
    parser.add_argument(
        '--config',
        default=DEFAULT_CONFIG,
        help='degradation config (default: '
        'configs/_base_/datasets/degradations.py)')
    parser.add_argument(
        '--out', default='degradations_grid.png', help='output PNG')
    parser.add_argument(
        '--tile-size',
        type=int,
        default=224,
        help='side of the centre crop shown in every cell (default 224)')
    return parser.parse_args(argv)


def center_tile(img: np.ndarray, size: int) -> np.ndarray:
    """Centre ``size`` x ``size`` crop of (H, W, 3); a smaller image is
    first resized so that its short side is ``size``."""
    h, w = img.shape[:2]
    if min(h, w) < size:
        scale = size / min(h, w)
        img = cv2.resize(img, (max(size, round(w * scale)),
                               max(size, round(h * scale))),
                         interpolation=cv2.INTER_CUBIC)
        h, w = img.shape[:2]
    y, x = (h - size) // 2, (w - size) // 2
    return np.ascontiguousarray(img[y:y + size, x:x + size])


def build_degradations(config_path: str) -> list:
    """The single degradations of a config file, in file order."""
    from mmengine.config import Config

    from qpt.datasets.transforms.degradations import BaseDegradation
    from qpt.registry import TRANSFORMS
    from qpt.utils import register_all_modules

    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(config_path)
    found = []
    for name, value in cfg.items():
        if not isinstance(value, dict) or 'type' not in value:
            continue
        try:
            cls = TRANSFORMS.get(value['type'])
        except Exception:  # noqa: BLE001 (not ours: skipped)
            cls = None
        if isinstance(cls, type) and issubclass(cls, BaseDegradation):
            found.append(TRANSFORMS.build(value))
    return found


def main(argv=None) -> int:
    args = parse_args(argv)
    warnings.filterwarnings(
        'ignore', message='Fail to import ``MultiScaleDeformableAttention``')
    from qpt.datasets.image_io import ImageLoadError, read_image_rgb
    from qpt.visualization.degradation_grid import degradation_grid
    from qpt.visualization.reconstruction import save_png

    try:
        img = read_image_rgb(args.image)
    except (ImageLoadError, OSError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    transforms = build_degradations(args.config)
    if not transforms:
        print(f'error: {args.config} configures no single degradation',
              file=sys.stderr)
        return 1
    grid = degradation_grid(center_tile(img, args.tile_size), transforms)
    save_png(grid, args.out)
    names = ', '.join(type(t).__name__ for t in transforms)
    print(f'wrote {args.out} ({grid.shape[1]}x{grid.shape[0]}): {names}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
