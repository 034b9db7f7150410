"""Landing zones rolled out one stack at a time, in either order, with no config edit in between.

A peering to a VNet that does not exist fails (``InvalidGlobalResourceReference``), so a landing
stack peers only with the zones whose landing stacks report a VNet, and the zone deployed second
creates the pair in both directions. A small in-memory backend plays Pulumi's: each ``up`` reads the
other stacks' latest outputs through the mocked StackReferences and publishes its own.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from cloudscale.stacks import build_platform, load_config
from cloudscale.stacks.offline.engine import OfflineRun, run_offline
from cloudscale.stacks.offline.ordering import ordering_findings

from .support import config_with
from .test_landing_zone import MANAGEMENT_STACK, _contract_outputs

PEERING = "azure-native:network:VirtualNetworkPeering"
VNET = "azure-native:network:VirtualNetwork"
ZONES = {"sales": "10.1.0.0/16", "hr": "10.2.0.0/16"}
STACKS = {zone: f"adatum/cloudscale/{zone}" for zone in ZONES}
ORDERS = [("sales", "hr"), ("hr", "sales")]


def _program() -> dict[str, Any]:
    return build_platform(load_config())


@dataclass
class Backend:
    """Stack outputs as Pulumi's backend holds them; both landing stacks exist (initialised) from the start."""

    dev_config: Mapping[str, str]
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.outputs[MANAGEMENT_STACK] = _contract_outputs()
        for stack in STACKS.values():
            self.outputs[stack] = {}

    def config(self, zone: str) -> dict[str, str]:
        services = {"dataFactory": {"enabled": False}, "synapse": {"enabled": False}}
        zones = [
            {"name": name, "addressSpace": space, "services": services, "stack": STACKS[name]}
            for name, space in ZONES.items()
        ]
        return config_with(
            self.dev_config, role="landing", managementStack=MANAGEMENT_STACK, landingZone=zone, landingZones=zones
        )

    def up(self, zone: str) -> OfflineRun:
        run = run_offline(_program, config=self.config(zone), stack=zone, stack_outputs=copy.deepcopy(self.outputs))
        self.outputs[STACKS[zone]] = run.exports
        return run

    def preview(self, zone: str) -> OfflineRun:
        return run_offline(
            _program, config=self.config(zone), preview=True, stack=zone, stack_outputs=copy.deepcopy(self.outputs)
        )

    def zone_outputs(self, zone: str) -> dict[str, Any]:
        return self.outputs[STACKS[zone]]["landingZones"][zone]


def _peerings(run: OfflineRun) -> dict[str, dict[str, Any]]:
    return {r.name.removesuffix("-peering"): r.inputs for r in run.of_type(PEERING)}


def _mesh(run: OfflineRun) -> set[str]:
    return {name for name in _peerings(run) if "mgmt" not in name}


@pytest.fixture
def backend(dev_config: dict[str, str]) -> Backend:
    return Backend(dev_config)


@pytest.mark.parametrize("zone", list(ZONES))
def test_the_first_zone_deploys_alone_and_peers_only_with_the_management_zone(backend, zone):
    run = backend.up(zone)
    assert set(_peerings(run)) == {f"{zone}-to-mgmt", f"mgmt-to-{zone}"}
    assert backend.zone_outputs(zone)["meshPeerings"] == []
    # The other zone's stack is read, not guessed: no VNet id is derived for a zone that may not exist.
    assert {r.resource_id for r in run.of_type("pulumi:pulumi:StackReference")} == {
        MANAGEMENT_STACK,
        *(STACKS[other] for other in ZONES if other != zone),
    }


@pytest.mark.parametrize(("first", "second"), ORDERS, ids=["sales-first", "hr-first"])
def test_the_second_zone_completes_the_pair_in_both_directions(backend, first, second):
    backend.up(first)
    first_vnet = backend.zone_outputs(first)
    run = backend.up(second)
    peerings = _peerings(run)
    assert set(peerings) == {f"{second}-to-mgmt", f"mgmt-to-{second}", f"{second}-to-{first}", f"{first}-to-{second}"}
    outgoing, way_back = peerings[f"{second}-to-{first}"], peerings[f"{first}-to-{second}"]
    assert outgoing["virtualNetworkName"] == f"vnet-adatum-dev-{second}"
    assert outgoing["resourceGroupName"] == f"rg-adatum-dev-{second}-network"
    assert outgoing["remoteVirtualNetwork"] == {"id": first_vnet["vnetId"]}
    # The way back is written on the first zone's VNet, in its network resource group.
    assert (way_back["virtualNetworkName"], way_back["resourceGroupName"]) == (
        first_vnet["vnetName"],
        f"rg-adatum-dev-{first}-network",
    )
    assert way_back["virtualNetworkPeeringName"] == f"peer-adatum-dev-{first}-to-{second}"
    assert way_back["remoteVirtualNetwork"] == {"id": run.mocks.ids[(VNET, f"{second}-network-vnet")]}
    for peering in (outgoing, way_back):
        assert (peering["allowVirtualNetworkAccess"], peering["allowForwardedTraffic"]) == (True, True)
    assert backend.zone_outputs(second)["meshPeerings"] == [first]
    # The outgoing peering queues behind the zone's earlier writes on its own VNet, the way back behind it.
    options = {o.name: o for o in run.monitor.options.values()}
    urns = {o.name: urn for urn, o in run.monitor.options.items()}
    assert urns[f"{second}-to-mgmt-peering"] in options[f"{second}-to-{first}-peering"].dependencies
    assert urns[f"{second}-to-{first}-peering"] in options[f"{first}-to-{second}-peering"].dependencies
    assert ordering_findings(run) == []


@pytest.mark.parametrize(("first", "second"), ORDERS, ids=["sales-first", "hr-first"])
def test_later_runs_of_either_stack_keep_exactly_one_owner_per_peering(backend, first, second):
    backend.up(first)
    backend.up(second)
    # The first stack's next up sees the pair claimed by the second, and declares nothing for it.
    again_first = backend.up(first)
    assert _mesh(again_first) == set()
    assert backend.zone_outputs(first)["meshPeerings"] == []
    again_second = backend.up(second)
    assert _mesh(again_second) == {f"{second}-to-{first}", f"{first}-to-{second}"}
    assert backend.zone_outputs(second)["meshPeerings"] == [first]
    # Across both stacks' latest states, each direction has exactly one owner.
    owned = sorted([*_mesh(again_first), *_mesh(again_second)])
    assert owned == sorted([f"{first}-to-{second}", f"{second}-to-{first}"])


@pytest.mark.parametrize(("first", "second"), ORDERS, ids=["sales-first", "hr-first"])
def test_a_preview_of_the_second_zone_shows_the_pair(backend, first, second):
    backend.up(first)
    # Stack outputs are known in a preview as well (the backend holds them), so the plan lists the pair.
    run = backend.preview(second)
    assert _mesh(run) == {f"{second}-to-{first}", f"{first}-to-{second}"}
