"""Build the demo image folders from scikit-image's bundled photos (CC0).

    python tools/data/make_demo_images.py [OUT_DIR]   (default data/demo)

Writes ``OUT_DIR/pretrain/train/*.png`` (colour and grey photos and
textures) and ``OUT_DIR/pretrain/val/*.png`` (two held-out photos). Nothing
is downloaded: only images shipped inside the scikit-image wheel are used.
Existing files are kept, so the command is cheap to repeat.
"""
import argparse
import os.path as osp

import cv2
import numpy as np
from skimage import data

from qpt.utils import atomic_write_bytes

# name -> loader; all ship with scikit-image, all at least 300 px a side.
TRAIN = {
    'astronaut': data.astronaut,
    'coffee': data.coffee,
    'rocket': data.rocket,
    'retina': data.retina,
    'hubble_deep_field': data.hubble_deep_field,
    'immunohistochemistry': data.immunohistochemistry,
    'motorcycle_left': lambda: data.stereo_motorcycle()[0],
    'camera': data.camera,
    'brick': data.brick,
    'grass': data.grass,
    'gravel': data.gravel,
    'moon': data.moon,
    'coins': data.coins,
}
VAL = {
    'chelsea': data.chelsea,
    'motorcycle_right': lambda: data.stereo_motorcycle()[1],
}


def write_png(img: np.ndarray, path: str) -> None:
    """Save an RGB or grey uint8 array as PNG, atomically."""
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode('.png', img)
    if not ok:
        raise RuntimeError(f'{path}: PNG encoding failed')
    atomic_write_bytes(buf.tobytes(), path)


def make_demo_images(out_dir: str) -> int:
    """Write the demo folders; returns the number of files written."""
    written = 0
    for split, images in (('train', TRAIN), ('val', VAL)):
        for name, load in images.items():
            path = osp.join(out_dir, 'pretrain', split, f'{name}.png')
            if osp.exists(path):
                continue
            write_png(np.ascontiguousarray(load()), path)
            written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out_dir', nargs='?', default='data/demo')
    args = parser.parse_args()
    n = make_demo_images(args.out_dir)
    total = len(TRAIN) + len(VAL)
    print(f'{args.out_dir}/pretrain: {n} images written, '
          f'{total - n} already present ({len(TRAIN)} train, {len(VAL)} val)')


if __name__ == '__main__':
    main()
