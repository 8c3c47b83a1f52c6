"""Build a small synthetic-distortion IQA set from a folder of photos.

Examples::

    # scikit-image's bundled photos (CC0, nothing downloaded), all types
    python tools/data/make_synthetic_iqa.py --source skimage OUT_DIR

    # the CPU demo (configs/qptv2/iqa_hivit-t_demo.py): noise only
    python tools/data/make_synthetic_iqa.py --source skimage --types noise \
        data/demo/iqa

    # any folder of photos, two of the types
    python tools/data/make_synthetic_iqa.py --source path/to/photos \
        --types blur,jpeg OUT_DIR

Every photo (a *reference*) is resized so that its short side is ``--size``
pixels, then degraded by each distortion type at 5 known levels:

=========  ==========================================================
type       levels 1 .. 5 (mild -> strong)
=========  ==========================================================
blur       Gaussian blur, sigma 0.6, 1.2, 2.0, 3.2, 5.0 px
jpeg       JPEG quality 60, 30, 15, 8, 4 (stored as PNG after decoding)
noise      additive Gaussian noise, sigma 4, 9, 16, 28, 45 (0..255)
contrast   blend with the mean grey level, contrast 0.8 .. 0.18
resize     down-scale by 0.7 .. 0.18 (area), back up (bicubic)
=========  ==========================================================

The label is the severity: ``mos = 6 - level`` on a 1-5 scale, higher is
better (level 1 -> MOS 5, level 5 -> MOS 1). The pristine photos are not in
the label file (their "MOS" would fall outside the 1-5 scale). Noise is
seeded by ``--seed`` and the image name, so the set is reproducible.

Written under OUT_DIR (each file atomically)::

    images/<ref>_<type>_<level>.png   the distorted images
    labels.csv                        pyiqa-style meta CSV:
                                      img_name, mos, ref, dist_type, level
    splits.json                       --num-splits random splits BY
                                      REFERENCE (test / val / train), from
                                      ``qpt.datasets.quality.splits``

Read it with ``QualityDataset(ann_file='labels.csv', label_format='pyiqa',
data_prefix=dict(img_path='images'), score_range=(1, 5),
split_file='splits.json')`` (see ``configs/qptv2/iqa_hivit-t_demo.py``).
A rerun overwrites the images it makes and rewrites the label and split
files; images of an earlier run that the new label file does not name are
left in place, unused.
"""
import argparse
import csv
import io
import os.path as osp
import sys
import zlib
from typing import Callable, Dict, List, Sequence, Tuple

import cv2
import numpy as np

from qpt.datasets.image_io import read_image_folder
from qpt.datasets.demo_photos import (HELDOUT_PHOTOS, TRAIN_PHOTOS,
                                      load_demo_photos)
from qpt.evaluation.probes.ladders import DISTORTIONS as LIB_DISTORTIONS
from qpt.evaluation.probes.ladders import resize_short_side
from qpt.datasets.quality.splits import (check_split, make_random_splits,
                                         save_splits)
from qpt.utils.atomic_io import atomic_write_bytes, atomic_write_text

#: Distortion levels 1..5 of each type (mild -> strong).
LEVELS: Dict[str, Tuple[float, ...]] = {
    'blur': (0.6, 1.2, 2.0, 3.2, 5.0),  # Gaussian sigma in pixels
    'jpeg': (60, 30, 15, 8, 4),  # JPEG quality
    'noise': (4., 9., 16., 28., 45.),  # Gaussian sigma on the 0..255 scale
    'contrast': (0.8, 0.6, 0.45, 0.3, 0.18),  # kept share of the contrast
    'resize': (0.7, 0.5, 0.35, 0.25, 0.18),  # down-scale factor per side
}
NUM_LEVELS = 5

# ---------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------
def skimage_photos() -> List[Tuple[str, np.ndarray]]:
    """(name, RGB uint8) of the demo photos (:mod:`qpt.datasets.demo_photos`):
    its training photos, then its held-out ones."""
    return load_demo_photos(TRAIN_PHOTOS + HELDOUT_PHOTOS)


