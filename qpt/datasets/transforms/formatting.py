"""Packers: a pipeline's results -> ``dict(inputs, data_samples)``.

Every packer of the project is here, one per kind of input, written like
mmpretrain's ``PackInputs`` (``input_key``, ``algorithm_keys``,
``meta_keys`` with class-constant defaults, the same ``__repr__``):

- :class:`PackQualityInputs`: an image (3, H, W) or its test crops
  (K, 3, H, W);
- :class:`PackVideoInputs`: a clip (3, T, H, W);
- :class:`PackVideoClips`: the K test clips of a video (K, 3, T, H, W);
- :class:`PackTileCrops`: the crops of a pretraining tile (K, 3, H, W).

**One score shape.** Each packer copies the ``score_keys`` it finds
(``gt_score``, ``gt_score_norm``, ``gt_hist`` by default) into the data
sample as float32 tensors by one rule, :func:`to_score_tensor`: a score
of one value (``gt_score``, ``gt_score_norm``) is a 0-d tensor, shape
``()``, whatever the input kind; a vote histogram (``gt_hist``) is 1-D,
``(num_bins,)``. Batched, the scalar scores stack to ``(B,)``, the shape
of ``pred_score``.
"""
from typing import Optional, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmpretrain.structures import DataSample

from qpt.registry import TRANSFORMS
from ..video_io import as_frame_array
from .transform_repr import transform_repr

__all__ = [
    'to_score_tensor', 'BasePackInputs', 'PackQualityInputs',
    'PackVideoInputs', 'PackVideoClips', 'PackTileCrops'
]


def to_score_tensor(value) -> torch.Tensor:
    """A score as a float32 tensor: shape () for one value, (K,) for K > 1.

    Args:
        value: a number, a sequence, an array or a tensor.
    """
    score = torch.as_tensor(value, dtype=torch.float32)
    return score.reshape(()) if score.numel() == 1 else score.reshape(-1)


class BasePackInputs(BaseTransform):
    """What every packer does; subclasses define :meth:`format_input`.

    **Required Keys:**

    - ``input_key``
    - ``*score_keys``, ``*algorithm_keys``, ``*meta_keys`` (each optional)

    **Deleted Keys:**

    All other keys in the dict.

    **Added Keys:**

    - inputs (:obj:`torch.Tensor`): ``format_input(results[input_key])``
      (left out when ``input_key`` is missing).
    - data_samples (:obj:`~mmpretrain.structures.DataSample`): the scores
      as data fields (:func:`to_score_tensor`), the ``algorithm_keys`` as
      data fields as they are, the ``meta_keys`` as metainfo.

    Args:
        input_key (str, optional): the key of the input. Defaults to
            :attr:`DEFAULT_INPUT_KEY`.
        score_keys (Sequence[str], optional): keys packed as score tensors.
            Defaults to :attr:`DEFAULT_SCORE_KEYS`.
        algorithm_keys (Sequence[str]): more keys to set as data fields.
            Defaults to an empty tuple.
        meta_keys (Sequence[str], optional): keys to set as meta
            information. Defaults to :attr:`DEFAULT_META_KEYS`.
    """

    DEFAULT_INPUT_KEY = 'img'
    DEFAULT_SCORE_KEYS = ('gt_score', 'gt_score_norm', 'gt_hist')
    DEFAULT_META_KEYS: Sequence[str] = ()

    def __init__(self,
                 input_key: Optional[str] = None,
                 score_keys: Optional[Sequence[str]] = None,
                 algorithm_keys: Sequence[str] = (),
                 meta_keys: Optional[Sequence[str]] = None) -> None:
        self.input_key = input_key or self.DEFAULT_INPUT_KEY
        self.score_keys = tuple(self.DEFAULT_SCORE_KEYS if score_keys is None
                                else score_keys)
        self.algorithm_keys = tuple(algorithm_keys)
        self.meta_keys = tuple(self.DEFAULT_META_KEYS if meta_keys is None
                               else meta_keys)

    def format_input(self, value, results: dict) -> torch.Tensor:
        """``results[input_key]`` -> the model input tensor."""
        raise NotImplementedError

    def transform(self, results: dict) -> dict:
        packed = dict()
        if self.input_key in results:
            packed['inputs'] = self.format_input(results[self.input_key],
                                                 results)
        sample = DataSample()
        for key in self.score_keys:
            if key in results:
                sample.set_field(
                    to_score_tensor(results[key]), key, dtype=torch.Tensor)
        for key in self.algorithm_keys:
            if key in results:
                sample.set_field(results[key], key)
        for key in self.meta_keys:
            if key in results:
                sample.set_field(results[key], key, field_type='metainfo')
        packed['data_samples'] = sample
        return packed

    def __repr__(self) -> str:
        return transform_repr(self, 'input_key', 'score_keys',
                              'algorithm_keys', 'meta_keys')


@TRANSFORMS.register_module()
class PackQualityInputs(BasePackInputs):
    """Pack an image (or a stack of test crops) and its scores.

    mmpretrain's ``PackInputs`` treats ``gt_score`` as a multi-label score
    vector; quality scores are scalars (see the module docstring).

    **Required Keys:**

    - img: (H, W, 3) uint8, or a list / (K, H, W, 3) array of crops.

    **Added Keys:**

    - inputs (:obj:`torch.Tensor`): (3, H, W) or (K, 3, H, W) uint8.
    - data_samples: as :class:`BasePackInputs`.

    .. admonition:: Default meta keys

        - ``img_path``, ``sample_idx``: which image.
        - ``ori_shape``, ``img_shape``: its shape before and after the
          pipeline.
    """

    DEFAULT_META_KEYS = ('img_path', 'sample_idx', 'ori_shape', 'img_shape')

    def format_input(self, img, results: dict) -> torch.Tensor:
        """HWC (or K,H,W,C / a list of HWC) -> CHW (or K,C,H,W)."""
        if isinstance(img, (list, tuple)):
            img = np.stack(img)
        arr = np.ascontiguousarray(np.moveaxis(np.asarray(img), -1, -3))
        return torch.from_numpy(arr)


