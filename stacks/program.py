"""The whole program: which zones a stack deploys, chosen by ``cloudscale:role``."""

from __future__ import annotations

import gc
from typing import Any

import pulumi
from pulumi_azure_native import authorization

from cloudscale.stacks.aliases import apply_alias_policy
from cloudscale.stacks.config import PlatformConfig
from cloudscale.stacks.contract import ZoneContract
from cloudscale.stacks.landing_zone import deploy_landing_zones
from cloudscale.stacks.management_zone import deploy_management_zone
from cloudscale.stacks.operator_actions import operator_actions


def with_name_seed(config: PlatformConfig) -> PlatformConfig:
    """Dev without ``cloudscale:nameSeed`` seeds its names with the subscription the provider deploys to.

    Every name must be a plain string before the first resource is declared, so this is the one
    synchronous call of the program, made before anything else. Outside dev the seed is required
    config (stacks/config/checks.py says why); in dev, a platform that moves to another subscription
    is a new platform anyway.
    """
    if config.name_seed.strip():
        return config
    subscription_id = authorization.get_client_config().subscription_id
    return config.model_copy(update={"name_seed": subscription_id})


def build_platform(config: PlatformConfig) -> dict[str, Any]:
    """Declare every resource of the configured role and return the stack outputs."""
    # Everything imported by now (the azure-native SDK's thousands of classes and functions) lives as
    # long as the program: out of the collector's generations, no full collection walks it again.
    gc.freeze()
    apply_alias_policy(keep_provider_aliases=config.keep_provider_aliases)
    config = with_name_seed(config)
    outputs: dict[str, Any] = {"role": config.role, "environment": config.environment, "location": config.location}
    if config.role == "landing":
        reference = pulumi.StackReference(config.management_stack or "")
        contract = ZoneContract.from_stack_reference(reference)
    else:
        contract = deploy_management_zone(config)
        outputs.update(contract.to_outputs())
    if config.role != "management":
        outputs["landingZones"] = deploy_landing_zones(config, contract)
    actions = operator_actions(config)
    if actions:
        outputs["operatorActions"] = actions
    return outputs
