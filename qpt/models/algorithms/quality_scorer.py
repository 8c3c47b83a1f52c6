"""Image (and video) quality / aesthetics scorer: encoder -> mean -> MLP."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmpretrain.models.classifiers import BaseClassifier
from mmpretrain.structures import DataSample

from qpt.datasets.quality.score_scale import denormalise_score
from qpt.registry import MODELS


def _sample_tensor(samples: Sequence[DataSample], key: str,
                   device: torch.device) -> Optional[torch.Tensor]:
    if not samples or key not in samples[0]:
        return None
    return torch.stack([
        torch.as_tensor(s.get(key), dtype=torch.float32) for s in samples
    ]).to(device)


@MODELS.register_module()
class QualityScorer(BaseClassifier):
    """Scores images (B, 3, H, W), averaged test crops (B, K, 3, H, W) or,
    with a 3-D backbone, clips (B, 3, T, H, W) / (B, K, 3, T, H, W).

    The backbone's last output map is averaged over all positions (after its
    final LayerNorm) and the head regresses a score normalised to [0, 1]
    with higher = better. ``predict`` maps it back to the scale of
    :attr:`dataset_meta` (``score_range``, ``lower_better``; DMOS stays
    DMOS), so reported scores are comparable with the labels. The model
    holds no scale of its own: the dataset states it, ``DatasetMetaHook``
    hands it over in runs, :func:`qpt.apis.init_model` from the checkpoint's
    ``meta['dataset_meta']``.

    Args:
        backbone: encoder config (HiViT by default).
        head: ``QualityRegressionHead`` config.
        video: inputs are clips (channel dim before time).
        data_preprocessor: defaults to ``QualityDataPreprocessor``.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 video: bool = False,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg=None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='QualityDataPreprocessor')
        if isinstance(data_preprocessor, dict):
            data_preprocessor.setdefault('video', video)
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.head = MODELS.build(head)
        self.video = video
        self._dataset_meta: Optional[dict] = None

    # ------------------------------------------------------------- scaling
    @property
    def dataset_meta(self) -> Optional[dict]:
        """The ``metainfo`` of the dataset the scores are reported for
        (``score_range``, ``lower_better``, ...), or None: predictions then
        stay normalised (range (0, 1), higher = better)."""
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, meta: Optional[dict]) -> None:
        if meta is not None:
            if meta.get('score_range') is None:
                raise ValueError('dataset_meta has no score_range: '
                                 f'{sorted(meta)}')
            lo, hi = meta['score_range']
            if not hi > lo:
                raise ValueError('dataset_meta.score_range must be (lo, hi) '
                                 f'with hi > lo, got {meta["score_range"]}')
            meta = dict(meta)
        self._dataset_meta = meta

    @property
    def score_range(self) -> Tuple[float, float]:
        """(lo, hi) of :attr:`dataset_meta`, (0, 1) without one."""
        if self._dataset_meta is None:
            return 0., 1.
        lo, hi = self._dataset_meta['score_range']
        return float(lo), float(hi)

    @property
    def lower_better(self) -> bool:
        """:attr:`dataset_meta`'s direction (True: DMOS-like)."""
        return bool((self._dataset_meta or {}).get('lower_better', False))

    def to_dataset_scale(self, score: torch.Tensor) -> torch.Tensor:
        """Normalised (higher = better) -> :attr:`dataset_meta`'s scale."""
        return denormalise_score(score, self.score_range, self.lower_better)

    # ------------------------------------------------------------ forward
    def extract_feat(self, inputs: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) or (N, 3, T, H, W) -> (N, C): the mean over all
        positions of the backbone's last output."""
        feat = self.backbone(inputs)[-1]
        return feat.flatten(2).mean(-1)

    def _raw(self, inputs: torch.Tensor) -> torch.Tensor:
        """Head output per sample, averaged over test crops/clips:
        (B,) or (B, num_bins)."""
        single = 5 if self.video else 4
        if inputs.dim() == single:
            return self.head(self.extract_feat(inputs))
        if inputs.dim() != single + 1:
            raise ValueError(f'unexpected input shape {tuple(inputs.shape)}')
        B, K = inputs.shape[:2]
        raw = self.head(self.extract_feat(inputs.flatten(0, 1)))
        return raw.view(B, K, *raw.shape[1:]).mean(1)

    def loss(self, inputs: torch.Tensor,
             data_samples: List[DataSample]) -> Dict[str, torch.Tensor]:
        target = _sample_tensor(data_samples, 'gt_score_norm', inputs.device)
        if target is None:
            raise KeyError('training samples need `gt_score_norm` (the '
                           'dataset score normalised to [0, 1])')
        hist = _sample_tensor(data_samples, 'gt_hist', inputs.device)
        return self.head.loss(self._raw(inputs), target, hist)

    def predict(self, inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None
                ) -> List[DataSample]:
        """Adds ``pred_score`` (dataset scale) and ``pred_score_norm``
        ([0, 1]) to each data sample."""
        norm = self.head.to_score(self._raw(inputs)).float()
        scores = self.to_dataset_scale(norm)
        if data_samples is None:
            data_samples = [DataSample() for _ in range(len(scores))]
        for sample, s, n in zip(data_samples, scores, norm):
            sample.set_field(s.detach(), 'pred_score')
            sample.set_field(n.detach(), 'pred_score_norm')
        return data_samples

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        """``mode='tensor'``: the raw head output (B,) on a preprocessed
        batch — the number the released head computes; ``'loss'``:
        :meth:`loss`; ``'predict'``: :meth:`predict`.

        mmpretrain's ``BaseClassifier`` (the base of this regressor: the
        ``with_head`` / ``with_neck`` checks, ``extract_feats``) leaves
        ``forward`` to each model; this is ``ImageClassifier``'s dispatch,
        except that ``'tensor'`` averages the head outputs of test crops.
        """
        if mode == 'tensor':
            return self._raw(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}".')
