"""Image loading for quality work: every photo as RGB, or a clear error."""
from typing import Optional

from mmcv.transforms import BaseTransform
from mmengine.logging import MMLogger

from qpt.registry import TRANSFORMS
from ..image_io import ImageLoadError, read_image_rgb
from .degradations.base import CHANNEL_ORDER_KEY

__all__ = ['LoadImageRGB']


@TRANSFORMS.register_module()
class LoadImageRGB(BaseTransform):
    """Read ``img_path`` as an RGB uint8 image (see ``qpt.datasets.image_io``
    for the decisions on EXIF, grayscale, alpha and 16-bit files).

    Images smaller than ``min_size`` cannot give a crop without up-scaling
    or padding, both of which change the quality that pretraining and
    scoring look at; they are skipped (``on_small='skip'``, a logged warning
    with the running count; training only, the dataset draws another image)
    or fail (``on_small='error'``). Unreadable files fail with an error
    naming the file, or are skipped the same way with ``on_error='skip'``.

    Required Keys:
        - img_path

    Added Keys:
        - img: (H, W, 3) uint8 RGB
        - img_shape: (H, W)
        - ori_shape: (H, W)
        - channel_order: ``'rgb'``, read by the colour-sensitive
          degradations (``qpt.datasets.transforms.degradations.base``);
          mmpretrain's ``LoadImageFromFile`` yields BGR and records nothing

    Args:
        min_size: minimum height and width in pixels; ``None`` for no check.
        on_small: ``'skip'`` or ``'error'``.
        on_error: ``'raise'`` or ``'skip'``.
    """

    def __init__(self,
                 min_size: Optional[int] = None,
                 on_small: str = 'error',
                 on_error: str = 'raise') -> None:
        if on_small not in ('skip', 'error'):
            raise ValueError(f"on_small must be 'skip' or 'error', "
                             f'got {on_small!r}')
        if on_error not in ('raise', 'skip'):
            raise ValueError(f"on_error must be 'raise' or 'skip', "
                             f'got {on_error!r}')
        self.min_size = min_size
        self.on_small = on_small
        self.on_error = on_error
        self.num_skipped = 0

    def _skip(self, message: str) -> None:
        self.num_skipped += 1
        MMLogger.get_current_instance().warning(
            f'{message}; skipped ({self.num_skipped} images skipped so far '
            'by this worker)')
        return None

    def transform(self, results: dict) -> Optional[dict]:
        path = results['img_path']
        try:
            img = read_image_rgb(path)
        except ImageLoadError as e:
            if self.on_error == 'skip':
                return self._skip(str(e))
            raise
        h, w = img.shape[:2]
        if self.min_size is not None and min(h, w) < self.min_size:
            message = (f'{path}: image is {w}x{h}, smaller than the '
                       f'minimum side {self.min_size}')
            if self.on_small == 'skip':
                return self._skip(message)
            raise ImageLoadError(message)
        results['img'] = img
        results['img_shape'] = (h, w)
        results['ori_shape'] = (h, w)
        results[CHANNEL_ORDER_KEY] = 'rgb'
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(min_size={self.min_size}, '
                f"on_small='{self.on_small}', on_error='{self.on_error}')")
