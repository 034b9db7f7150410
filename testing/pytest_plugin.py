"""pytest fixtures for testing a program built on cloudscale offline; load them in a ``conftest.py``::

pytest_plugins = ["cloudscale.testing.pytest_plugin"]

def test_the_lake_is_private(cloudscale_offline):      # runs once in update and once in preview mode
    run = cloudscale_offline.run(my_program)
    assert run.violations() == []
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cloudscale.testing.harness import MODES, Mode, OfflineEngine, offline


@pytest.fixture(params=MODES)
def cloudscale_mode(request: pytest.FixtureRequest) -> Mode:
    """``update`` and ``preview``: every test that uses the engine runs in both."""
    mode: Mode = request.param
    return mode


@pytest.fixture
def cloudscale_engine_options() -> dict[str, Any]:
    """Keyword arguments of ``offline`` (project, stack, stack_outputs, invokes); override this fixture in
    a conftest to give them."""
    return {}


@pytest.fixture
def cloudscale_offline(cloudscale_mode: Mode, cloudscale_engine_options: dict[str, Any]) -> Iterator[OfflineEngine]:
    """An offline engine in the test's mode, on a fresh event loop, reset after the test."""
    with offline(cloudscale_mode, **cloudscale_engine_options) as engine:
        yield engine
