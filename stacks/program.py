"""The whole program: which zones a stack deploys, chosen by ``cloudscale:role``."""

from __future__ import annotations

from typing import Any

import pulumi

from cloudscale.stacks.config import PlatformConfig
from cloudscale.stacks.contract import ZoneContract
from cloudscale.stacks.landing_zone import deploy_landing_zones
from cloudscale.stacks.management_zone import deploy_management_zone


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
