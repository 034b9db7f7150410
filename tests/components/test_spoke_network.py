"""The landing zone spoke: subnets in sequence, deny-by-default NSGs, egress and DNS through the hub, peerings."""

from __future__ import annotations

from itertools import pairwise

from cloudscale.components.baseline import ServiceBaseline
from cloudscale.components.spoke_network import SpokeNetwork, SpokeNetworkArgs, SubnetKind, subnet_specs
from cloudscale.components.vnet_peering import VnetPeering, VnetPeeringArgs

from .support import WORKSPACE_ID, service_baseline, urn_of

HUB_VNET_ID = "/subscriptions/s/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub"
FIREWALL_IP = "10.0.0.4"
PLATFORM = ["10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16"]
CLIENTS = ["192.168.0.0/16"]
PLAN = {
    "privateEndpoints": "10.1.0.0/24",
    "integration": "10.1.1.0/24",
    "compute": "10.1.2.0/24",
    "powerBiGateway": "10.1.3.0/24",
    "product-sales": "10.1.4.0/24",
}
SUBNET = "azure-native:network:Subnet"
NSG = "azure-native:network:NetworkSecurityGroup"


def _baseline() -> ServiceBaseline:
    return service_baseline(resource_group_name="rg-network", endpoint_subnet_id=None)


def _spoke() -> SpokeNetwork:
    return SpokeNetwork(
        "net",
        SpokeNetworkArgs(
            baseline=_baseline(),
            address_space="10.1.0.0/16",
            subnets=subnet_specs(
                PLAN,
                private_endpoint_roles=["privateEndpoints"],
                delegations={"powerBiGateway": "Microsoft.PowerPlatform/vnetaccesslinks"},
            ),
            dns_servers=[FIREWALL_IP],
            firewall_private_ip=FIREWALL_IP,
            platform_prefixes=PLATFORM,
            client_prefixes=CLIENTS,
        ),
    )


def _rules(run, role: str) -> dict[str, dict]:
    return {rule["name"]: rule for rule in run.one(NSG, f"net-nsg-{role}").inputs["securityRules"]}


def test_vnet_resolves_names_through_the_firewall(offline):
    run = offline.run(_spoke)
    vnet = run.one("azure-native:network:VirtualNetwork")
    assert vnet.inputs["virtualNetworkName"] == "vnet-adatum-dev-sales"
    assert vnet.inputs["addressSpace"] == {"addressPrefixes": ["10.1.0.0/16"]}
    assert vnet.inputs["dhcpOptions"] == {"dnsServers": [FIREWALL_IP]}


def test_default_route_goes_to_the_firewall_without_bgp(offline):
    run = offline.run(_spoke)
    table = run.one("azure-native:network:RouteTable")
    assert table.inputs["disableBgpRoutePropagation"] is True
    assert table.inputs["routes"] == [
        {
            "name": "to-firewall-default",
            "addressPrefix": "0.0.0.0/0",
            "nextHopType": "VirtualAppliance",
            "nextHopIpAddress": FIREWALL_IP,
        }
    ]


def test_every_subnet_has_its_nsg_the_route_table_and_no_default_outbound(offline):
    run = offline.run(_spoke)
    subnets = {s.inputs["subnetName"]: s for s in run.of_type(SUBNET)}
    assert sorted(s.inputs["addressPrefix"] for s in subnets.values()) == sorted(PLAN.values())
    assert len(run.of_type(NSG)) == len(PLAN)
    for role in PLAN:
        subnet = subnets[f"snet-adatum-dev-sales-{role}"]
        assert subnet.inputs["defaultOutboundAccess"] is False
        assert subnet.inputs["privateEndpointNetworkPolicies"] == "Enabled"
        if not offline.preview:
            assert subnet.inputs["networkSecurityGroup"] == {"id": run.mocks.ids[(NSG, f"net-nsg-{role}")]}
            assert subnet.inputs["routeTable"] == {
                "id": run.mocks.ids[("azure-native:network:RouteTable", "net-routes")]
            }


def test_subnets_are_written_one_after_another(offline):
    run = offline.run(_spoke)
    roles = list(PLAN)
    for before, after in pairwise(roles):
        dependencies = run.monitor.options[urn_of(run, f"net-subnet-{after}")].dependencies
        assert urn_of(run, f"net-subnet-{before}") in dependencies


def test_power_bi_gateway_subnet_is_delegated(offline):
    run = offline.run(_spoke)
    gateway = run.one(SUBNET, "net-subnet-powerBiGateway")
    assert gateway.inputs["delegations"] == [
        {"name": "Microsoft.PowerPlatform-vnetaccesslinks", "serviceName": "Microsoft.PowerPlatform/vnetaccesslinks"}
    ]
    assert "delegations" not in run.one(SUBNET, "net-subnet-integration").inputs


def test_nsgs_deny_everything_not_explicitly_allowed(offline):
    run = offline.run(_spoke)
    for role in PLAN:
        rules = _rules(run, role)
        for direction in ("inbound", "outbound"):
            deny = rules[f"deny-all-{direction}"]
            assert (
                deny["access"],
                deny["priority"],
                deny["sourceAddressPrefix"],
                deny["destinationAddressPrefix"],
            ) == ("Deny", 4096, "*", "*")
        allows = [r for r in rules.values() if r["access"] == "Allow"]
        assert all(r["priority"] < 4096 for r in allows)
        # Nothing is allowed in from anywhere, and the VirtualNetwork tag is never used: with the
        # 0.0.0.0/0 route it would cover every address.
        assert all(r.get("sourceAddressPrefix") != "*" for r in allows if r["direction"] == "Inbound")
        assert "VirtualNetwork" not in str(rules)


