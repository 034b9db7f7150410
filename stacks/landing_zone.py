"""Data landing zones (DLZ)."""

from __future__ import annotations

from typing import Any

from stacks.config import PlatformConfig
from stacks.contract import ZoneContract


def deploy_landing_zones(config: PlatformConfig, contract: ZoneContract) -> dict[str, Any]:
    return {zone.name: {} for zone in config.deployed_zones()}
