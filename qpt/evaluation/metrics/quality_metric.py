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

from qpt.datasets.quality.score_scale import denormalise_score
from qpt.registry import METRICS
from qpt.utils.atomic_io import atomic_write_bytes, atomic_write_text
from ..functional import (PLCC_FITS, LogisticFitError, apply_logistic,
                          fit_logistic, krcc, plcc, srcc)

__all__ = ['QualityMetric']

_PATH_KEYS = ('img_path', 'video_path', 'filename')


def _get(sample: Any, key: str, default: Any = None) -> Any:
    if isinstance(sample, dict):
        return sample.get(key, default)
    return getattr(sample, key, default)


@METRICS.register_module()
class QualityMetric(BaseMetric):
    """Correlation metrics for visual scoring (IQA / VQA / IAA).

    Each data sample given to :meth:`process` (a dict: MMEngine converts data
    elements with ``to_dict()``) must hold ``gt_score``, on the dataset's
    ORIGINAL score scale, and a prediction (floats or 0-d / 1-element
    tensors), and optionally ``img_path`` (or ``video_path`` / ``filename``)
    for the prediction file. The prediction is put on the dataset's scale
    with the dataset's own facts: ``pred_score_norm`` (the model's [0, 1]
    output, higher = better) mapped with ``score_range`` / ``lower_better``
    of :attr:`dataset_meta` (the dataset's ``metainfo``, which MMEngine's
    loops hand to the evaluator); without those, ``pred_score`` as given.

    Reported keys, always all of them: ``SRCC``, ``PLCC``, ``KRCC``,
    ``RMSE`` and ``num_samples``; with a fit (``plcc_fit`` other than
    ``'none'``) also ``PLCC_raw`` and ``RMSE_raw``, those of the raw
    predictions. With ``plcc_fit='logistic4'`` / ``'logistic5'`` the
    predictions are first mapped with the 4- / 5-parameter logistic
    (:mod:`qpt.evaluation.functional.logistic`) fitted onto the subjective
    scores, and ``PLCC`` *and* ``RMSE`` are those of the mapped predictions
    (VQEG convention); SRCC and KRCC do not depend on a monotone mapping.
    The fit mode is written to the log with the results (a string cannot be
    a metric value).

    A value that is undefined is reported as NaN, with a logged warning
    that says why, never left out and never made up, so that the keys a
    ``CheckpointHook(save_best='SRCC')`` or a split runner reads are always
    there (MMEngine's rules ``greater`` / ``less`` never count NaN as
    better):

    - no samples (an empty validation set), or non-finite predictions or
      targets: every value is NaN;
    - fewer than 3 samples, or constant predictions (early training) or
      targets: the correlations and the fitted RMSE are NaN; the raw RMSE is
      reported;
    - the logistic fit is impossible (fewer samples than its 4 or 5
      parameters) or fails: ``PLCC`` and ``RMSE`` are NaN; ``PLCC_raw`` and
      ``RMSE_raw`` hold the raw values.

    Args:
        plcc_fit: ``'none'``, ``'logistic4'`` or ``'logistic5'``.
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
    FIT_MODES = PLCC_FITS
    FIT_TEXT = {
        'none': 'none; RMSE of the raw predictions',
        'logistic4': '4-parameter logistic (VQEG); RMSE after the fit',
        'logistic5': '5-parameter logistic (VQEG / LIVE); RMSE after the '
        'fit',
    }
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
        meta = self.dataset_meta or {}
        scale = meta.get('score_range')
        for sample in data_samples:
            pred = _get(sample, 'pred_score')
            norm = _get(sample, 'pred_score_norm')
            if scale is not None and norm is not None:
                pred = denormalise_score(
                    float(norm), scale, bool(meta.get('lower_better', False)))
            gt = _get(sample, 'gt_score')
            if pred is None or gt is None:
                raise KeyError('QualityMetric needs pred_score and gt_score '
                               'in every data sample')
            path = ''
            for key in _PATH_KEYS:
                if _get(sample, key):
                    path = str(_get(sample, key))
                    break
            try:  # one value each: a number or a 0-d / 1-element tensor
                gt, pred = float(gt), float(pred)
            except (TypeError, ValueError) as e:
                raise ValueError('pred_score and gt_score must hold one '
                                 f'value per sample ({e})') from None
            self.results.append(dict(path=path, gt=gt, pred=pred))

    # ------------------------------------------------------------------
    @staticmethod
    def _warn(message: str) -> None:
        print_log(
            f'QualityMetric: {message}',
            logger='current',
            level=logging.WARNING)

    def _undefined(self, pred: np.ndarray, gt: np.ndarray) -> Optional[str]:
        """Why every value is undefined, or None."""
        n = pred.shape[0]
        if n == 0:
            return 'no samples (empty evaluation set)'
        if not np.all(np.isfinite(pred)):
            return (f'{int(np.sum(~np.isfinite(pred)))} of {n} predictions '
                    'are not finite')
        if not np.all(np.isfinite(gt)):
            return f'{int(np.sum(~np.isfinite(gt)))} targets are not finite'
        return None

    def _uncorrelatable(self, pred: np.ndarray,
                        gt: np.ndarray) -> Optional[str]:
        """Why the correlations are undefined, or None."""
        n = pred.shape[0]
        if n < self.MIN_SAMPLES:
            return (f'only {n} samples (at least {self.MIN_SAMPLES} are '
                    'needed)')
        if np.ptp(pred) == 0:
            return f'all {n} predictions are equal ({pred[0]:g})'
        if np.ptp(gt) == 0:
            return f'all {n} targets are equal ({gt[0]:g})'
        return None

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """SRCC, PLCC, KRCC, RMSE (+ PLCC_raw, RMSE_raw with a fit) and
        num_samples of the gathered results; NaN where undefined."""
        pred = np.asarray([r['pred'] for r in results], dtype=np.float64)
        gt = np.asarray([r['gt'] for r in results], dtype=np.float64)
        nan = float('nan')
        fitted = self.plcc_fit != 'none'
        names = ['SRCC', 'PLCC', 'KRCC', 'RMSE'] + (
            ['PLCC_raw', 'RMSE_raw'] if fitted else [])
        values: Dict[str, float] = {k: nan for k in names}
        params = None
        mapped = pred
        reason = self._undefined(pred, gt)
        if reason is not None:
            self._warn(f'{reason}; {"/".join(names)} reported as NaN')
        else:
            raw_rmse = float(np.sqrt(np.mean((pred - gt)**2)))
            values['RMSE_raw' if fitted else 'RMSE'] = raw_rmse
            reason = self._uncorrelatable(pred, gt)
            if reason is not None:
                self._warn(f'{reason}; SRCC/PLCC/KRCC'
                           f'{"/RMSE/PLCC_raw" if fitted else ""} reported '
                           'as NaN')
            else:
                values['SRCC'] = srcc(pred, gt)
                values['KRCC'] = krcc(pred, gt)
                raw_plcc = plcc(pred, gt)
                if not fitted:
                    values['PLCC'] = raw_plcc
                else:
                    values['PLCC_raw'] = raw_plcc
                    try:
                        params = fit_logistic(pred, gt, self.plcc_fit)
                    except LogisticFitError as e:
                        self._warn(f'{e}; PLCC and RMSE after the fit '
                                   'reported as NaN, PLCC_raw and RMSE_raw '
                                   'are those of the raw predictions')
                    else:
                        mapped = apply_logistic(pred, params, self.plcc_fit)
                        values['PLCC'] = plcc(mapped, gt)
                        values['RMSE'] = float(
                            np.sqrt(np.mean((mapped - gt)**2)))
            print_log(
                f'QualityMetric on {len(results)} samples: plcc_fit = '
                f'{self.plcc_fit} ({self.FIT_TEXT[self.plcc_fit]})',
                logger='current')
        metrics: Dict[str, float] = dict(num_samples=len(results))
        metrics.update(values)
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
            ax.plot(xs, apply_logistic(xs, params, self.plcc_fit),
                    color='tab:red', lw=1.5,
                    label=f'{len(params)}-parameter logistic fit')
            ax.legend(loc='best')
        ax.set_xlabel('prediction')
        ax.set_ylabel('subjective score (MOS)')
        shown = [f'{k} {metrics[k]:.4f}' for k in ('SRCC', 'PLCC')
                 if math.isfinite(metrics.get(k, float('nan')))]
        ax.set_title(f'N = {len(pred)}' + ('  ' + '  '.join(shown)
                                           if shown else ''))
        ax.grid(True, alpha=0.3)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format='png')
        return out.getvalue()
