"""The demo's photos: scikit-image's bundled images (CC0, nothing downloaded).

One list says which photo plays which role in the README's demo chain, so
that the photos the chain reports on are never seen by any training stage:

- :data:`TRAIN_PHOTOS`: pretraining (``tools/data/make_demo_images.py``,
  ``pretrain/train``) and the train/val references of the synthetic IQA set
  (``tools/data/make_synthetic_iqa.py --source skimage``);
- :data:`HELDOUT_PHOTOS`: the pretraining held-out set (``pretrain/val``,
  reconstruction loss and pictures), the test references of every split of
  the synthetic IQA set, and the distortion ladders the demo is scored on
  (``tools/analysis/score_ladders.py``). No stage trains on them.

Every photo is at least 300 px a side. Near-duplicates across the two roles
are avoided (the right view of the stereo motorcycle pair is not used) and
photos that are already degraded (``clock_motion``) are left out.
"""
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np

__all__ = ['TRAIN_PHOTOS', 'HELDOUT_PHOTOS', 'load_demo_photos', 'as_rgb']

TRAIN_PHOTOS: Tuple[str, ...] = (
    'astronaut', 'camera', 'coins', 'moon', 'hubble_deep_field', 'retina',
    'immunohistochemistry', 'motorcycle', 'brick', 'grass', 'gravel')
HELDOUT_PHOTOS: Tuple[str, ...] = ('chelsea', 'coffee', 'rocket')


def _loaders() -> Dict[str, Callable[[], np.ndarray]]:
    from skimage import data
    loaders = {name: getattr(data, name)
               for name in TRAIN_PHOTOS + HELDOUT_PHOTOS
               if name != 'motorcycle'}
    loaders['motorcycle'] = lambda: data.stereo_motorcycle()[0]
    return loaders


def as_rgb(img: np.ndarray) -> np.ndarray:
    """Grey (H, W), grey+alpha or RGBA uint8 -> (H, W, 3) uint8 RGB."""
    img = np.asarray(img)
    if img.dtype != np.uint8:
        raise ValueError(f'expected uint8 pixels, got {img.dtype}')
    if img.ndim == 2:
        return np.repeat(img[..., None], 3, axis=2)
    if img.shape[2] == 2:
        return np.repeat(img[..., :1], 3, axis=2)
    return np.ascontiguousarray(img[..., :3])


def load_demo_photos(names: Sequence[str]) -> List[Tuple[str, np.ndarray]]:
    """``(name, (H, W, 3) uint8 RGB)`` of the named demo photos, in order.

    Raises:
        KeyError: a name that is not a demo photo.
    """
    loaders = _loaders()
    unknown = [n for n in names if n not in loaders]
    if unknown:
        raise KeyError(f'not demo photos: {unknown}; known: '
                       f'{sorted(loaders)}')
    return [(name, as_rgb(loaders[name]())) for name in names]
