"""Spatial sampling of video frames: FAST-VQA fragments, or a resize.

:class:`FragmentSample` builds the FAST-VQA "fragments" layout that the
released QPT V2 video models expect (see the project reference, section 3):
each frame is cut into a ``fragments_h x fragments_w`` grid (7 x 7) and one
``fsize_h x fsize_w`` patch (32 x 32) is taken from every cell **at native
resolution** (no resizing), then the patches are spliced, in grid order,
into a 224 x 224 frame. Quality artefacts (blockiness, blur, noise) keep
their native scale while the whole frame stays covered. The alternative,
:class:`VideoResize`, resizes whole frames. The packers
(:mod:`.formatting`) turn the result into the model input.
"""
import math
from typing import Tuple

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from qpt.registry import TRANSFORMS
from ..video_io import as_frame_array
from .transform_repr import transform_repr

__all__ = ['FragmentSample', 'VideoResize']


@TRANSFORMS.register_module()
class FragmentSample(BaseTransform):
    """Sample FAST-VQA grid fragments from every frame of each clip.

    Geometry, for a frame of ``H x W`` pixels:

    - cell ``(i, j)`` covers rows ``[floor(i * H / fh), floor((i + 1) * H /
      fh))`` and columns likewise (``fh = fragments_h``, ``fw =
      fragments_w``);
    - one patch of ``fsize_h x fsize_w`` pixels is cut from each cell at its
      native resolution and placed at output block ``(i, j)``; the output
      frame is ``(fh * fsize_h, fw * fsize_w)`` (224 x 224 by default);
    - **the same patch positions are used in every frame of a clip** (the
      patches form temporally consistent tubes; clips are ``clip_len``
      consecutive entries of ``imgs`` when ``clip_len`` is in the results,
      otherwise all frames are one clip); each clip draws its own
      positions;
    - training (``test_mode=False``): each patch sits at a uniformly random
      offset inside its cell, drawn independently per cell and per clip
      (``np.random``, seeded per worker by MMEngine);
    - test (``test_mode=True``): each patch is centred in its cell
      (integer arithmetic), so the output is deterministic.

    **Small frames.** A frame lower than ``fh * fsize_h`` or narrower than
    ``fw * fsize_w`` pixels is first upscaled, bilinearly and keeping its
    aspect ratio, by ``s = max(fh * fsize_h / H, fw * fsize_w / W)`` (sizes
    rounded up), so that every cell is at least one patch in both
    directions (FAST-VQA does the same). Such patches are no longer native
    resolution; ``fragment_scale`` records ``s`` (1.0 when no upscaling).

    **Required Keys:**

    - imgs: (T, H, W, 3) uint8 array or a list of (H, W, 3) frames.
    - clip_len (optional): frames per clip.

    **Modified Keys:**

    - imgs: (T, fh * fsize_h, fw * fsize_w, 3) uint8.
    - img_shape: ``(fh * fsize_h, fw * fsize_w)``.

    **Added Keys:**

    - fragment_positions (np.ndarray): int64, ``(num_clips, fh, fw, 2)``,
      the ``(y, x)`` top-left corner of every patch in the (upscaled) frame.
    - fragment_scale (float): the upscaling factor ``s``.

    Args:
        fragments_h (int): grid rows. Defaults to 7.
        fragments_w (int): grid columns. Defaults to 7.
        fsize_h (int): patch height. Defaults to 32.
        fsize_w (int): patch width. Defaults to 32.
        test_mode (bool): centred instead of random patches. Defaults to
            False.
    """

    def __init__(self,
                 fragments_h: int = 7,
                 fragments_w: int = 7,
                 fsize_h: int = 32,
                 fsize_w: int = 32,
                 test_mode: bool = False):
        if min(fragments_h, fragments_w, fsize_h, fsize_w) < 1:
            raise ValueError('grid and patch sizes must be positive')
        self.fragments_h, self.fragments_w = int(fragments_h), int(fragments_w)
        self.fsize_h, self.fsize_w = int(fsize_h), int(fsize_w)
        self.test_mode = bool(test_mode)

    @property
    def out_shape(self) -> Tuple[int, int]:
        """``(H, W)`` of the spliced frame."""
        return (self.fragments_h * self.fsize_h,
                self.fragments_w * self.fsize_w)

    def upscale_factor(self, height: int, width: int) -> float:
        """``s`` for a frame of this size (1.0 when big enough)."""
        out_h, out_w = self.out_shape
        return max(1.0, out_h / height, out_w / width)

    @staticmethod
    def _cells(length: int, num: int) -> Tuple[np.ndarray, np.ndarray]:
        """Start and length of ``num`` cells tiling ``length`` pixels."""
        edges = (np.arange(num + 1, dtype=np.int64) * length) // num
        return edges[:-1], np.diff(edges)

    def _slack(self, height: int, width: int):
        ys, hs = self._cells(height, self.fragments_h)
        xs, ws = self._cells(width, self.fragments_w)
        return ys, hs - self.fsize_h, xs, ws - self.fsize_w

    @cache_randomness
    def _random_offsets(self, num_clips: int, slack_h: np.ndarray,
                        slack_w: np.ndarray):
        fh, fw = self.fragments_h, self.fragments_w
        oy = np.random.randint(0, slack_h[None, :, None] + 1,
                               size=(num_clips, fh, fw))
        ox = np.random.randint(0, slack_w[None, None, :] + 1,
                               size=(num_clips, fh, fw))
        return oy, ox

    def positions(self, height: int, width: int,
                  num_clips: int = 1) -> np.ndarray:
        """Patch corners for frames of ``height x width`` (already upscaled).

        Returns:
            int64 array ``(num_clips, fragments_h, fragments_w, 2)`` of
            ``(y, x)`` top-left corners.
        """
        ys, slack_h, xs, slack_w = self._slack(height, width)
        if slack_h.min() < 0 or slack_w.min() < 0:
            raise ValueError(f'a {height}x{width} frame has cells smaller '
                             f'than {self.fsize_h}x{self.fsize_w}')
        fh, fw = self.fragments_h, self.fragments_w
        if self.test_mode:
            oy = np.broadcast_to((slack_h // 2)[None, :, None],
                                 (num_clips, fh, fw))
            ox = np.broadcast_to((slack_w // 2)[None, None, :],
                                 (num_clips, fh, fw))
        else:
            oy, ox = self._random_offsets(num_clips, slack_h, slack_w)
        pos = np.empty((num_clips, fh, fw, 2), dtype=np.int64)
        pos[..., 0] = ys[None, :, None] + oy
        pos[..., 1] = xs[None, None, :] + ox
        return pos

    def transform(self, results: dict) -> dict:
        imgs = as_frame_array(results['imgs'])
        num_frames, height, width = imgs.shape[:3]
        scale = self.upscale_factor(height, width)
        if scale > 1.0:
            new_w = max(math.ceil(width * scale), self.out_shape[1])
            new_h = max(math.ceil(height * scale), self.out_shape[0])
            imgs = np.stack([
                mmcv.imresize(img, (new_w, new_h), interpolation='bilinear')
                for img in imgs
            ])
            height, width = new_h, new_w
        clip_len = int(results.get('clip_len', num_frames) or num_frames)
        if num_frames % clip_len:
            raise ValueError(f'{num_frames} frames do not split into clips '
                             f'of {clip_len}')
        num_clips = num_frames // clip_len
        pos = self.positions(height, width, num_clips)
        out_h, out_w = self.out_shape
        out = np.empty((num_frames, out_h, out_w, imgs.shape[3]), imgs.dtype)
        sh, sw = self.fsize_h, self.fsize_w
        for c in range(num_clips):
            t0, t1 = c * clip_len, (c + 1) * clip_len
            for i in range(self.fragments_h):
                for j in range(self.fragments_w):
                    y, x = pos[c, i, j]
                    out[t0:t1, i * sh:(i + 1) * sh, j * sw:(j + 1) * sw] = \
                        imgs[t0:t1, y:y + sh, x:x + sw]
        results['imgs'] = out
        results['img_shape'] = (out_h, out_w)
        results['fragment_positions'] = pos
        results['fragment_scale'] = float(scale)
        return results

    def __repr__(self) -> str:
        return transform_repr(self, 'fragments_h', 'fragments_w', 'fsize_h',
                              'fsize_w', 'test_mode')


@TRANSFORMS.register_module()
class VideoResize(BaseTransform):
    """Resize every frame to a fixed size (the alternative to fragments).

    The aspect ratio is not kept: the whole frame is squeezed into
    ``scale``, which keeps the global composition but changes the scale of
    quality artefacts (the reason fragments are the default for VQA).

    **Required Keys:**

    - imgs: (T, H, W, 3) uint8 array or a list of (H, W, 3) frames.

    **Modified Keys:**

    - imgs: (T, scale[1], scale[0], 3), same dtype.
    - img_shape: ``(scale[1], scale[0])``.

    **Added Keys:**

    - scale_factor (tuple): ``(w_scale, h_scale)``.

    Args:
        scale (tuple): output ``(width, height)``, mmcv's order. Defaults to
            ``(224, 224)``.
        interpolation (str): mmcv interpolation name. Defaults to
            ``'bilinear'``.
    """

    def __init__(self,
                 scale: Tuple[int, int] = (224, 224),
                 interpolation: str = 'bilinear'):
        self.scale = (int(scale[0]), int(scale[1]))
        self.interpolation = interpolation

    def transform(self, results: dict) -> dict:
        imgs = as_frame_array(results['imgs'])
        height, width = imgs.shape[1:3]
        w, h = self.scale
        if (height, width) != (h, w):
            imgs = np.stack([
                mmcv.imresize(img, (w, h), interpolation=self.interpolation)
                for img in imgs
            ])
        results['imgs'] = imgs
        results['img_shape'] = (h, w)
        results['scale_factor'] = (w / width, h / height)
        return results

    def __repr__(self) -> str:
        return transform_repr(self, 'scale', 'interpolation')
