"""Held-out reconstruction loss of a MIM pretraining model, as a metric."""
from typing import Dict, List, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from qpt.registry import METRICS

__all__ = ['ReconstructionMetric', 'ReconstructionLoss']


@METRICS.register_module(name=['ReconstructionMetric', 'ReconstructionLoss'])
class ReconstructionMetric(BaseMetric):
    """Mean of the per-image ``recon_loss`` that ``QPTV2.predict`` stores.

    Masks are deterministic per image in ``predict``, so the number is
    comparable between checkpoints. Reports ``recon_loss`` (the mean over
    all samples) and ``num_samples``, under the prefix ``mim/``; results of
    all processes are gathered first. Registered under its old name
    ``ReconstructionLoss`` too, for configs written before the rename.
    """

    default_prefix = 'mim'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Store each sample's ``recon_loss`` (a scalar)."""
        for sample in data_samples:
            self.results.append(float(sample['recon_loss']))

    def compute_metrics(self, results: List[float]) -> Dict[str, float]:
        return dict(
            recon_loss=float(np.mean(results)), num_samples=len(results))


#: the name of the class before it was called a metric (old imports).
ReconstructionLoss = ReconstructionMetric
