"""Packing of several test clips per video into one (K, C, T, H, W) input.

:class:`PackVideoInputs` packs all sampled frames as one clip
(C, K*T, H, W). Deterministic multi-clip testing (``SampleFrames(num_clips=K,
test_mode=True)``) instead needs the clips side by side, so that the scorer
runs the network on each clip of ``T`` frames and averages the K scores
(``QualityScorer`` takes (B, K, 3, T, H, W) batches).
"""
from qpt.registry import TRANSFORMS
from .fragments import PackVideoInputs

__all__ = ['PackVideoClips']


@TRANSFORMS.register_module()
class PackVideoClips(PackVideoInputs):
    """Pack the clips of a video as a (K, C, T, H, W) input.

    Same as :class:`PackVideoInputs` (data sample, score and meta keys),
    except that the frames, ``num_clips`` clips of ``clip_len`` frames one
    after another (what ``SampleFrames`` produces), are split into a leading
    clip dimension. One clip gives (1, C, T, H, W).

    **Required Keys:**

    - ``input_key`` (``imgs``): (K*T, H, W, C) array or a list of frames.
    - clip_len (optional): T; all frames are one clip without it.
    - num_clips (optional): K; ``len(imgs) // clip_len`` without it.
    - ``*algorithm_keys``, ``*meta_keys``

    **Deleted Keys:**

    All other keys in the dict.

    **Added Keys:**

    - inputs (:obj:`torch.Tensor`): (K, C, T, H, W), the dtype of ``imgs``
      (uint8 after decoding).
    - data_samples (:obj:`~mmpretrain.structures.DataSample`): as
      :class:`PackVideoInputs`.

    Args:
        input_key (str): the key of the frames. Defaults to ``'imgs'``.
        algorithm_keys (Sequence[str]): more keys to set as data fields.
            Defaults to an empty tuple.
        meta_keys (Sequence[str]): keys to set as meta information.
            Defaults to :attr:`PackVideoInputs.DEFAULT_META_KEYS`.
    """

    def transform(self, results: dict) -> dict:
        packed = super().transform(results)
        if 'inputs' not in packed:
            return packed
        video = packed['inputs']  # (C, K*T, H, W)
        total = video.shape[1]
        clip_len = int(results.get('clip_len') or total)
        num_clips = int(results.get('num_clips') or total // clip_len)
        if num_clips * clip_len != total:
            raise ValueError(f'{total} frames are not {num_clips} clips of '
                             f'{clip_len}')
        C, _, H, W = video.shape
        packed['inputs'] = video.reshape(C, num_clips, clip_len, H,
                                         W).transpose(0, 1).contiguous()
        return packed