def folder_photos(folder: str) -> List[Tuple[str, np.ndarray]]:
    """(name, RGB uint8) of the images directly in ``folder``, sorted."""
    return read_image_folder(folder)


# Resizing and the distortion functions live in the library (the quality
# probe's ladders use the same ones): (H, W, 3) uint8 RGB -> same.
# This tool's types are the keys of LEVELS.
DISTORTIONS: Dict[str, Callable[[np.ndarray, float, np.random.Generator],
                                np.ndarray]] = {
    t: LIB_DISTORTIONS[t] for t in LEVELS
}


def distort(img: np.ndarray, dist_type: str, level: int,
            seed: int) -> np.ndarray:
    """``img`` degraded by ``dist_type`` at ``level`` (1..5)."""
    if not 1 <= level <= NUM_LEVELS:
        raise ValueError(f'level must be in 1..{NUM_LEVELS}, got {level}')
    rng = np.random.default_rng(seed)
    return DISTORTIONS[dist_type](img, LEVELS[dist_type][level - 1], rng)


def mos_of_level(level: int) -> float:
    """Severity level (1..5) -> MOS on a 1-5 scale, higher is better."""
    return float(NUM_LEVELS + 1 - level)


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------
def _png_bytes(img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode('.png', cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    if not ok:
        raise RuntimeError('PNG encoding failed')
    return buf.tobytes()


def build_set(photos: Sequence[Tuple[str, np.ndarray]],
              out_dir: str,
              size: int = 256,
              types: Sequence[str] = tuple(LEVELS),
              seed: int = 0) -> List[dict]:
    """Write the distorted images and return their label records
    (``filename``, ``mos``, ``ref``, ``dist_type``, ``level``)."""
    unknown = set(types) - set(DISTORTIONS)
    if unknown:
        raise ValueError(f'unknown distortion types {sorted(unknown)}; '
                         f'known: {sorted(DISTORTIONS)}')
    records = []
    for name, img in photos:
        ref = resize_short_side(img, size)
        for dist_type in types:
            for level in range(1, NUM_LEVELS + 1):
                filename = f'{name}_{dist_type}_{level}.png'
                # stable per-image seed (Python's hash() is salted)
                img_seed = zlib.crc32(filename.encode()) + seed * 1000003
                out = distort(ref, dist_type, level, img_seed)
                atomic_write_bytes(
                    _png_bytes(out), osp.join(out_dir, 'images', filename))
                records.append(
                    dict(filename=filename, mos=mos_of_level(level),
                         ref=name, dist_type=dist_type, level=level))
    return records


def labels_csv(records: Sequence[dict]) -> str:
    """The pyiqa-style meta CSV text of the records."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator='\n')
    writer.writerow(['img_name', 'mos', 'ref', 'dist_type', 'level'])
    for r in records:
        writer.writerow([r['filename'], f'{r["mos"]:g}', r['ref'],
                         r['dist_type'], r['level']])
    return buf.getvalue()


def splits_with_fixed_test(records: Sequence[dict],
                           test_refs: Sequence[str],
                           num_splits: int,
                           seed: int,
                           test_ratio: float,
                           val_ratio: float) -> List[dict]:
    """Random splits by reference in which the ``test_refs`` references are
    always test. With fixed test references the random draw covers only the
    other references and ``test_ratio`` applies to them too (0 gives a test
    part made of the fixed references alone)."""
    fixed = set(test_refs)
    free = [r for r in records if r['ref'] not in fixed]
    held = sorted(r['filename'] for r in records if r['ref'] in fixed)
    if not fixed:
        return make_random_splits(records, num_splits, seed, test_ratio,
                                  val_ratio, by_reference=True)
    splits = make_random_splits(free, num_splits, seed, test_ratio,
                                val_ratio, by_reference=True)
    for split in splits:
        split['test'] = sorted(split['test'] + held)
    return splits


def _type_list(text: str) -> List[str]:
    """``'noise,contrast'`` -> ``['noise', 'contrast']`` (validated)."""
    types = [t.strip() for t in text.split(',') if t.strip()]
    unknown = [t for t in types if t not in LEVELS]
    if not types or unknown:
        raise argparse.ArgumentTypeError(
            f'unknown distortion types {unknown}; choose from '
            f'{",".join(LEVELS)}')
    return list(dict.fromkeys(types))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Build a synthetic-distortion IQA set (5 levels per '
        'type, MOS = 6 - level) from a folder of photos or from '
        "scikit-image's bundled photos.")
    parser.add_argument('out_dir', help='output folder')
    parser.add_argument(
        '--source',
        default='skimage',
        help="'skimage' (scikit-image's bundled photos, CC0) or a folder "
        'of photos')
    parser.add_argument(
        '--size',
        type=int,
        default=256,
        help='short side of the references in pixels (default 256)')
    parser.add_argument(
        '--types',
        type=_type_list,
        default=list(LEVELS),
        help='comma-separated distortion types, from '
        f'{",".join(LEVELS)} (default: all)')
    parser.add_argument('--num-splits', type=int, default=10)
    parser.add_argument(
        '--test-ratio',
        type=float,
        default=None,
        help='share of the (other) references drawn into test; default 0.2, '
        'or 0 when test references are fixed (--test-refs)')
    parser.add_argument(
        '--val-ratio',
        type=float,
        default=0.15,
        help='share of the non-test references in val (checkpoint '
        'selection)')
    parser.add_argument(
        '--seed', type=int, default=0,
        help='seed of the noise and of the first split')
    parser.add_argument(
        '--test-refs',
        type=lambda text: [t.strip() for t in text.split(',') if t.strip()],
        default=None,
        help='comma-separated references put in the test part of every '
        'split (never in train or val); the random draw covers the rest. '
        "Default with --source skimage: the demo's held-out photos ("
        f'{",".join(HELDOUT_PHOTOS)}), which the pretraining demo never '
        'sees either; otherwise none')
    parser.add_argument(
        '--max-photos', type=int, default=None,
        help='use only the first N photos (sorted by name for a folder)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.size < 16:
        raise SystemExit('--size must be at least 16 pixels')
    if args.source == 'skimage':
        photos = skimage_photos()
    elif osp.isdir(args.source):
        photos = folder_photos(args.source)
    else:
        raise SystemExit(f"--source must be 'skimage' or a folder; "
                         f'{args.source} is neither')
    if args.max_photos is not None:
        photos = photos[:args.max_photos]
    if len(photos) < 3:
        raise SystemExit(f'need at least 3 photos for train / val / test, '
                         f'got {len(photos)}')
    test_refs = args.test_refs
    if test_refs is None:
        test_refs = list(HELDOUT_PHOTOS) if args.source == 'skimage' else []
    unknown = sorted(set(test_refs) - {name for name, _ in photos})
    if unknown:
        raise SystemExit(f'--test-refs names photos that are not in the '
                         f'source: {unknown}')
    records = build_set(photos, args.out_dir, args.size, args.types,
                        args.seed)
    atomic_write_text(labels_csv(records),
                      osp.join(args.out_dir, 'labels.csv'))
    test_ratio = args.test_ratio
    if test_ratio is None:
        test_ratio = 0.0 if test_refs else 0.2
    splits = splits_with_fixed_test(records, test_refs, args.num_splits,
                                    args.seed, test_ratio, args.val_ratio)
    for s in splits:
        check_split(s, records, by_reference=True)
    save_splits(
        osp.join(args.out_dir, 'splits.json'),
        splits,
        dataset='synthetic_iqa',
        protocol='random',
        fixed_test_refs=sorted(test_refs),
        by_reference=True,
        test_ratio=test_ratio,
        val_ratio=args.val_ratio,
        label_file='labels.csv')
    first = splits[0]
    print(f'{args.out_dir}: {len(records)} images from {len(photos)} '
          f'references x {len(args.types)} types x {NUM_LEVELS} levels; '
          f'{len(splits)} splits by reference (split 0: '
          f'{len(first["train"])} train / {len(first["val"])} val / '
          f'{len(first["test"])} test images)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
