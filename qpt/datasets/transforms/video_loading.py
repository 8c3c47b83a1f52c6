"""Video loading as three transforms: open, choose frames, decode.

As in mmaction2 (``DecordInit`` / ``SampleFrames`` / ``DecordDecode``) the
steps are separate, so a pipeline can change the sampling without touching
the decoding, and only the chosen frames are ever decoded. The decoding
itself (backends, frame-count rule, rotation, errors) lives in
:mod:`qpt.datasets.video_io`.

A typical VQA pipeline (FAST-VQA fragments, the QPT V2 video layout)::

    dict(type='VideoInit'),
    dict(type='SampleFrames', clip_len=32, frame_interval=2, num_clips=1),
    dict(type='VideoDecode'),
    dict(type='FragmentSample'),
    dict(type='PackVideoInputs'),
"""
from typing import List, Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from qpt.registry import TRANSFORMS
from ..video_io import VIDEO_BACKENDS, open_video
from .transform_repr import transform_repr

__all__ = ['VideoInit', 'SampleFrames', 'VideoDecode']


@TRANSFORMS.register_module()
class VideoInit(BaseTransform):
    """Open a video file and read its metadata (no frame is converted).

    **Required Keys:**

    - video_path

    **Added Keys:**

    - video_reader (:class:`~qpt.datasets.video_io.VideoReader`): an open
      reader; :class:`VideoDecode` closes and removes it.
    - total_frames (int): frames by the frame-count rule of
      :mod:`qpt.datasets.video_io` (decoded frames, not the header's count).
    - avg_fps (float): ``total_frames / duration``.
    - ori_shape (tuple): upright ``(H, W)`` of the frames.

    Args:
        backend (str): ``'auto'`` (decord where its random access is right,
            PyAV otherwise), ``'decord'`` or ``'pyav'``. Either backend
            seeks only where the once-per-file seek check of
            :func:`~qpt.datasets.video_io.check_seeking` allows it, and
            decodes forward otherwise; ``video_reader.meta.random_access``
            and ``random_access_reason`` say which. Defaults to ``'auto'``.
        num_threads (int): decoder threads; 1 suits DataLoader workers.
            Defaults to 1.
    """

    def __init__(self, backend: str = 'auto', num_threads: int = 1):
        if backend not in VIDEO_BACKENDS:
            raise ValueError(f'backend must be one of {VIDEO_BACKENDS}, '
                             f'got {backend!r}')
        self.backend = backend
        self.num_threads = num_threads

    def transform(self, results: dict) -> dict:
        reader = open_video(
            results['video_path'],
            backend=self.backend,
            num_threads=self.num_threads)
        results['video_reader'] = reader
        results['total_frames'] = reader.meta.num_frames
        results['avg_fps'] = reader.meta.avg_fps
        results['ori_shape'] = reader.meta.shape
        return results

    def __repr__(self) -> str:
        return transform_repr(self, 'backend', 'num_threads')


