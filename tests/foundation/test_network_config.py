"""Network config that cannot route is rejected before any resource exists, naming the key to change."""

from __future__ import annotations

import json
from collections.abc import Callable
from ipaddress import IPv4Address
from typing import Any

import pytest

from cloudscale.stacks import build_platform, load_config
from cloudscale.stacks.config import ConfigError, parse_config
from cloudscale.stacks.config.network_plan import reachable_in_one_hop
from cloudscale.stacks.offline.stack_files import load_stack_config

from ..stacks.support import config_with

HUB_VNET_ID = (
    "/subscriptions/aaaaaaaa-0000-0000-0000-000000000001/resourceGroups/rg-connectivity-hub/providers/"
    "Microsoft.Network/virtualNetworks/vnet-hub-westeurope"
)


@pytest.fixture(scope="module")
def byohub_config() -> dict[str, str]:
    return load_stack_config("byohub")


def _hub_edit(**changes: Any) -> Callable[[dict[str, str]], dict[str, Any]]:
    def edit(values: dict[str, str]) -> dict[str, Any]:
        management = json.loads(values["cloudscale:management"])
        hub = management["existingHub"]
        for key, value in changes.items():
            if value is None:
                hub.pop(key, None)
            else:
                hub[key] = value
        return {"management": management}

    return edit


def _zone_edit(**changes: Any) -> Callable[[dict[str, str]], dict[str, Any]]:
    def edit(values: dict[str, str]) -> dict[str, Any]:
        zones = json.loads(values["cloudscale:landingZones"])
        zones[0].update(changes)
        return {"landingZones": zones}

    return edit


def _second_zone_without_stack(values: dict[str, str]) -> dict[str, Any]:
    zones = json.loads(values["cloudscale:landingZones"])
    zones.append({"name": "hr", "addressSpace": "10.2.0.0/16"})
    return {
        "landingZones": zones,
        "role": "landing",
        "landingZone": zones[0]["name"],
        "managementStack": "adatum/cloudscale/mgmt",
    }


# (case, edit of the byohub stack's config, key named, fragment of the message)
BAD_NETWORK_CONFIGS = [
    # A UDR next hop must be in the same or a directly peered VNet (Microsoft Learn, "Extend peering
    # with user-defined routes and service chaining"); the platform peers only with the hub.
    (
        "hub-firewall-outside-the-hub",
        _hub_edit(firewallPrivateIp="10.200.0.4"),
        "management.existingHub.firewallPrivateIp",
        "outside the hub's addressSpace",
    ),
    (
        "hub-dns-server-outside-the-hub",
        _hub_edit(dnsServers=["10.100.0.4", "192.168.10.10"]),
        "management.existingHub.dnsServers[1]",
        "outside the hub's addressSpace",
    ),
    ("hub-without-vnet-id", _hub_edit(hubVnetId=None), "management.existingHub.hubVnetId", "required"),
    (
        "hub-vnet-id-not-a-vnet",
        _hub_edit(hubVnetId="/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/vnet-hub"),
        "management.existingHub.hubVnetId",
        "pattern",
    ),
    ("hub-without-address-space", _hub_edit(addressSpace=None), "management.existingHub.addressSpace", "required"),
    # Peered VNets need disjoint address spaces, and every platform VNet peers with the hub.
    (
        "hub-overlaps-a-landing-zone",
        _hub_edit(addressSpace=["10.1.0.0/16"], firewallPrivateIp="10.1.0.4", dnsServers=["10.1.0.4"]),
        "landingZones[0].addressSpace",
        "overlaps management.existingHub.addressSpace[0]",
    ),
    # Gateway transit needs a gateway in the management VNet, which has none (RemoteVnetHasNoGateways),
    # and every route table turns BGP propagation off: the setting could never work, so it is gone.
    ("use-management-gateway", _zone_edit(useManagementGateway=True), "landingZones[0].useManagementGateway", "not"),
    (
        "landing-role-without-the-other-zones-stack",
        _second_zone_without_stack,
        "landingZones[1].stack",
        "required with role 'landing'",
    ),
]
IDS = [case[0] for case in BAD_NETWORK_CONFIGS]


@pytest.mark.parametrize(("case", "edit", "key", "fragment"), BAD_NETWORK_CONFIGS, ids=IDS)
def test_unroutable_network_config_names_the_key(byohub_config, case, edit, key, fragment):
    with pytest.raises(ConfigError) as raised:
        parse_config(config_with(byohub_config, **edit(byohub_config)))
    problems = [p for p in raised.value.problems if p.key == key]
    assert problems, str(raised.value)
    assert any(fragment in p.message for p in problems), str(raised.value)


@pytest.mark.parametrize(("case", "edit", "key", "fragment"), BAD_NETWORK_CONFIGS, ids=IDS)
def test_unroutable_network_config_registers_nothing(offline, byohub_config, case, edit, key, fragment):
    with pytest.raises(ConfigError):
        offline.run(lambda: build_platform(load_config()), config=config_with(byohub_config, **edit(byohub_config)))
    assert offline.mocks is not None
    assert offline.mocks.resources == []


def test_byohub_stack_routes_every_vnet_to_a_next_hop_one_peering_away(byohub_config):
    config = parse_config(byohub_config)
    hub = config.management.existing_hub
    assert hub is not None and hub.hub_vnet_id == HUB_VNET_ID
    for vnet in ("mgmt", "sales"):
        assert reachable_in_one_hop(config, vnet, hub.firewall_private_ip)
        assert all(reachable_in_one_hop(config, vnet, server) for server in hub.dns_servers)


def test_own_firewall_is_one_peering_away_from_every_vnet(dev_config):
    config = parse_config(dev_config)
    firewall_subnet = config.management.network.firewall_subnet
    for vnet in ("mgmt", "sales"):
        assert reachable_in_one_hop(config, vnet, firewall_subnet)
    # Not vacuous: without a hub, an enterprise hub's firewall address is two peerings away at best.
    assert not reachable_in_one_hop(config, "sales", IPv4Address("10.100.0.4"))
