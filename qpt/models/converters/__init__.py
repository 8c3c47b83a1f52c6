"""Checkpoints of other layouts -> qpt state dicts, with strict reports."""
from .hivit_conversion import ConversionReport
from .hivit_mae import convert_hivit_mae
from .inflate import (InflationReport, inflate_hivit_state_dict,
                      inflate_patch_kernel,
                      load_image_checkpoint_into_video_model,
                      needs_inflation)
from .mmpretrain_hivit import convert_mmpretrain_hivit
from .qptv2_release import convert_qptv2_release, is_qptv2_release
from .state_dict_check import (StateDictMismatchError, check_state_dict,
                               compare_state_dict)

__all__ = [
    'ConversionReport', 'InflationReport',
    'StateDictMismatchError', 'check_state_dict', 'compare_state_dict',
    'convert_hivit_mae', 'convert_mmpretrain_hivit', 'convert_qptv2_release',
    'inflate_hivit_state_dict', 'inflate_patch_kernel', 'is_qptv2_release',
    'load_image_checkpoint_into_video_model', 'needs_inflation'
]
