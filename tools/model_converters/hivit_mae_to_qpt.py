"""Convert an official HiViT MAE (or HiViT fine-tuning) checkpoint to qpt.

    python tools/model_converters/hivit_mae_to_qpt.py mae_hivit_base.pth \
        checkpoints/hivit-b_mae_backbone.pth [--target backbone|scorer]

The source is ``{'model': state_dict, ...}`` from the official HiViT code
base; the encoder is kept (decoder, ``mask_token``, classifier head dropped;
see :mod:`qpt.models.converters.hivit_mae`). The output is our checkpoint
``{'meta': {...}, 'state_dict': {...}}``, written atomically, with bare
HiViT keys (``--target backbone``, for a backbone ``init_cfg=dict(
type='Pretrained', checkpoint=...)``) or ``backbone.``-prefixed keys
(``--target scorer``, for a QualityScorer / QPTV2 ``load_from``). The
report lists mapped, dropped (with reasons), missing and generated keys,
and the HiViT arguments under which the result loads strictly.
"""
import os.path as osp
import sys

from qpt.models.converters import convert_hivit_mae

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from hivit_converter_cli import run_converter_cli  # noqa: E402


def main(argv=None) -> int:
    return run_converter_cli(
        convert_hivit_mae,
        description='Convert an official HiViT MAE checkpoint to qpt',
        script='tools/model_converters/hivit_mae_to_qpt.py',
        argv=argv)


if __name__ == '__main__':
    sys.exit(main())
