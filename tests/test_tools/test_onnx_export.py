"""ONNX export of a tiny QualityScorer: dynamic batch, onnxruntime matches
PyTorch to 1e-4 (attention through SDPA with a float bias mask)."""
from pathlib import Path

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / 'tests' / 'data' / 'scorer_tiny.py'

onnx = pytest.importorskip('onnx')
ort = pytest.importorskip('onnxruntime')


def test_export_and_verify(tmp_path, capsys, load_tool):
    from qpt.apis import init_model

    model = init_model(CONFIG)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():  # weights large enough for O(1) outputs
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.2)
    ckpt = tmp_path / 'tiny.pth'
    torch.save(dict(meta=dict(), state_dict=model.state_dict()), ckpt)

    tool = load_tool('tools/deployment/export_onnx.py')
    out = tmp_path / 'onnx' / 'scorer.onnx'
    assert tool.main([str(CONFIG), str(ckpt), '--out', str(out),
                      '--input-size', '64', '64', '--verify']) == 0
    assert 'OK' in capsys.readouterr().out

    proto = onnx.load(str(out))
    assert proto.opset_import[0].version >= 17
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == 'batch'
    assert [d.dim_value for d in dims[1:]] == [3, 64, 64]
    meta = {p.key: p.value for p in proto.metadata_props}
    assert meta['score_range'] == '1.0,5.0' and 'mean' in meta

    model = init_model(CONFIG, ckpt)
    session = ort.InferenceSession(str(out),
                                   providers=['CPUExecutionProvider'])
    x = torch.randn(5, 3, 64, 64, generator=gen)
    with torch.no_grad():
        expected = model(x, mode='tensor').numpy()
    got = session.run(None, {'input': x.numpy()})[0]
    assert got.shape == (5, ) and np.abs(expected).max() > 0.05
    assert np.abs(got - expected).max() < 1e-4
    # what the tool's verification reports is the same comparison
    assert tool.verify_onnx(model, str(out), (64, 64), (2, )) < 1e-4
