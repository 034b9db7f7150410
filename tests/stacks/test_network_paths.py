"""Every VNet a stack declares can reach its default route's next hop and its DNS servers in one hop.

Peering is not transitive, and a user-defined route's next hop must be in the same VNet or a directly
peered one (Microsoft Learn, "Extend peering with user-defined routes and service chaining"). The
check reads what the program declared: VNets, the route tables of their subnets, their peerings.
"""

from __future__ import annotations

import json
from ipaddress import IPv4Address, IPv4Network

import pytest

from cloudscale.stacks import build_platform, load_config, parse_config
from cloudscale.stacks.offline.engine import OfflineRun
from cloudscale.stacks.offline.stack_files import load_stack_config

from ..stack_runs import StackRuns
from .test_landing_zone import MANAGEMENT_STACK, _contract_outputs

VNET = "azure-native:network:VirtualNetwork"
SUBNET = "azure-native:network:Subnet"
ROUTE_TABLE = "azure-native:network:RouteTable"
PEERING = "azure-native:network:VirtualNetworkPeering"
NSG = "azure-native:network:NetworkSecurityGroup"
HUB_SPACE = "10.100.0.0/16"


def _program():
    return build_platform(load_config())


@pytest.fixture(scope="module")
def byohub(stack_runs: StackRuns) -> OfflineRun:
    return stack_runs.run(load_stack_config("byohub"), stack="byohub")


def _one_hop_problems(run: OfflineRun, external: dict[str, list[str]]) -> list[str]:
    """Next hops and DNS servers of every declared VNet that lie outside it and its direct peers."""
    spaces = {
        run.mocks.ids[(VNET, v.name)]: [IPv4Network(p) for p in v.inputs["addressSpace"]["addressPrefixes"]]
        for v in run.of_type(VNET)
    }
    spaces.update({vnet_id: [IPv4Network(p) for p in prefixes] for vnet_id, prefixes in external.items()})
    name_to_id = {v.inputs["virtualNetworkName"]: run.mocks.ids[(VNET, v.name)] for v in run.of_type(VNET)}
    table_hops = {
        run.mocks.ids[(ROUTE_TABLE, t.name)]: [r["nextHopIpAddress"] for r in t.inputs["routes"]]
        for t in run.of_type(ROUTE_TABLE)
    }
    problems = []
    for vnet in run.of_type(VNET):
        vnet_name = vnet.inputs["virtualNetworkName"]
        peers = [
            p.inputs["remoteVirtualNetwork"]["id"]
            for p in run.of_type(PEERING)
            if p.inputs["virtualNetworkName"] == vnet_name
        ]
        reachable = [space for vnet_id in [name_to_id[vnet_name], *peers] for space in spaces.get(vnet_id, [])]
        hops = {
            hop
            for s in run.of_type(SUBNET)
            if s.inputs["virtualNetworkName"] == vnet_name and "routeTable" in s.inputs
            for hop in table_hops[s.inputs["routeTable"]["id"]]
        }
        dns = set(vnet.inputs["dhcpOptions"]["dnsServers"])
        assert hops, f"{vnet_name} routes nowhere"
        for kind, addresses in (("next hop", hops), ("DNS server", dns)):
            for address in addresses:
                if not any(IPv4Address(address) in space for space in reachable):
                    problems.append(f"{vnet_name}: {kind} {address} is not in the VNet or a direct peer")
    return problems


def test_byohub_plans_the_management_zone_and_sales_behind_the_hub(byohub):
    assert byohub.exports["role"] == "all"
    vnets = {v.inputs["virtualNetworkName"] for v in byohub.of_type(VNET)}
    assert vnets == {"vnet-adatum-prd-mgmt", "vnet-adatum-prd-sales"}
    assert byohub.of_type("azure-native:network:AzureFirewall") == []


def test_byohub_every_vnet_reaches_the_hubs_firewall_and_dns_in_one_hop(byohub):
    config = parse_config(load_stack_config("byohub"))
    hub = config.management.existing_hub
    assert hub is not None
    assert _one_hop_problems(byohub, {hub.hub_vnet_id: [HUB_SPACE]}) == []
    # Both platform VNets peer with the hub itself, not through the management VNet.
    to_hub = {
        p.inputs["virtualNetworkName"]
        for p in byohub.of_type(PEERING)
        if p.inputs["remoteVirtualNetwork"] == {"id": hub.hub_vnet_id}
    }
    assert to_hub == {"vnet-adatum-prd-mgmt", "vnet-adatum-prd-sales"}


def test_one_hop_check_flags_a_next_hop_outside_every_known_peer(byohub):
    # Not vacuous: with the hub's range unknown, both VNets' next hop and DNS server are flagged.
    problems = _one_hop_problems(byohub, {})
    assert sorted(p.split(":")[0] for p in problems) == ["vnet-adatum-prd-mgmt"] * 2 + ["vnet-adatum-prd-sales"] * 2