@TRANSFORMS.register_module()
class SampleFrames(BaseTransform):
    """Choose the frame indices of ``num_clips`` clips.

    A clip is ``clip_len`` frames taken every ``frame_interval`` frames, so
    it spans ``span = (clip_len - 1) * frame_interval + 1`` frames. The
    ``max(total_frames - span, 0) + 1`` possible starts are split into
    ``num_clips`` equal segments, one clip per segment:

    - training (``test_mode=False``): a uniformly random start inside each
      segment (``np.random``, seeded per worker by MMEngine);
    - test (``test_mode=True``): the centre of each segment, computed in
      integer arithmetic, so the same video gives the same indices on every
      run and machine (one clip: the clip centred in the video).

    Frame indexing is by frame, not by time stamp (as FAST-VQA and
    mmaction2 do): for a variable-frame-rate clip the time a clip covers
    varies.

    **Clips longer than the video** (``total_frames < span``) start at 0 and
    the indices past the end follow ``out_of_bound_opt``: ``'loop'`` (the
    default, as FAST-VQA and mmaction2: index ``i`` becomes
    ``i mod total_frames``) or ``'repeat_last'`` (pad by repeating the last
    frame).

    **Required Keys:**

    - total_frames

    **Added Keys:**

    - frame_inds (np.ndarray): int64, shape ``(num_clips * clip_len,)``,
      clip after clip, every index in ``[0, total_frames)``.
    - clip_len (int)
    - frame_interval (int)
    - num_clips (int)

    Args:
        clip_len (int): frames per clip. Defaults to 32.
        frame_interval (int): step between sampled frames. Defaults to 2.
        num_clips (int): clips per video. Defaults to 1.
        test_mode (bool): deterministic grid instead of random starts.
            Defaults to False.
        out_of_bound_opt (str): ``'loop'`` or ``'repeat_last'``. Defaults
            to ``'loop'``.
    """

    OUT_OF_BOUND_OPTS = ('loop', 'repeat_last')

    def __init__(self,
                 clip_len: int = 32,
                 frame_interval: int = 2,
                 num_clips: int = 1,
                 test_mode: bool = False,
                 out_of_bound_opt: str = 'loop'):
        if clip_len < 1 or frame_interval < 1 or num_clips < 1:
            raise ValueError('clip_len, frame_interval and num_clips must be '
                             'positive')
        if out_of_bound_opt not in self.OUT_OF_BOUND_OPTS:
            raise ValueError(f'out_of_bound_opt must be one of '
                             f'{self.OUT_OF_BOUND_OPTS}, got '
                             f'{out_of_bound_opt!r}')
        self.clip_len = int(clip_len)
        self.frame_interval = int(frame_interval)
        self.num_clips = int(num_clips)
        self.test_mode = bool(test_mode)
        self.out_of_bound_opt = out_of_bound_opt

    @property
    def span(self) -> int:
        """Frames one clip covers, first to last sampled frame included."""
        return (self.clip_len - 1) * self.frame_interval + 1

    def _test_starts(self, num_starts: int) -> List[int]:
        n = self.num_clips
        return [(num_starts * (2 * k + 1)) // (2 * n) for k in range(n)]

    @cache_randomness
    def _train_starts(self, num_starts: int) -> List[int]:
        n = self.num_clips
        starts = []
        for k in range(n):
            lo = (num_starts * k) // n
            hi = (num_starts * (k + 1)) // n  # exclusive
            starts.append(int(np.random.randint(lo, hi)) if hi > lo else
                          min(lo, num_starts - 1))
        return starts

    def sample(self, total_frames: int) -> np.ndarray:
        """Frame indices for a video of ``total_frames`` frames.

        Returns:
            int64 array of shape ``(num_clips * clip_len,)``.
        """
        if total_frames < 1:
            raise ValueError(f'total_frames must be positive, got '
                             f'{total_frames}')
        num_starts = max(total_frames - self.span, 0) + 1
        starts = (self._test_starts(num_starts) if self.test_mode else
                  self._train_starts(num_starts))
        offsets = np.arange(self.clip_len, dtype=np.int64) * \
            self.frame_interval
        inds = (np.asarray(starts, dtype=np.int64)[:, None] +
                offsets[None, :]).reshape(-1)
        if self.out_of_bound_opt == 'loop':
            inds = np.mod(inds, total_frames)
        else:
            inds = np.minimum(inds, total_frames - 1)
        return inds

    def transform(self, results: dict) -> dict:
        results['frame_inds'] = self.sample(int(results['total_frames']))
        results['clip_len'] = self.clip_len
        results['frame_interval'] = self.frame_interval
        results['num_clips'] = self.num_clips
        return results

    def __repr__(self) -> str:
        return transform_repr(self, 'clip_len', 'frame_interval',
                              'num_clips', 'test_mode', 'out_of_bound_opt')


@TRANSFORMS.register_module()
class VideoDecode(BaseTransform):
    """Decode the chosen frames, then close and drop the reader.

    **Required Keys:**

    - video_reader
    - frame_inds

    **Added Keys:**

    - imgs (np.ndarray): (T, H, W, 3) uint8 RGB, upright, in the order of
      ``frame_inds`` (T = ``len(frame_inds)``).
    - img_shape (tuple): ``(H, W)``.
    - frames_decoded (int): frames the decoder went through for this
      sample (a cost measure; only if ``record_cost``).

    **Deleted Keys:**

    - video_reader

    Args:
        record_cost (bool): add ``frames_decoded``. Defaults to False.
    """

    def __init__(self, record_cost: bool = False):
        self.record_cost = record_cost

    def transform(self, results: dict) -> Optional[dict]:
        reader = results.pop('video_reader')
        try:
            imgs = reader.get_frames(results['frame_inds'])
            cost = reader.last_frames_decoded
        finally:
            reader.close()
        results['imgs'] = imgs
        results['img_shape'] = imgs.shape[1:3]
        if self.record_cost:
            results['frames_decoded'] = cost
        return results

    def __repr__(self) -> str:
        return transform_repr(self, 'record_cost')
