"""The built wheel, once per session for every worker (tests/foundation/installed.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..stack_runs import SessionShelf
from .installed import build_wheel


@pytest.fixture(scope="session")
def wheel(session_shelf: SessionShelf, tmp_path_factory: pytest.TempPathFactory) -> Path:
    # With workers, the wheel is built in the session's shared folder by whichever worker asks first.
    folder = session_shelf.folder or tmp_path_factory.mktemp("shelf")
    return session_shelf.get("cloudscale wheel", lambda: build_wheel(folder / "wheel"))
