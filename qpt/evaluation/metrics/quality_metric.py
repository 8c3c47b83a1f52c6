"""SRCC / PLCC / KRCC / RMSE of predicted scores against subjective scores."""
import csv
import io
import logging
import math
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from qpt.registry import METRICS
from qpt.utils.atomic_io import atomic_write_bytes, atomic_write_text
from ..functional import fit_logistic4, krcc, logistic4, plcc, srcc

__all__ = ['QualityMetric']

_PATH_KEYS = ('img_path', 'video_path', 'filename')


def _scalar(value: Any, what: str) -> float:
    """A python float from a number, a 0-d / 1-element tensor or array."""
    if hasattr(value, 'detach'):
        value = value.detach().cpu().double().numpy()
    arr = np.asarray(value, dtype=np.float64).reshape(-1)
    if arr.size != 1:
        raise ValueError(f'{what} must hold one value per sample, got shape '
                         f'{np.shape(value)}')
    return float(arr[0])


def _get(sample: Any, key: str, default: Any = None) -> Any:
    if isinstance(sample, dict):
        return sample.get(key, default)
    return getattr(sample, key, default)


@METRICS.register_module()
class QualityMetric(BaseMetric):
    """Correlation metrics for visual scoring (IQA / VQA / IAA).

    Each data sample given to :meth:`process` (a dict: MMEngine converts data
    elements with ``to_dict()``) must hold ``pred_score`` and ``gt_score``,
    both on the dataset's ORIGINAL score scale (float or a 0-d / 1-element
    tensor), and optionally ``img_path`` (or ``video_path`` / ``filename``)
    for the prediction file.

    Reported keys: ``SRCC``, ``PLCC``, ``KRCC``, ``RMSE`` and
    ``num_samples``. With ``plcc_fit='logistic4'`` the predictions are first
    mapped with the VQEG 4-parameter logistic fitted onto the subjective
    scores, and PLCC *and RMSE* are those of the mapped predictions (VQEG
    convention); SRCC and KRCC do not depend on a monotone mapping. The fit
    mode is written to the log with the results (a string cannot be a metric
    value).

    No number is reported that is not one: on fewer than 3 samples, constant
    predictions or targets, or non-finite predictions, a warning is logged
    and the correlation keys are left out (``num_samples`` stays).

    Args:
        plcc_fit: ``'none'`` or ``'logistic4'``.
        out_dir: when set (and ``save_predictions``), each evaluation writes
            ``<name>_predictions.csv`` (path, gt, pred[, pred_fitted]) and
            ``<name>_scatter.png`` (prediction vs subjective score, with the
            fitted logistic curve when used) there, atomically, overwriting
            the previous evaluation's files; ``<name>`` is the prefix with
            ``/`` replaced, or ``quality``.
        save_predictions: write the files above when ``out_dir`` is set.
        collect_device: ``'cpu'`` or ``'gpu'``, for gathering results across
            processes (MMEngine does it before :meth:`compute_metrics`).
        prefix: prefix of the metric names (``prefix/SRCC``).
        collect_dir: temporary folder for ``collect_device='cpu'``.
    """
    FIT_MODES = ('none', 'logistic4')
    MIN_SAMPLES = 3

    def __init__(self,
                 plcc_fit: str = 'none',
                 out_dir: Optional[str] = None,
                 save_predictions: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(
            collect_device=collect_device,
            prefix=prefix,
            collect_dir=collect_dir)
        if plcc_fit not in self.FIT_MODES:
            raise ValueError(f'plcc_fit must be one of {self.FIT_MODES}, '
                             f'got {plcc_fit!r}')
        self.plcc_fit = plcc_fit
        self.out_dir = out_dir
        self.save_predictions = save_predictions

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Store ``(path, gt, pred)`` of each sample of a batch."""
        for sample in data_samples:
            pred = _get(sample, 'pred_score')
            gt = _get(sample, 'gt_score')
            if pred is None or gt is None:
                raise KeyError('QualityMetric needs pred_score and gt_score '
                               'in every data sample')
            path = ''
            for key in _PATH_KEYS:
                if _get(sample, key):
                    path = str(_get(sample, key))
                    break
            self.results.append(
                dict(
                    path=path,
                    gt=_scalar(gt, 'gt_score'),
                    pred=_scalar(pred, 'pred_score')))

    # ------------------------------------------------------------------
    def _warn(self, message: str) -> None:
        print_log(
            f'QualityMetric: {message}; SRCC/PLCC/KRCC/RMSE not reported',
            logger='current',
            level=logging.WARNING)

    def _refusal(self, pred: np.ndarray, gt: np.ndarray) -> Optional[str]:
        n = pred.shape[0]
        if n < self.MIN_SAMPLES:
            return (f'only {n} samples (at least {self.MIN_SAMPLES} are '
                    'needed)')
        if not np.all(np.isfinite(pred)):
            return (f'{int(np.sum(~np.isfinite(pred)))} of {n} predictions '
                    'are not finite')
        if not np.all(np.isfinite(gt)):
            return f'{int(np.sum(~np.isfinite(gt)))} targets are not finite'
        if np.ptp(pred) == 0:
            return f'all {n} predictions are equal ({pred[0]:g})'
        if np.ptp(gt) == 0:
            return f'all {n} targets are equal ({gt[0]:g})'
        return None

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """SRCC, PLCC, KRCC, RMSE and num_samples of the gathered results."""
        pred = np.asarray([r['pred'] for r in results], dtype=np.float64)
        gt = np.asarray([r['gt'] for r in results], dtype=np.float64)
        metrics: Dict[str, float] = dict(num_samples=len(results))
        params = None
        mapped = pred
        reason = self._refusal(pred, gt)
        if reason is not None:
            self._warn(reason)
        else:
            metrics['SRCC'] = srcc(pred, gt)
            metrics['KRCC'] = krcc(pred, gt)
            fit_ok = True
            if self.plcc_fit == 'logistic4':
                try:
                    params = fit_logistic4(pred, gt)
                    mapped = logistic4(pred, *params)
                except RuntimeError as e:
                    fit_ok = False
                    print_log(
                        f'QualityMetric: the logistic fit failed ({e}); '
                        'PLCC and RMSE not reported',
                        logger='current',
                        level=logging.WARNING)
            if fit_ok:
                metrics['PLCC'] = plcc(mapped, gt)
                metrics['RMSE'] = float(np.sqrt(np.mean((mapped - gt)**2)))
            for key in [k for k, v in metrics.items() if not math.isfinite(v)]:
                print_log(
                    f'QualityMetric: {key} is not finite; not reported',
                    logger='current',
                    level=logging.WARNING)
                metrics.pop(key)
            fit_text = ('4-parameter logistic (VQEG); RMSE after the fit'
                        if self.plcc_fit == 'logistic4' else
                        'none; RMSE of the raw predictions')
            print_log(
                f'QualityMetric on {len(results)} samples: plcc_fit = '
                f'{self.plcc_fit} ({fit_text})',
                logger='current')
        if self.out_dir and self.save_predictions:
            self._save(results, pred, gt, mapped, params, metrics)
        return metrics

    # ------------------------------------------------------------------
    def _file_stem(self) -> str:
        return (self.prefix or 'quality').replace('/', '_')

    def _save(self, results: List[dict], pred: np.ndarray, gt: np.ndarray,
              mapped: np.ndarray, params: Optional[Sequence[float]],
              metrics: Dict[str, float]) -> None:
        stem = osp.join(self.out_dir, self._file_stem())
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator='\n')
        header = ['path', 'gt', 'pred']
        if params is not None:
            header.append('pred_fitted')
        writer.writerow(header)
        for i, r in enumerate(results):
            row = [r['path'], repr(r['gt']), repr(r['pred'])]
            if params is not None:
                row.append(repr(float(mapped[i])))
            writer.writerow(row)
        atomic_write_text(buf.getvalue(), stem + '_predictions.csv')
        if len(results):
            atomic_write_bytes(
                self._scatter_png(pred, gt, params, metrics),
                stem + '_scatter.png')

    def _scatter_png(self, pred: np.ndarray, gt: np.ndarray,
                     params: Optional[Sequence[float]],
                     metrics: Dict[str, float]) -> bytes:
        """The scatter plot as PNG bytes (Agg canvas, no pyplot state)."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(5, 5), dpi=100)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        ax.scatter(pred, gt, s=8, alpha=0.5, edgecolors='none')
        if params is not None:
            xs = np.linspace(pred.min(), pred.max(), 200)
            ax.plot(xs, logistic4(xs, *params), color='tab:red', lw=1.5,
                    label='4-parameter logistic fit')
            ax.legend(loc='best')
        ax.set_xlabel('prediction')
        ax.set_ylabel('subjective score (MOS)')
        shown = [f'{k} {metrics[k]:.4f}' for k in ('SRCC', 'PLCC')
                 if k in metrics]
        ax.set_title(f'N = {len(pred)}' + ('  ' + '  '.join(shown)
                                           if shown else ''))
        ax.grid(True, alpha=0.3)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format='png')
        return out.getvalue()