def test_byohub_lists_the_peerings_the_hubs_owner_creates(byohub):
    actions = byohub.exports["operatorActions"]
    back = [a for a in actions if "peers" in a and "back to VNet" in a]
    assert [a.split("back to VNet ")[1].split(" ")[0] for a in back] == [
        "vnet-adatum-prd-mgmt",
        "vnet-adatum-prd-sales",
    ]
    assert any("Microsoft.PowerPlatform" in a for a in actions)
    # No firewall of ours applies the egress allow-list behind a hub: the hub's owner does, for our ranges.
    (egress,) = [a for a in actions if "egress allow-list" in a]
    assert "10.0.0.0/16, 10.1.0.0/16" in egress


def test_byohub_nsgs_admit_the_hub_ranges(byohub):
    # Clients in the hub (the firewall's DNS proxy, jump hosts, build agents) reach the private endpoints.
    endpoints = {r.name: r.inputs for r in byohub.of_type(NSG)}["sales-network-nsg-privateEndpoints"]
    (allow,) = [r for r in endpoints["securityRules"] if r["name"] == "allow-clients-to-endpoints"]
    assert allow["sourceAddressPrefixes"] == ["10.0.0.0/16", "10.1.0.0/16", HUB_SPACE]


def test_own_firewall_every_vnet_reaches_the_firewall_in_one_hop(stack_runs, dev_config):
    run = stack_runs.run(dev_config)
    assert run.exports["firewallPrivateIp"] == "10.0.0.4"
    assert _one_hop_problems(run, {}) == []
    # Azure ML clusters run in the workspace's managed VNet, so the compute subnet opens nothing for them.
    nsgs = {r.name: r.inputs for r in run.of_type(NSG)}
    assert "AzureMachineLearning" not in str(nsgs["sales-network-nsg-compute"])


def test_power_platform_registration_is_listed_for_landing_zones_only(stack_runs, dev_config):
    run = stack_runs.run({**dev_config, "cloudscale:role": "management"})
    assert "operatorActions" not in run.exports
    run = stack_runs.run(dev_config)
    assert run.exports["operatorActions"][0] == (
        "Register the Microsoft.PowerPlatform resource provider in the landing zones' subscription before the "
        "first pulumi up (az provider register --namespace Microsoft.PowerPlatform): the powerBiGateway subnet "
        "is delegated to Microsoft.PowerPlatform/vnetaccesslinks."
    )


def _landing_behind_the_hub(byohub_management: bool) -> dict[str, str]:
    values = load_stack_config("byohub")
    management = json.loads(values["cloudscale:management"])
    # A landing stack takes the zone ids from the management stack's contract.
    management["existingHub"].pop("privateDnsZoneIds", None)
    management["existingHub"].pop("privateDnsZonesResourceGroupId", None)
    config = {
        **values,
        "cloudscale:role": "landing",
        "cloudscale:landingZone": "sales",
        "cloudscale:managementStack": MANAGEMENT_STACK,
    }
    if byohub_management:
        config["cloudscale:management"] = json.dumps(management)
    else:
        del config["cloudscale:management"]
    return config


def _hub_contract() -> dict[str, object]:
    return {**_contract_outputs(), "firewallPrivateIp": "10.100.0.4", "dnsServers": ["10.100.0.4"]}


def test_a_landing_stack_behind_the_hub_peers_with_it(offline):
    offline.stack_outputs[MANAGEMENT_STACK] = _hub_contract()
    run = offline.run(_program, config=_landing_behind_the_hub(byohub_management=True))
    peerings = {p.name: p.inputs for p in run.of_type(PEERING)}
    assert set(peerings) == {"sales-to-mgmt-peering", "mgmt-to-sales-peering", "sales-to-hub-peering"}
    hub_id = json.loads(load_stack_config("byohub")["cloudscale:management"])["existingHub"]["hubVnetId"]
    assert peerings["sales-to-hub-peering"]["remoteVirtualNetwork"] == {"id": hub_id}
    assert run.one(ROUTE_TABLE).inputs["routes"][0]["nextHopIpAddress"] == "10.100.0.4"


def test_a_landing_stack_that_does_not_know_the_hub_fails_instead_of_routing_two_hops_away(offline):
    # Its config says "own firewall", so it would not peer with the hub its contract routes to.
    offline.stack_outputs[MANAGEMENT_STACK] = _hub_contract()
    with pytest.raises(Exception, match=r"cloudscale:management: the management stack's firewall 10\.100\.0\.4"):
        offline.run(_program, config=_landing_behind_the_hub(byohub_management=False))
