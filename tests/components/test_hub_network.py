"""The management zone's VNet, with its own firewall subnet and behind an existing hub."""

from __future__ import annotations

import pytest

from cloudscale.components.hub_network import FIREWALL_SUBNET_NAME, HubNetwork, HubNetworkArgs

from .support import WORKSPACE_ID, service_baseline

HUB_VNET_ID = "/subscriptions/h/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub"
SUBNET = "azure-native:network:Subnet"
PEERS = ["10.0.0.0/16", "10.1.0.0/16", "10.100.0.0/16"]


def _network(*, own_firewall: bool = True) -> HubNetwork:
    return HubNetwork(
        "net",
        HubNetworkArgs(
            baseline=service_baseline(zone="mgmt", resource_group_name="rg-network", endpoint_subnet_id=None),
            address_space="10.0.0.0/16",
            services_subnet_prefix="10.0.1.0/24",
            egress_next_hop_ip="10.0.0.4" if own_firewall else "10.100.0.4",
            firewall_subnet_prefix="10.0.0.0/26" if own_firewall else None,
            dns_servers=[] if own_firewall else ["10.100.0.68", "10.100.0.69"],
            remote_hub_vnet_id=None if own_firewall else HUB_VNET_ID,
            client_prefixes=PEERS,
        ),
    )


def _options(run, name: str):
    (found,) = [o for o in run.monitor.options.values() if o.name == name]
    return found


def test_services_subnet_carries_nsg_route_table_and_private_endpoint_policies(offline):
    run = offline.run(_network)
    services = run.one(SUBNET, "net-snet-services")
    assert services.inputs["subnetName"] == "snet-adatum-dev-mgmt-services"
    assert services.inputs["addressPrefix"] == "10.0.1.0/24"
    # "Enabled" makes the NSG and the route table apply to private endpoints as well.
    assert services.inputs["privateEndpointNetworkPolicies"] == "Enabled"
    assert services.inputs["defaultOutboundAccess"] is False
    assert "networkSecurityGroup" in services.inputs
    assert "routeTable" in services.inputs
    if not offline.preview:
        assert services.inputs["networkSecurityGroup"] == {
            "id": run.mocks.ids[("azure-native:network:NetworkSecurityGroup", "net-nsg")]
        }
        assert services.inputs["routeTable"] == {"id": run.mocks.ids[("azure-native:network:RouteTable", "net-rt")]}


def test_default_route_forces_all_egress_through_the_firewall(offline):
    run = offline.run(_network)
    table = run.one("azure-native:network:RouteTable")
    assert table.inputs["disableBgpRoutePropagation"] is True
    assert table.inputs["routes"] == [
        {
            "name": "default-to-firewall",
            "addressPrefix": "0.0.0.0/0",
            "nextHopType": "VirtualAppliance",
            "nextHopIpAddress": "10.0.0.4",
        }
    ]


def test_subnets_are_written_one_after_another(offline):
    run = offline.run(_network)
    firewall_subnet = run.one(SUBNET, "net-snet-firewall")
    assert firewall_subnet.inputs["subnetName"] == FIREWALL_SUBNET_NAME
    assert firewall_subnet.inputs["addressPrefix"] == "10.0.0.0/26"
    assert _options(run, "net-snet-firewall").urn in _options(run, "net-snet-services").dependencies


def test_own_firewall_uses_azure_dns_and_peers_nowhere(offline):
    run = offline.run(_network)
    vnet = run.one("azure-native:network:VirtualNetwork")
    assert vnet.inputs["addressSpace"] == {"addressPrefixes": ["10.0.0.0/16"]}
    assert vnet.inputs["dhcpOptions"] == {"dnsServers": []}
    assert run.of_type("azure-native:network:VirtualNetworkPeering") == []


def test_existing_hub_gets_no_firewall_subnet_and_uses_the_hubs_dns_and_firewall(offline):
    run = offline.run(lambda: _network(own_firewall=False))
    assert [s.inputs["subnetName"] for s in run.of_type(SUBNET)] == ["snet-adatum-dev-mgmt-services"]
    vnet = run.one("azure-native:network:VirtualNetwork")
    assert vnet.inputs["dhcpOptions"] == {"dnsServers": ["10.100.0.68", "10.100.0.69"]}
    route = run.one("azure-native:network:RouteTable").inputs["routes"][0]
    assert route["nextHopIpAddress"] == "10.100.0.4"


def test_existing_hub_is_peered_from_this_side_after_the_subnets(offline):
    run = offline.run(lambda: _network(own_firewall=False))
    peering = run.one("azure-native:network:VirtualNetworkPeering")
    assert peering.inputs["remoteVirtualNetwork"] == {"id": HUB_VNET_ID}
    assert peering.inputs["allowVirtualNetworkAccess"] is True
    assert peering.inputs["allowForwardedTraffic"] is True
    assert peering.inputs["useRemoteGateways"] is False
    assert _options(run, "net-snet-services").urn in _options(run, "net-peer-hub").dependencies


def test_existing_hub_network_has_no_firewall_subnet_to_hand_out(offline):
    def program() -> None:
        network = _network(own_firewall=False)
        with pytest.raises(ValueError, match=FIREWALL_SUBNET_NAME):
            _ = network.firewall_subnet_id

    offline.run(program)


def test_vnet_and_nsg_send_what_they_support_to_log_analytics(offline):
    run = offline.run(_network)
    settings = {s.name: s.inputs for s in run.of_type("azure-native:monitor:DiagnosticSetting")}
    assert set(settings) == {"net-vnet-diag", "net-nsg-diag"}
    assert all(s["workspaceId"] == WORKSPACE_ID for s in settings.values())
    assert settings["net-vnet-diag"]["metrics"] == [{"category": "AllMetrics", "enabled": True}]
    # NSGs have resource logs but no exportable metrics; asking for metrics would be rejected.
    assert settings["net-nsg-diag"]["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]
    assert "metrics" not in settings["net-nsg-diag"]
    if not offline.preview:
        assert (
            settings["net-vnet-diag"]["resourceUri"]
            == run.mocks.ids[("azure-native:network:VirtualNetwork", "net-vnet")]
        )


@pytest.mark.parametrize("own_firewall", [True, False])
def test_services_subnet_denies_everything_but_the_peered_networks(offline, own_firewall):
    # Azure's default AllowVnetInBound admits every prefix a route or gateway makes reachable (on-premises
    # ranges through a hub included), so the services subnet takes the landing zones' private-endpoint
    # rules: the directly peered networks in, nothing out.
    run = offline.run(lambda: _network(own_firewall=own_firewall))
    rules = {r["name"]: r for r in run.one("azure-native:network:NetworkSecurityGroup").inputs["securityRules"]}
    assert set(rules) == {"allow-clients-to-endpoints", "deny-all-inbound", "deny-all-outbound"}
    allow = rules["allow-clients-to-endpoints"]
    assert (allow["direction"], allow["sourceAddressPrefixes"], allow["destinationAddressPrefix"]) == (
        "Inbound",
        PEERS,
        "10.0.1.0/24",
    )
    for direction in ("inbound", "outbound"):
        deny = rules[f"deny-all-{direction}"]
        assert (deny["access"], deny["sourceAddressPrefix"], deny["destinationAddressPrefix"]) == ("Deny", "*", "*")
