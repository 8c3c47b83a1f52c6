"""Video scoring's test pipeline, and the apis modules without a cycle."""
import ast
from pathlib import Path

import pytest
from mmengine.config import Config

from qpt.apis.video_inference import (build_video_test_pipeline,
                                      prepare_video_sample)

APIS = Path(__file__).resolve().parents[2] / 'qpt' / 'apis'


def _cfg(packer: str) -> Config:
    pipeline = [
        dict(type='VideoInit'),
        dict(type='SampleFrames', clip_len=4, frame_interval=2, num_clips=2,
             test_mode=True),
        dict(type='VideoDecode'),
        dict(type='FragmentSample', test_mode=True),
        dict(type=packer),
    ]
    return Config(dict(test_dataloader=dict(dataset=dict(pipeline=pipeline))))


def test_clips_come_from_the_packer(shared_data):
    video = shared_data / 'videos' / 'bikes.mp4'
    packed = prepare_video_sample(
        video, build_video_test_pipeline(_cfg('PackVideoClips')))
    assert tuple(packed['inputs'].shape) == (2, 3, 4, 224, 224)
    assert packed['data_samples'].num_clips == 2
    one_clip = build_video_test_pipeline(_cfg('PackVideoInputs'))
    with pytest.raises(ValueError, match='end it with PackVideoClips'):
        prepare_video_sample(video, one_clip)


def test_not_a_video_pipeline():
    cfg = Config(dict(test_dataloader=dict(dataset=dict(
        pipeline=[dict(type='LoadImageRGB')]))))
    with pytest.raises(ValueError, match='does not start with VideoInit'):
        build_video_test_pipeline(cfg)
    with pytest.raises(ValueError, match='how clips are sampled'):
        build_video_test_pipeline(Config(dict()))


def _local_imports(path: Path):
    """Names of the qpt.apis modules a module imports (any level)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ''
            if node.level == 1:
                found.add(mod.split('.')[0] if mod else None)
                if not mod:
                    found.update(a.name for a in node.names)
            elif mod.startswith('qpt.apis.'):
                found.add(mod.split('.')[2])
    return {m for m in found if m and (APIS / f'{m}.py').exists()}


def test_apis_modules_have_no_import_cycle():
    graph = {p.stem: _local_imports(p) for p in APIS.glob('*.py')
             if p.stem != '__init__'}
    assert 'inference' not in graph['video_inference']
    assert not graph['scoring'] & {'inference', 'video_inference'}

    def reach(start, seen):
        for nxt in graph[start]:
            if nxt not in seen:
                seen.add(nxt)
                reach(nxt, seen)
        return seen

    for module in graph:
        assert module not in reach(module, set()), f'{module} in a cycle'
