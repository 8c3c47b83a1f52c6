"""Shared test fixtures.

Real test data lives in ``../shared/data`` next to the project root (present
in CI). Tests that need it use the ``shared_data`` fixture, which skips with a
clear message only where that folder is absent (a user's machine).
"""
import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED = PROJECT_ROOT.parent / 'shared'
SHARED_DATA = SHARED / 'data'
SHARED_FIXTURES = SHARED / 'fixtures'

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
