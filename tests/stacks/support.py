"""What the stack tests share: the dev stack's config, changed for one test."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from cloudscale.stacks.offline.engine import config_values


def config_with(dev_config: Mapping[str, str], **overrides: Any) -> dict[str, str]:
    """The dev stack's config with ``overrides`` (unqualified keys, any value) in place of its own."""
    values = dict(dev_config)
    values.update(config_values(overrides))
    return values


def sales_zone(dev_config: Mapping[str, str]) -> dict[str, Any]:
    """A copy of the dev stack's first landing zone, ``sales``, free to change."""
    return copy.deepcopy(json.loads(dev_config["cloudscale:landingZones"])[0])
