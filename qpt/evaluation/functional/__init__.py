"""Functional metrics for visual scoring (inputs: 1-D arrays, outputs: floats)."""
from .correlation import krcc, plcc, rmse, srcc
from .logistic import fit_logistic4, logistic4

__all__ = ['srcc', 'plcc', 'krcc', 'rmse', 'logistic4', 'fit_logistic4']