@TRANSFORMS.register_module()
class PackVideoInputs(BasePackInputs):
    """Pack a clip (all sampled frames as one clip).

    **Required Keys:**

    - imgs: (T, H, W, C) array or a list of (H, W, C) frames; or a
      (C, T, H, W) tensor, taken as it is.

    **Added Keys:**

    - inputs (:obj:`torch.Tensor`): (C, T, H, W), the dtype of ``imgs``
      (uint8 after decoding; normalisation belongs to the data
      preprocessor).
    - data_samples: as :class:`BasePackInputs`.

    .. admonition:: Default meta keys

        - ``sample_idx``, ``video_path``: which video.
        - ``ori_shape``, ``img_shape``: frame shapes before and after the
          spatial sampling.
        - ``total_frames``, ``avg_fps``: the video's frame count and rate.
        - ``frame_inds``, ``clip_len``, ``frame_interval``, ``num_clips``:
          the temporal sampling.
        - ``fragment_scale``: the upscaling before fragment sampling.
    """

    DEFAULT_INPUT_KEY = 'imgs'
    DEFAULT_META_KEYS = ('sample_idx', 'video_path', 'ori_shape', 'img_shape',
                         'total_frames', 'avg_fps', 'frame_inds', 'clip_len',
                         'frame_interval', 'num_clips', 'fragment_scale')

    def format_input(self, imgs, results: dict) -> torch.Tensor:
        """(T, H, W, C) frames -> (C, T, H, W) contiguous tensor."""
        if isinstance(imgs, torch.Tensor):
            if imgs.ndim != 4:
                raise ValueError('a tensor input must be (C, T, H, W), got '
                                 f'shape {tuple(imgs.shape)}')
            return imgs
        arr = np.ascontiguousarray(as_frame_array(imgs))
        return torch.from_numpy(arr).permute(3, 0, 1, 2).contiguous()


@TRANSFORMS.register_module()
class PackVideoClips(PackVideoInputs):
    """Pack the K test clips of a video side by side.

    Deterministic multi-clip testing (``SampleFrames(num_clips=K,
    test_mode=True)``) gives ``num_clips`` clips of ``clip_len`` frames one
    after another; the scorer runs the network on each clip and averages
    the K scores (``QualityScorer`` takes (B, K, 3, T, H, W) batches).
    Otherwise as :class:`PackVideoInputs` (keys, scores, meta keys).

    **Required Keys:**

    - imgs: (K*T, H, W, C) array or a list of frames.
    - clip_len (optional): T; all frames are one clip without it.
    - num_clips (optional): K; ``len(imgs) // clip_len`` without it.

    **Added Keys:**

    - inputs (:obj:`torch.Tensor`): (K, C, T, H, W), the dtype of ``imgs``;
      one clip gives (1, C, T, H, W).
    - data_samples: as :class:`PackVideoInputs`.
    """

    def format_input(self, imgs, results: dict) -> torch.Tensor:
        """(K*T, H, W, C) frames -> (K, C, T, H, W) contiguous tensor."""
        video = super().format_input(imgs, results)  # (C, K*T, H, W)
        C, total, H, W = video.shape
        clip_len = int(results.get('clip_len') or total)
        num_clips = int(results.get('num_clips') or total // clip_len)
        if num_clips * clip_len != total:
            raise ValueError(f'{total} frames are not {num_clips} clips of '
                             f'{clip_len}')
        return video.reshape(C, num_clips, clip_len, H,
                             W).transpose(0, 1).contiguous()


@TRANSFORMS.register_module()
class PackTileCrops(BasePackInputs):
    """Pack the crops of one pretraining tile for ``default_collate``.

    The collated batch is (B, K, 3, H, W) with B data samples;
    ``DegradationDataPreprocessor`` flattens it to B * K samples.

    **Required Keys:**

    - img (:obj:`torch.Tensor`): (K, 3, H, W) uint8 (``RandomTileCrops``).

    **Added Keys:**

    - inputs (:obj:`torch.Tensor`): ``img`` itself (contiguous).
    - data_samples: as :class:`BasePackInputs` (no scores in pretraining).

    .. admonition:: Default meta keys

        - ``sample_idx``, ``tile_key``, ``source``: which tile.
        - ``crop_boxes``, ``flips``: where its crops are.
        - ``degradation_params``: the degradations drawn for them.
        - ``bytes_read``: the I/O it cost.
    """

    DEFAULT_META_KEYS = ('sample_idx', 'tile_key', 'source', 'crop_boxes',
                         'flips', 'degradation_params', 'bytes_read')

    def format_input(self, img, results: dict) -> torch.Tensor:
        """Check ``img`` is (K, 3, H, W) uint8; return it contiguous."""
        if not isinstance(img, torch.Tensor) or img.dim() != 4 \
                or img.dtype != torch.uint8:
            raise TypeError(f"{type(self).__name__}: results['img'] must be "
                            'a (K, 3, H, W) uint8 tensor (RandomTileCrops)')
        return img.contiguous()
