"""Functional metrics for visual scoring: 1-D arrays in, floats out."""
from .correlation import krcc, plcc, rmse, srcc
from .logistic import fit_logistic4, logistic4

__all__ = ['srcc', 'plcc', 'krcc', 'rmse', 'logistic4', 'fit_logistic4']
