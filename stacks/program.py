"""The whole program: which zones a stack deploys, chosen by ``cloudscale:role``."""

from __future__ import annotations

from typing import Any

import pulumi

from stacks.config import PlatformConfig
from stacks.contract import ZoneContract
from stacks.landing_zone import deploy_landing_zones
from stacks.management_zone import deploy_management_zone


def build_platform(config: PlatformConfig) -> dict[str, Any]:
    """Declare every resource of the configured role and return the stack outputs."""
    outputs: dict[str, Any] = {"role": config.role, "environment": config.environment, "location": config.location}
    if config.role == "landing":
        reference = pulumi.StackReference(config.management_stack or "")
        contract = ZoneContract.from_stack_reference(reference)
    else:
        contract = deploy_management_zone(config)
        outputs.update(contract.to_outputs())
    if config.role != "management":
        outputs["landingZones"] = deploy_landing_zones(config, contract)
    return outputs
