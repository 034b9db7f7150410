"""What the stack tests share: the dev stack's config, changed for one test."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cloudscale.pipelines.definitions import bundled_root
from cloudscale.stacks.offline.engine import config_values


def config_with(dev_config: Mapping[str, str], **overrides: Any) -> dict[str, str]:
    """The dev stack's config with ``overrides`` (unqualified keys, any value) in place of its own."""
    values = dict(dev_config)
    values.update(config_values(overrides))
    return values


def sales_zone(dev_config: Mapping[str, str]) -> dict[str, Any]:
    """A copy of the dev stack's first landing zone, ``sales``, free to change."""
    return copy.deepcopy(json.loads(dev_config["cloudscale:landingZones"])[0])


def team_notebook_set(team: Path, access: Mapping[str, Any]) -> Path:
    """A team's Synapse set in ``team``: one notebook that builds its lake paths itself, and its access.json."""
    (team / "notebook").mkdir(parents=True)
    notebook = json.loads(
        (bundled_root() / "customer_service_link" / "notebook" / "nb_customer_service_link.json").read_text()
    )
    notebook["name"] = "nb_team_reference_data"
    notebook["properties"]["cells"] = [{"cell_type": "code", "source": ["print('reference data')"]}]
    (team / "notebook" / "nb_team_reference_data.json").write_text(json.dumps(notebook))
    (team / "access.json").write_text(json.dumps(access))
    return team
