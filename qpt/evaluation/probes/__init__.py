"""The quality probe: do frozen encoder features see degradations?

``ladders`` builds distortion ladders of photos, ``features`` pools an
encoder's stage maps, ``encoder`` loads the encoder under probe and
``linear_probe`` fits a photo-grouped ridge regression and scores it by SRCC.
``tools/analysis/quality_probe.py`` runs all four on a photo folder.
"""
from .encoder import build_probe_encoder, parse_arch
from .features import crop_offsets, extract_features, pool_stage_maps
from .ladders import (DISTORTIONS, PROBE_LADDERS, LadderSpec, Rung,
                      build_ladders, resize_short_side)
from .linear_probe import (DEFAULT_LAMBDAS, choose_lambda,
                           grouped_cv_predict, photo_folds, probe_srcc,
                           ridge_fit, ridge_predict, srcc)

__all__ = [
    'build_probe_encoder', 'parse_arch', 'crop_offsets', 'extract_features',
    'pool_stage_maps', 'DISTORTIONS', 'PROBE_LADDERS', 'LadderSpec', 'Rung',
    'build_ladders', 'resize_short_side', 'DEFAULT_LAMBDAS', 'choose_lambda',
    'grouped_cv_predict', 'photo_folds', 'probe_srcc', 'ridge_fit',
    'ridge_predict', 'srcc'
]
