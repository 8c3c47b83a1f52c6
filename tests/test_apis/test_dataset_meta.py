"""The scorer's score facts (score range, direction) come from the dataset:
from a checkpoint's ``meta['dataset_meta']`` at inference, from the config's
test dataset when a checkpoint has none, and from the running loop's dataset
through ``DatasetMetaHook``."""
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.config import Config

from qpt.apis import inference_model, init_model, model_init
from qpt.engine.hooks import DatasetMetaHook

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / 'tests' / 'data' / 'scorer_tiny.py'  # test set: MOS 1-5
DMOS = dict(dataset_name='live', score_range=(-3.0, 112.0), lower_better=True)


def _image() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(96, 96, 3), dtype=np.uint8)


@pytest.fixture(scope='module')
def state_dict():
    model = init_model(CONFIG)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():  # outputs of order 1
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.2)
    return model.state_dict()


def _checkpoint(tmp_path, state_dict, meta) -> str:
    path = tmp_path / 'scorer.pth'
    torch.save(dict(meta=meta, state_dict=state_dict), path)
    return str(path)


def test_scale_from_the_checkpoint_meta(tmp_path, state_dict):
    """A checkpoint that says it was trained on a DMOS set reports DMOS,
    whatever the config's test dataset states."""
    ckpt = _checkpoint(tmp_path, state_dict, dict(dataset_meta=DMOS))
    model = init_model(CONFIG, ckpt)
    assert model.dataset_meta == DMOS
    assert model.score_range == (-3.0, 112.0) and model.lower_better
    [record] = inference_model(model, _image(), details=True)
    assert record['score_scale'] == 'mos'
    assert record['score'] == pytest.approx(
        112.0 - record['raw_score'] * 115.0, rel=1e-5)


def test_checkpoint_without_facts_uses_the_config(tmp_path, state_dict):
    """Documented fallback: no ``meta.dataset_meta`` (older files, bare
    state dicts) -> the config's test dataset (here MOS 1-5)."""
    ckpt = _checkpoint(tmp_path, state_dict, dict())
    model = init_model(CONFIG, ckpt)
    assert model.dataset_meta['score_range'] == (1.0, 5.0)
    [record] = inference_model(model, _image(), details=True)
    assert record['score'] == pytest.approx(
        1.0 + 4.0 * record['raw_score'], rel=1e-5)


def test_no_facts_anywhere_stays_normalised(tmp_path, state_dict,
                                           monkeypatch):
    """Neither the checkpoint nor the config states a range: the scores
    stay normalised (0..1), and the log says why."""
    cfg = Config.fromfile(str(CONFIG))
    cfg.test_dataloader.dataset.pop('score_range')  # a range from no file
    ckpt = _checkpoint(tmp_path, state_dict, dict())
    logged = []
    monkeypatch.setattr(model_init, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    model = init_model(cfg, ckpt)
    assert model.dataset_meta is None and model.score_range == (0.0, 1.0)
    assert any('states a score_range' in m for m in logged), logged
    [record] = inference_model(model, _image(), details=True)
    assert record['score'] == pytest.approx(record['raw_score'])


def test_bad_facts_are_refused():
    model = init_model(CONFIG)
    with pytest.raises(ValueError, match='score_range'):
        model.dataset_meta = dict(score_range=(5.0, 1.0))
    with pytest.raises(ValueError, match='no score_range'):
        model.dataset_meta = dict(dataset_name='x')


def test_hook_hands_the_loop_dataset_meta_to_the_model():
    model = init_model(CONFIG)
    loader = SimpleNamespace(dataset=SimpleNamespace(metainfo=DMOS))
    other = SimpleNamespace(dataset=SimpleNamespace(
        metainfo=dict(score_range=(0.0, 100.0), lower_better=False)))
    no_scale = SimpleNamespace(dataset=SimpleNamespace(metainfo=dict()))
    runner = SimpleNamespace(model=model, train_dataloader=loader,
                             val_dataloader=other, test_dataloader=no_scale)
    hook = DatasetMetaHook()
    hook.before_train(runner)
    assert model.dataset_meta == DMOS
    hook.before_val(runner)
    assert model.dataset_meta['score_range'] == (0.0, 100.0)
    hook.before_test(runner)  # nothing to hand over: left as it was
    assert model.dataset_meta['score_range'] == (0.0, 100.0)
