"""The whole program: which zones a stack deploys, chosen by ``cloudscale:role``.

The program declares the platform in steps: the management zone, then each landing zone, then each
zone's side of the peering mesh. ``build_platform`` runs the steps back to back, for tests and for programs that add
their own resources around the platform. ``run_platform`` is what ``pulumi up`` runs (through
``pulumi.run`` in ``__main__.py``): after each step it hands control back to the event loop, so the
registrations already declared are serialised and sent while the next zone is declared. A program
that declares everything before yielding once holds every registration's pending state at the same
time (about 40 KiB per resource in the Python SDK), and the engine sits idle until the last zone is
declared; with 50 landing zones that is over a gigabyte and most of a minute.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable, Generator
from typing import Any

import pulumi
from pulumi.runtime.stack import wait_for_rpcs
from pulumi_azure_native import authorization

from cloudscale.stacks.aliases import apply_alias_policy
from cloudscale.stacks.config import PlatformConfig
from cloudscale.stacks.config.network_plan import MANAGEMENT_ZONE
from cloudscale.stacks.contract import ZoneContract
from cloudscale.stacks.landing_zone import deploy_landing_zones
from cloudscale.stacks.management_zone import deploy_management_zone
from cloudscale.stacks.operator_actions import operator_actions

# What the program awaits between steps: ``settle_for_engine`` under the Pulumi CLI; the offline
# engine answers every registration at once, so ``cloudscale plan`` waits for them all.
Settle = Callable[[], Awaitable[None]]
# Young-generation allocations between collections. The default (700) makes the collector run
# every few registrations, and each run of the older generations walks every live Output, future and
# task of the resources declared so far: a third of the program's CPU on a large stack. Resources
# live until the program ends, so collecting them earlier frees nothing.
YOUNG_GENERATION_THRESHOLD = 50_000


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


def declare_platform(config: PlatformConfig) -> Generator[str, None, dict[str, Any]]:
    """Declare every resource of the configured role in steps, yielding the zone each step declared
    (the management zone, each landing zone, then each zone's side of the peering mesh); return the
    stack outputs."""
    apply_alias_policy(keep_provider_aliases=config.keep_provider_aliases)
    config = with_name_seed(config)
    outputs: dict[str, Any] = {"role": config.role, "environment": config.environment, "location": config.location}
    if config.role == "landing":
        reference = pulumi.StackReference(config.management_stack or "")
        contract = ZoneContract.from_stack_reference(reference)
    else:
        contract = deploy_management_zone(config)
        outputs.update(contract.to_outputs())
        yield MANAGEMENT_ZONE
    if config.role != "management":
        outputs["landingZones"] = yield from deploy_landing_zones(config, contract)
    actions = operator_actions(config)
    if actions:
        outputs["operatorActions"] = actions
    return outputs


def build_platform(config: PlatformConfig) -> dict[str, Any]:
    """Declare every resource of the configured role at once and return the stack outputs."""
    steps = declare_platform(config)
    while (outputs := _next_step(steps)) is None:
        pass
    return outputs


def _next_step(steps: Generator[str, None, dict[str, Any]]) -> dict[str, Any] | None:
    """Declare the next step; the stack outputs once there is none left."""
    try:
        next(steps)
    except StopIteration as finished:
        return finished.value
    return None


async def wait_for_registrations() -> None:
    """Wait until the engine has answered every registration declared so far."""
    # A registration joins the SDK's list of outstanding calls when its task first runs: one turn of
    # the loop starts every task declared so far.
    await asyncio.sleep(0)
    await wait_for_rpcs(await_all_outstanding_tasks=False)
    # What is left once the engine has answered is the stack's state, which lives until the program
    # ends: with the youngest garbage collected, out of the collector's generations it goes, so later
    # collections do not walk it again (10% of a 15-zone plan's CPU; the rest of the garbage it pins
    # costs about 8 to 10 KiB per resource).
    gc.collect(0)
    gc.freeze()


async def settle_for_engine() -> None:
    """Between zones under the Pulumi CLI. In a preview the engine answers a registration as soon as
    it has diffed it, so the program waits for the answers and holds one zone's pending state at a
    time. In an update it answers when Azure has finished, so the program must not wait: it lets the
    registrations declared so far take their next step, and the engine starts on them."""
    if pulumi.runtime.is_dry_run():
        await wait_for_registrations()
    else:
        await asyncio.sleep(0)


async def run_platform(config: PlatformConfig, settle: Settle = settle_for_engine) -> dict[str, Any]:
    """The program as ``pulumi up`` runs it: the platform declared zone by zone, settling in between."""
    # Everything imported by now (the azure-native SDK's thousands of classes and functions) lives as
    # long as the program: out of the collector's generations, no collection walks it again.
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, *gc.get_threshold()[1:])
    steps = declare_platform(config)
    while (outputs := _next_step(steps)) is None:
        await settle()
    return outputs
