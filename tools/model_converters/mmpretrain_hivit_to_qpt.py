"""Convert an mmpretrain HiViT checkpoint (classifier, MAE or backbone) to
qpt.

    python tools/model_converters/mmpretrain_hivit_to_qpt.py \
        hivit-tiny-p16_16xb64_in1k.pth checkpoints/hivit-t_in1k.pth \
        [--target backbone|scorer]

``backbone.pos_embed`` becomes ``absolute_pos_embed``, per-block copies of
the relative position index are verified and dropped, layer scales are
folded into the preceding Linear, everything outside ``backbone.`` is
dropped (see :mod:`qpt.models.converters.mmpretrain_hivit`). mmpretrain's
HiViT has no final LayerNorm: the report says to build ours with
``final_norm=False`` for identical features, or ``--fill-missing`` adds a
fresh one. Output: our checkpoint ``{'meta': {...}, 'state_dict': {...}}``,
written atomically.
"""
import os.path as osp
import sys

from qpt.models.converters import convert_mmpretrain_hivit

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from hivit_converter_cli import run_converter_cli  # noqa: E402


def main(argv=None) -> int:
    return run_converter_cli(
        convert_mmpretrain_hivit,
        description='Convert an mmpretrain HiViT checkpoint to qpt',
        script='tools/model_converters/mmpretrain_hivit_to_qpt.py',
        argv=argv)


if __name__ == '__main__':
    sys.exit(main())
