"""cloudscale.testing's fixtures: ``cloudscale_offline`` runs each test in update and in preview mode."""

from typing import Any

import pytest

pytest_plugins = ["cloudscale.testing.pytest_plugin"]


@pytest.fixture
def cloudscale_engine_options() -> dict[str, Any]:
    # URNs and config keys are this project's, as under `pulumi up` here.
    return {"project": "finance-data", "stack": "test"}
