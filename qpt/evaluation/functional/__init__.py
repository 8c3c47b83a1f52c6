"""Functional metrics for visual scoring: 1-D arrays in, floats out."""
from .correlation import krcc, plcc, rmse, srcc
from .logistic import (LOGISTIC_KINDS, PLCC_FITS, LogisticFitError,
                       apply_logistic, fit_logistic, fit_logistic4,
                       fit_logistic5, is_monotone, logistic4, logistic5,
                       num_logistic_params)

__all__ = [
    'srcc', 'plcc', 'krcc', 'rmse', 'logistic4', 'logistic5', 'fit_logistic',
    'fit_logistic4', 'fit_logistic5', 'apply_logistic', 'is_monotone',
    'num_logistic_params', 'LogisticFitError', 'LOGISTIC_KINDS', 'PLCC_FITS'
]