def test_private_endpoint_subnet_only_accepts_the_network_and_never_initiates(offline):
    rules = _rules(offline.run(_spoke), "privateEndpoints")
    inbound = [r for r in rules.values() if r["direction"] == "Inbound" and r["access"] == "Allow"]
    assert [(r["sourceAddressPrefixes"], r["destinationAddressPrefix"]) for r in inbound] == [
        ([*PLATFORM, *CLIENTS], PLAN["privateEndpoints"])
    ]
    assert [r for r in rules.values() if r["direction"] == "Outbound" and r["access"] == "Allow"] == []


def test_workload_subnets_reach_the_platform_dns_and_https_through_the_firewall(offline):
    rules = _rules(offline.run(_spoke), "integration")
    platform = rules["allow-platform"]
    assert (platform["sourceAddressPrefix"], platform["destinationAddressPrefixes"]) == (
        PLAN["integration"],
        [*PLATFORM, *CLIENTS],
    )
    dns = rules["allow-dns"]
    assert (dns["destinationAddressPrefixes"], dns["destinationPortRange"]) == ([FIREWALL_IP], "53")
    https = rules["allow-https-via-firewall"]
    assert (https["destinationAddressPrefix"], https["destinationPortRange"], https["protocol"]) == (
        "Internet",
        "443",
        "Tcp",
    )
    assert [r["name"] for r in rules.values() if r["direction"] == "Inbound" and r["access"] == "Allow"] == []


def test_workload_subnets_let_windows_activation_reach_the_firewall(offline):
    run = offline.run(_spoke)
    for role in ("integration", "compute", "powerBiGateway", "product-sales"):
        kms = _rules(run, role)["allow-kms-via-firewall"]
        # The firewall's windows-activation rule admits TCP 1688 to the Azure KMS FQDNs (Microsoft
        # Learn, "Troubleshoot Azure Windows virtual machine activation problems"); the NSG must let
        # it leave first, ahead of the deny-all.
        assert (kms["direction"], kms["access"], kms["protocol"]) == ("Outbound", "Allow", "Tcp")
        assert (kms["destinationAddressPrefix"], kms["destinationPortRange"]) == ("Internet", "1688")
        assert kms["priority"] < 4096
    assert "allow-kms-via-firewall" not in _rules(run, "privateEndpoints")


def test_compute_subnet_carries_no_azure_ml_rules(offline):
    # Azure ML clusters run in the workspace's managed VNet (managed network isolation), never in a
    # subnet of the zone: rules for them here would be open ports nobody uses.
    run = offline.run(_spoke)
    compute, integration = _rules(run, "compute"), _rules(run, "integration")
    assert set(compute) == set(integration)
    assert "AzureMachineLearning" not in str(run.one(NSG, "net-nsg-compute").inputs)


def test_diagnostics_on_the_vnet_and_every_nsg(offline):
    run = offline.run(_spoke)
    settings = run.of_type("azure-native:monitor:DiagnosticSetting")
    assert {s.inputs["workspaceId"] for s in settings} == {WORKSPACE_ID}
    assert len(settings) == 1 + len(PLAN)
    nsg_setting = run.one("azure-native:monitor:DiagnosticSetting", "net-nsg-compute-diag")
    # NSGs have logs but no metrics; asking for metrics would make Azure reject the setting.
    assert "metrics" not in nsg_setting.inputs
    if not offline.preview:
        assert nsg_setting.inputs["resourceUri"] == run.mocks.ids[(NSG, "net-nsg-compute")]


def test_subnet_specs_classify_roles():
    specs = {s.role: s for s in subnet_specs(PLAN, private_endpoint_roles=["privateEndpoints"])}
    assert specs["privateEndpoints"].kind is SubnetKind.PRIVATE_ENDPOINTS
    assert specs["compute"].kind is SubnetKind.WORKLOAD
    assert specs["product-sales"].kind is SubnetKind.WORKLOAD


def _peering(*, gateway: bool = False) -> VnetPeering:
    return VnetPeering(
        "sales-to-mgmt",
        VnetPeeringArgs(
            baseline=_baseline(),
            local_vnet_name="vnet-adatum-dev-sales",
            local_zone="sales",
            remote_zone="mgmt",
            remote_vnet_id=HUB_VNET_ID,
            use_remote_gateways=gateway,
        ),
    )


def test_peering_allows_network_and_forwarded_traffic_without_gateways(offline):
    peering = offline.run(_peering).one("azure-native:network:VirtualNetworkPeering")
    assert peering.inputs == {
        "virtualNetworkPeeringName": "peer-adatum-dev-sales-to-mgmt",
        "virtualNetworkName": "vnet-adatum-dev-sales",
        "resourceGroupName": "rg-network",
        "remoteVirtualNetwork": {"id": HUB_VNET_ID},
        "allowVirtualNetworkAccess": True,
        "allowForwardedTraffic": True,
        "allowGatewayTransit": False,
        "useRemoteGateways": False,
    }


def test_peering_uses_the_remote_gateway_only_when_asked(offline):
    peering = offline.run(lambda: _peering(gateway=True)).one("azure-native:network:VirtualNetworkPeering")
    assert peering.inputs["useRemoteGateways"] is True
