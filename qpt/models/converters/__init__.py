"""Conversion of third-party checkpoints into qpt model state dicts."""
from .qptv2_release import (convert_qptv2_release, is_qptv2_release)
from .state_dict_check import (StateDictMismatchError, check_state_dict,
                               compare_state_dict)

__all__ = [
    'convert_qptv2_release', 'is_qptv2_release', 'StateDictMismatchError',
    'check_state_dict', 'compare_state_dict'
]
from .inflate import (InflatedPretrainedInit, InflationReport,  # noqa: E402
                      inflate_hivit_state_dict, inflate_patch_kernel,
                      load_image_checkpoint_into_video_model,
                      needs_inflation)

__all__ += [
    'InflatedPretrainedInit', 'InflationReport', 'inflate_hivit_state_dict',
    'inflate_patch_kernel', 'load_image_checkpoint_into_video_model',
    'needs_inflation'
]

# HiViT checkpoints of other code bases (official HiViT MAE, mmpretrain).
from .hivit_conversion import ConversionReport  # noqa: E402
from .hivit_mae import convert_hivit_mae  # noqa: E402
from .mmpretrain_hivit import convert_mmpretrain_hivit  # noqa: E402

__all__ += [
    'ConversionReport', 'convert_hivit_mae', 'convert_mmpretrain_hivit'
]
