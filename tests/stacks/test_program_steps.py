"""The program declares the platform zone by zone and settles in between (stacks/program.py).

Settling changes when registrations are processed, never what is registered: the entry point that
``pulumi up`` runs, the offline engine's draining run and ``build_platform`` register the same
resources with the same inputs and dependencies, in update and preview mode.
"""

from __future__ import annotations

import json
import runpy
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from pulumi.runtime import settings

from cloudscale.stacks import build_platform, load_config, run_platform
from cloudscale.stacks.offline.engine import OfflineRun
from cloudscale.stacks.offline.stack_files import PROJECT_ROOT
from cloudscale.stacks.program import settle_for_engine, wait_for_registrations

from ..conftest import Offline

VNET = "azure-native:network:VirtualNetwork"
PEERING = "azure-native:network:VirtualNetworkPeering"


def _asset_path(value: Any) -> str:
    """Assets by their file; anything else not JSON (preview's unknowns) by its type."""
    return str(getattr(value, "path", type(value).__name__))


def _registered(run: OfflineRun) -> tuple[list[str], dict[str, tuple[Any, ...]]]:
    """What the engine was asked to create: every resource's inputs, and by URN its dependencies,
    parent, aliases and protection."""
    inputs = sorted(json.dumps([r.typ, r.name, r.inputs], sort_keys=True, default=_asset_path) for r in run.resources)
    options = {
        urn: (
            sorted(o.dependencies),
            o.parent,
            sorted(o.aliases),
            o.protect,
            {key: sorted(urns) for key, urns in o.property_dependencies.items()},
        )
        for urn, o in run.monitor.options.items()
        # The root stack registers with the first mocks of a test only.
        if o.typ != "pulumi:pulumi:Stack"
    }
    return inputs, options


def _entry_point(captured: list[Callable[[], Any]]) -> Any:
    """``__main__.py`` as the Pulumi CLI runs it: the module, then the program it gave ``pulumi.run``."""
    runpy.run_path(str(PROJECT_ROOT / "__main__.py"))
    (program,) = captured
    return program()


def test_entry_point_and_drained_run_register_what_build_platform_does(
    offline: Offline, dev_config: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    declared_at_once = offline.run(lambda: build_platform(load_config()), dev_config)
    drained = offline.run(lambda: run_platform(load_config(), settle=wait_for_registrations), dev_config)
    captured: list[Callable[[], Any]] = []
    monkeypatch.setattr(pulumi, "run", captured.append)
    entry = offline.run(lambda: _entry_point(captured), dev_config)

    expected = _registered(declared_at_once)
    assert len(expected[1]) > 400
    assert _registered(drained) == expected
    assert _registered(entry) == expected
    assert drained.export_keys == entry.export_keys == declared_at_once.export_keys
    assert drained.exports == entry.exports == declared_at_once.exports


def test_draining_settle_registers_each_zone_before_the_next_is_declared(
    offline: Offline, dev_config: dict[str, str]
) -> None:
    """Under the offline engine the stack never holds more than one zone's pending registrations."""
    seen: list[tuple[set[str], int]] = []

    async def drain_and_look() -> None:
        await wait_for_registrations()
        monitor = settings.get_monitor()
        vnets = {o.name for o in monitor.options.values() if o.typ == VNET}
        peerings = sum(1 for o in monitor.options.values() if o.typ == PEERING)
        seen.append((vnets, peerings))

    offline.run(lambda: run_platform(load_config(), settle=drain_and_look), dev_config)

    # After the management zone: its hub VNet is registered, the sales zone is not declared yet.
    (hub_vnets, hub_peerings), (zone_vnets, zone_peerings), *mesh = seen
    # Then one step per zone for its side of the mesh (none with one landing zone).
    assert mesh == [(zone_vnets, zone_peerings)]
    assert len(hub_vnets) == 1 and hub_peerings == 0
    # After the sales zone: its VNet and its two peerings with the hub are registered too.
    assert len(zone_vnets) == 2 and hub_vnets < zone_vnets
    assert zone_peerings == 2


def test_cli_settle_waits_for_the_engine_in_a_preview_only(
    offline: Offline, mode: str, dev_config: dict[str, str]
) -> None:
    """Under the CLI an update's registrations are answered when Azure has finished: never wait there."""
    registered_after_management: list[int] = []

    async def settle_and_look() -> None:
        await settle_for_engine()
        if not registered_after_management:
            registered_after_management.append(len(settings.get_monitor().options))

    run = offline.run(lambda: run_platform(load_config(), settle=settle_and_look), dev_config)

    # The management zone's resources, less its side of each peering (declared with the landing zone).
    names = [o.urn.split("::")[-1] for o in run.monitor.options.values()]
    management = [name for name in names if name.startswith("mgmt-") and "-to-" not in name]
    assert len(management) > 100
    if mode == "preview":
        assert registered_after_management[0] >= len(management)
    else:
        assert registered_after_management[0] < len(management)


def test_each_zone_side_of_the_mesh_is_its_own_step(offline: Offline, dev_config: dict[str, str]) -> None:
    """The mesh grows with the square of the zones; a plan holds one zone's side of it at a time."""
    template = json.loads(dev_config["cloudscale:landingZones"])[0]
    zones = [
        {**template, "name": name, "addressSpace": space}
        for name, space in (("east", "10.1.0.0/16"), ("west", "10.2.0.0/16"))
    ]
    peerings_after_step: list[int] = []

    async def wait_and_count() -> None:
        await wait_for_registrations()
        peerings_after_step.append(sum(1 for o in settings.get_monitor().options.values() if o.typ == PEERING))

    config = {**dev_config, "cloudscale:landingZones": json.dumps(zones)}
    offline.run(lambda: run_platform(load_config(), settle=wait_and_count), config)

    # Management zone, east and west with their hub peerings (2 each), then east's and west's side of the mesh.
    assert peerings_after_step == [0, 2, 4, 5, 6]
