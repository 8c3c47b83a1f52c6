"""Export a quality scorer to ONNX and check it against PyTorch.

    python tools/deployment/export_onnx.py CONFIG CHECKPOINT --out model.onnx \
        [--input-size 224 224] [--opset 17] [--verify] [--tolerance 1e-4]

The graph is ``QualityScorer(x, mode='tensor')``: input ``input``, a
(B, 3, H, W) float32 batch already normalised by the model's data
preprocessor (``(pixels - mean) / std``, RGB, 0-255 statistics, stored in
the ONNX metadata); output ``score``, the raw head output (B,) (the
normalised score; ``lo + score * (hi - lo)`` gives the dataset scale, see
``QualityScorer.to_dataset_scale``), or (B, K) histogram logits for a
histogram head. The batch dimension is dynamic; H and W are fixed at
``--input-size`` (the position tables are resized at trace time).

Attention is ``F.scaled_dot_product_attention`` with a float bias mask,
which the TorchScript-based exporter writes as plain ONNX ops (opset >= 14;
default 17). ``--verify`` runs onnxruntime and PyTorch on the same random
inputs at batch sizes 1 and 3 (not the traced 2, to prove the dynamic
batch), prints the largest absolute difference and fails above
``--tolerance``. The file is written atomically.
"""
import argparse
import io
import sys
import warnings
from typing import Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

from qpt.utils import atomic_write_bytes

DEFAULT_OPSET = 17
INPUT_NAME = 'input'
OUTPUT_NAME = 'score'


class ScorerExportWrapper(nn.Module):
    """``scorer(x, mode='tensor')`` as a plain module for tracing.

    Input (B, 3, H, W) normalised float; output (B,) raw head output (or
    (B, K) histogram logits).
    """

    def __init__(self, scorer: nn.Module) -> None:
        super().__init__()
        self.scorer = scorer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.scorer(x, mode='tensor')


def export_onnx(model: nn.Module,
                path: str,
                input_size: Tuple[int, int] = (224, 224),
                opset: int = DEFAULT_OPSET) -> None:
    """Trace ``model`` (a QualityScorer for images) and write ONNX.

    Args:
        model: the scorer (put in eval mode here).
        path: output file (written atomically).
        input_size: (H, W), multiples of 16.
        opset: ONNX opset (>= 14 for scaled_dot_product_attention).

    Raises:
        ValueError: a video scorer, or an opset below 14.
    """
    if getattr(model, 'video', False):
        raise ValueError('video scorers are not supported by this exporter '
                         '(inputs are images (B, 3, H, W))')
    if opset < 14:
        raise ValueError(f'opset {opset} cannot express '
                         'scaled_dot_product_attention; use 14 or newer')
    wrapper = ScorerExportWrapper(model).eval()
    dummy = torch.randn(2, 3, *input_size)
    buffer = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        # the tracer warns about every Python-side shape check (the input
        # size is fixed in the graph, as documented) and the TorchScript
        # exporter is deprecated in favour of one that needs onnxscript
        warnings.simplefilter('ignore', torch.jit.TracerWarning)
        warnings.simplefilter('ignore', DeprecationWarning)
        torch.onnx.export(
            wrapper, (dummy, ),
            buffer,
            dynamo=False,
            opset_version=opset,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes={
                INPUT_NAME: {0: 'batch'},
                OUTPUT_NAME: {0: 'batch'}
            },
            do_constant_folding=True)
    wrapper.eval()  # export restores the wrapper's (training) mode
    model.eval()

    import onnx
    proto = onnx.load_model_from_string(buffer.getvalue())
    preprocessor = getattr(model, 'data_preprocessor', None)
    meta = dict(
        input='(B, 3, H, W) float32, RGB, (pixels - mean) / std',
        output='raw head output (normalised score, higher = better)',
        input_size=f'{input_size[0]}x{input_size[1]}')
    for name in ('mean', 'std'):
        value = getattr(preprocessor, name, None)
        if isinstance(value, torch.Tensor):
            meta[name] = ','.join(f'{v:.6g}' for v in value.flatten())
    score_range = getattr(model, 'score_range', None)
    if score_range is not None:
        meta['score_range'] = ','.join(str(v) for v in score_range)
        meta['lower_better'] = str(bool(getattr(model, 'lower_better',
                                                False)))
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    atomic_write_bytes(proto.SerializeToString(), path)


def verify_onnx(model: nn.Module,
                path: str,
                input_size: Tuple[int, int] = (224, 224),
                batch_sizes: Sequence[int] = (1, 3),
                seed: int = 0) -> float:
    """Largest absolute difference between onnxruntime and PyTorch.

    Args:
        model: the scorer the file was exported from.
        path: the ONNX file.
        input_size: (H, W) it was exported at.
        batch_sizes: batch sizes to try (random normal inputs).
        seed: seed of the inputs.

    Returns:
        max |onnx - torch| over all batch sizes.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    session = ort.InferenceSession(
        path, options, providers=['CPUExecutionProvider'])
    wrapper = ScorerExportWrapper(model).eval()
    gen = torch.Generator().manual_seed(seed)
    worst = 0.
    for batch in batch_sizes:
        x = torch.randn(batch, 3, *input_size, generator=gen)
        with torch.no_grad():
            expected = wrapper(x).numpy()
        got = session.run([OUTPUT_NAME], {INPUT_NAME: x.numpy()})[0]
        if got.shape != expected.shape:
            raise AssertionError(f'batch {batch}: ONNX output shape '
                                 f'{got.shape}, PyTorch {expected.shape}')
        worst = max(worst, float(np.abs(got - expected).max()))
    return worst


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export a quality scorer to ONNX')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', required=True, help='output .onnx file')
    parser.add_argument(
        '--input-size',
        type=int,
        nargs=2,
        default=[224, 224],
        metavar=('H', 'W'),
        help='input height and width (multiples of 16; default 224 224)')
    parser.add_argument(
        '--opset',
        type=int,
        default=DEFAULT_OPSET,
        help=f'ONNX opset (default {DEFAULT_OPSET})')
    parser.add_argument(
        '--verify',
        action='store_true',
        help='compare onnxruntime with PyTorch on random inputs')
    parser.add_argument(
        '--tolerance',
        type=float,
        default=1e-4,
        help='largest accepted absolute difference (default 1e-4)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    warnings.filterwarnings(
        'ignore', message='Fail to import ``MultiScaleDeformableAttention``')
    from qpt.apis import init_model

    try:
        model = init_model(args.config, args.checkpoint, device='cpu')
    except Exception as e:  # noqa: BLE001 (fatal, reported plainly)
        print(f'error: cannot build the model: {e}', file=sys.stderr)
        return 1
    size = tuple(args.input_size)
    try:
        export_onnx(model, args.out, size, args.opset)
    except ValueError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    print(f'wrote {args.out} (input {INPUT_NAME}: (batch, 3, {size[0]}, '
          f'{size[1]}), output {OUTPUT_NAME}: (batch,); opset '
          f'{args.opset})')
    if args.verify:
        diff = verify_onnx(model, args.out, size)
        ok = diff <= args.tolerance
        print(f'onnxruntime vs PyTorch: max abs diff {diff:.3g} '
              f'(batch sizes 1 and 3; tolerance {args.tolerance:g}): '
              f'{"OK" if ok else "FAILED"}')
        if not ok:
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
