"""Held-out reconstruction loss of a MIM pretraining model."""
from typing import Dict, List, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from qpt.registry import METRICS


@METRICS.register_module()
class ReconstructionLoss(BaseMetric):
    """Mean of the per-image ``recon_loss`` that ``QPTV2.predict`` stores.

    Masks are deterministic per image in ``predict``, so the number is
    comparable between checkpoints. Reports ``recon_loss`` and
    ``num_samples``; results of all processes are gathered first.
    """

    default_prefix = 'mim'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            self.results.append(float(sample['recon_loss']))

    def compute_metrics(self, results: List[float]) -> Dict[str, float]:
        return dict(
            recon_loss=float(np.mean(results)), num_samples=len(results))
