"""Weight initialisers (``init_cfg`` types) beyond mmengine's."""
from .inflated_pretrained import InflatedPretrainedInit
from .strict_pretrained import (BackboneLoadReport, StrictPretrainedInit,
                                load_backbone_strictly)

__all__ = ['BackboneLoadReport', 'InflatedPretrainedInit',
           'StrictPretrainedInit', 'load_backbone_strictly']
