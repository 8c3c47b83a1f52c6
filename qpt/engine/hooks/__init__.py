from .dataset_meta_hook import DatasetMetaHook
from .reconstruction_visualization_hook import ReconstructionVisualizationHook

__all__ = ['DatasetMetaHook', 'ReconstructionVisualizationHook']
