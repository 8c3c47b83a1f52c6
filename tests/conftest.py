"""Shared test fixtures.

Real test data lives in ``../shared/data`` next to the project root (present
in CI). Tests that need it use the ``shared_data`` fixture, which skips with a
clear message only where that folder is absent (a user's machine).

Also here: ``load_tool`` (a script under ``tools/`` as a module), a tiny
scorer checkpoint (``scorer_checkpoint``) and the released QPT V2
checkpoint layout with random tensors in it (``release_layout``,
``release_params``).
"""
import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType
from typing import Callable, Dict, Optional

import pytest
import torch

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED = PROJECT_ROOT.parent / 'shared'
SHARED_DATA = SHARED / 'data'
SHARED_FIXTURES = SHARED / 'fixtures'
TINY_SCORER_CONFIG = PROJECT_ROOT / 'tests' / 'data' / 'scorer_tiny.py'

# Tests run on CPU with the cores CI has; keep torch from oversubscribing.
os.environ.setdefault('OMP_NUM_THREADS', '2')


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f'{path} is absent: the shared test data folder '
                    '(../shared next to the project) is not on this machine')
    return path


@pytest.fixture(scope='session')
def shared_data() -> Path:
    """``../shared/data`` (real photos, videos, score tables)."""
    return _require(SHARED_DATA)


@pytest.fixture(scope='session')
def shared_fixtures() -> Path:
    """``../shared/fixtures`` (facts such as the released checkpoint layout)."""
    return _require(SHARED_FIXTURES)


@pytest.fixture(scope='session', autouse=True)
def qpt_default_scope():
    """Register all modules and make ``qpt`` the default scope, as the
    tools do, so components built outside a Runner resolve our names."""
    from qpt.utils import register_all_modules
    register_all_modules(init_default_scope=True)


@pytest.fixture(scope='session')
def load_tool() -> Callable[[str], ModuleType]:
    """A loader of tool scripts: ``load_tool('tools/train.py').main(argv)``.

    ``tools/`` is not a package, so a script is executed from its file
    (a path relative to the project root) as a fresh module named after it.
    """

    def load(rel_path: str) -> ModuleType:
        path = PROJECT_ROOT / rel_path
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture(scope='session')
def scorer_checkpoint(tmp_path_factory) -> Path:
    """The tiny scorer of ``tests/data/scorer_tiny.py`` with random weights
    (varied outputs), saved in our format with ``meta={'note': 'kept'}`` (a
    tool that rewrites the file must keep it)."""
    from qpt.apis import init_model

    model = init_model(TINY_SCORER_CONFIG)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.2)
    path = tmp_path_factory.mktemp('ckpt') / 'tiny.pth'
    torch.save(dict(meta=dict(note='kept'), state_dict=model.state_dict()),
               path)
    return path


@pytest.fixture(scope='session')
def release_layout(shared_fixtures) -> dict:
    """The authors' released image checkpoint layout: ``{'wrapper_key',
    'count', 'elements', 'tensors': [{'name', 'shape', ...}]}``, written
    out from the released file (not from our code)."""
    path = shared_fixtures / 'qptv2_release_image_checkpoint_layout.json'
    return json.loads(path.read_text())


@pytest.fixture(scope='session')
def release_params(release_layout) -> Callable[..., Dict[str, torch.Tensor]]:
    """A builder of random tensors with the released names and shapes.

    ``release_params(head=True, index=None, seed=0)`` returns the
    ``params`` dict of a released file: norm weights near 1, every other
    tensor small and random, and ``relative_position_index`` (N, N) from
    ``index(side)`` (default: ours, ``relative_position_index``), so a test
    may pass an index written out independently. ``head=False`` leaves out
    the ``quality_regressor.`` head (an encoder-only state dict).
    """
    from qpt.models.utils.relative_position import relative_position_index

    def build(head: bool = True,
              index: Optional[Callable[[int], torch.Tensor]] = None,
              seed: int = 0) -> Dict[str, torch.Tensor]:
        gen = torch.Generator().manual_seed(seed)
        params = {}
        for t in release_layout['tensors']:
            name, shape = t['name'], t['shape']
            if not head and name.startswith('quality_regressor.'):
                continue
            if name == 'relative_position_index':
                side = round(shape[0]**0.5)
                params[name] = (index(side) if index is not None else
                                relative_position_index((side, side)))
                assert list(params[name].shape) == shape
            elif 'norm' in name and name.endswith('weight'):
                params[name] = 1 + 0.1 * torch.randn(shape, generator=gen)
            else:
                params[name] = 0.05 * torch.randn(shape, generator=gen)
        return params

    return build
