"""Build the demo image folders from scikit-image's bundled photos (CC0).

    python tools/data/make_demo_images.py [OUT_DIR]   (default data/demo)

Writes ``OUT_DIR/pretrain/train/*.png`` (the demo's training photos and
textures) and ``OUT_DIR/pretrain/val/*.png`` (its held-out photos, which no
stage of the demo chain trains on); the roles are listed once, in
:mod:`qpt.datasets.demo_photos`. Nothing is downloaded: only images shipped
inside the scikit-image wheel are used. Existing files are kept, so the
command is cheap to repeat; PNG files of an earlier layout that the lists no
longer name are removed, so that a held-out photo never stays behind in
``train``.
"""
import argparse
import glob
import os
import os.path as osp

import cv2
import numpy as np

from qpt.datasets.demo_photos import (HELDOUT_PHOTOS, TRAIN_PHOTOS,
                                      load_demo_photos)
from qpt.utils import atomic_write_bytes

SPLITS = {'train': TRAIN_PHOTOS, 'val': HELDOUT_PHOTOS}


def write_png(img: np.ndarray, path: str) -> None:
    """Save an RGB uint8 array as PNG, atomically."""
    ok, buf = cv2.imencode('.png', cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    if not ok:
        raise RuntimeError(f'{path}: PNG encoding failed')
    atomic_write_bytes(buf.tobytes(), path)


def make_demo_images(out_dir: str) -> int:
    """Write the demo folders; returns the number of files written."""
    written = 0
    for split, names in SPLITS.items():
        folder = osp.join(out_dir, 'pretrain', split)
        for stale in sorted(glob.glob(osp.join(folder, '*.png'))):
            if osp.splitext(osp.basename(stale))[0] not in names:
                os.remove(stale)
                print(f'removed {stale}: not a demo {split} photo')
        todo = [n for n in names
                if not osp.exists(osp.join(folder, f'{n}.png'))]
        for name, img in load_demo_photos(todo):
            write_png(img, osp.join(folder, f'{name}.png'))
            written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out_dir', nargs='?', default='data/demo')
    args = parser.parse_args()
    n = make_demo_images(args.out_dir)
    total = len(TRAIN_PHOTOS) + len(HELDOUT_PHOTOS)
    print(f'{args.out_dir}/pretrain: {n} images written, '
          f'{total - n} already present ({len(TRAIN_PHOTOS)} train, '
          f'{len(HELDOUT_PHOTOS)} held out in val)')


if __name__ == '__main__':
    main()
