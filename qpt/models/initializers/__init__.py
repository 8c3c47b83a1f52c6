"""Weight initialisers (``init_cfg`` types) beyond mmengine's."""
from .strict_pretrained import (BackboneLoadReport, StrictPretrainedInit,
                                load_backbone_strictly)

__all__ = ['BackboneLoadReport', 'StrictPretrainedInit',
           'load_backbone_strictly']
