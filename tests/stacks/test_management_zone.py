"""The management zone as the stacks compose it: own firewall, bring your own hub, and the management role alone.

Most tests run the dev stack's config with ``role: management``: the same management zone without the
landing zones, which cost seconds per run. Two tests run the whole dev stack.
"""

from __future__ import annotations

import json
import re

import pytest

from cloudscale.components.core import BuiltInRole, zone_resource_label
from cloudscale.components.library import platform_zones
from cloudscale.stacks import ConfigError, build_platform, load_config, management_zone, parse_config
from cloudscale.stacks.contract import ZoneContract
from cloudscale.stacks.offline.stack_files import load_stack_config

from ..components.test_private_dns import NORTHEUROPE_ZONES

WESTEUROPE_ZONES = {zone.replace(".northeurope.", ".westeurope.") for zone in NORTHEUROPE_ZONES}
HUB_SUBSCRIPTION = "99999999-9999-9999-9999-999999999999"
HUB_VNET_ID = f"/subscriptions/{HUB_SUBSCRIPTION}/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/hub"
HUB_ADDRESS_SPACE = "10.200.0.0/16"
HUB_FIREWALL_IP = "10.200.0.4"
HUB_DNS = ["10.200.0.68", "10.200.0.69"]
HUB_DNS_GROUP = f"/subscriptions/{HUB_SUBSCRIPTION}/resourceGroups/rg-hub-dns"
HUB_ZONE_IDS = {
    zone: f"{HUB_DNS_GROUP}/providers/Microsoft.Network/privateDnsZones/{zone}" for zone in platform_zones("westeurope")
}
CONTRACT_KEYS = {
    "hubVnetId",
    "hubVnetName",
    "hubResourceGroupName",
    "firewallPrivateIp",
    "dnsServers",
    "privateDnsZoneIds",
    "purviewId",
    "purviewPrincipalId",
    "purviewIngestionStorageId",
    "logAnalyticsWorkspaceId",
    "monitorPrivateLinkScopeId",
    "keyVaultId",
    "containerRegistryId",
}
FIREWALL_TYPES = (
    "azure-native:network:AzureFirewall",
    "azure-native:network:FirewallPolicy",
    "azure-native:network:FirewallPolicyRuleCollectionGroup",
    "azure-native:network:PublicIPAddress",
)
DNS_TYPES = ("azure-native:privatedns:PrivateZone", "azure-native:privatedns:VirtualNetworkLink")


def _program():
    return build_platform(load_config())


def _dmlz(dev_config: dict[str, str]) -> dict[str, str]:
    """The dev stack's management zone on its own."""
    return {**dev_config, "cloudscale:role": "management"}


def _existing_hub_config(dev_config: dict[str, str], **hub_overrides: object) -> dict[str, object]:
    hub = {
        "firewallPrivateIp": HUB_FIREWALL_IP,
        "dnsServers": HUB_DNS,
        "privateDnsZoneIds": HUB_ZONE_IDS,
        "hubVnetId": HUB_VNET_ID,
        "addressSpace": [HUB_ADDRESS_SPACE],
        **hub_overrides,
    }
    management = json.loads(dev_config["cloudscale:management"])
    management["firewall"] = {"enabled": False}
    management["existingHub"] = hub
    # The landing zones are not under test here; the management role keeps the program small.
    return {**dev_config, "cloudscale:role": "management", "cloudscale:management": management}


def _management(run):
    """The management zone's own resources: every logical name the zone declares starts with its label."""
    return [r for r in run.resources if r.custom and r.name.startswith("mgmt-")]


def _options(run, name: str):
    (found,) = [o for o in run.monitor.options.values() if o.name == name]
    return found


# Own firewall: the dev stack's management zone


def test_dev_zone_splits_into_functional_resource_groups(stack_runs, mode, dev_config):
    run = stack_runs.run(_dmlz(dev_config), mode)
    groups = {g.inputs["resourceGroupName"] for g in run.of_type("azure-native:resources:ResourceGroup")}
    assert groups == {f"rg-adatum-dev-mgmt-{p}" for p in ("network", "dns", "governance", "shared", "monitoring")}
    # The sales zone is configured, but a management stack deploys none of it.
    assert "landingZones" not in run.export_keys
    assert [r for r in run.resources if r.custom] == _management(run)


def test_dev_zone_runs_its_own_firewall_with_the_configured_tier(stack_runs, mode, dev_config):
    run = stack_runs.run(_dmlz(dev_config), mode)
    firewall = run.one("azure-native:network:AzureFirewall").inputs
    assert firewall["sku"] == {"name": "AZFW_VNet", "tier": "Standard"}
    assert firewall["zones"] == ["1", "2", "3"]
    policy = run.one("azure-native:network:FirewallPolicy").inputs
    assert policy["threatIntelMode"] == "Deny"
    assert policy["dnsSettings"] == {"enableProxy": True}
    subnets = {
        s.inputs["subnetName"]: s.inputs
        for s in run.of_type("azure-native:network:Subnet")
        if s.name.startswith("mgmt-")
    }
    assert subnets["AzureFirewallSubnet"]["addressPrefix"] == "10.0.0.0/26"
    assert subnets["snet-adatum-dev-mgmt-services"]["addressPrefix"] == "10.0.1.0/24"


def test_dev_firewall_lets_out_only_the_platforms_address_spaces(stack_runs, mode, dev_config):
    run = stack_runs.run(_dmlz(dev_config), mode)
    group = run.one("azure-native:network:FirewallPolicyRuleCollectionGroup").inputs
    sources = {tuple(rule["sourceAddresses"]) for c in group["ruleCollections"] for rule in c["rules"]}
    assert sources == {("10.0.0.0/16", "10.1.0.0/16")}


def test_dev_zone_hosts_every_platform_dns_zone_linked_to_its_vnet(stack_runs, mode, dev_config):
    run = stack_runs.run(_dmlz(dev_config), mode)
    zones = {z.inputs["privateZoneName"] for z in run.of_type("azure-native:privatedns:PrivateZone")}
    assert zones == WESTEUROPE_ZONES
    links = run.of_type("azure-native:privatedns:VirtualNetworkLink")
    assert len(links) == len(zones)
    assert {link.inputs["virtualNetworkLinkName"] for link in links} == {"vnet-adatum-dev-mgmt"}
    if mode != "preview":
        vnet_id = run.mocks.ids[("azure-native:network:VirtualNetwork", "mgmt-network-vnet")]
        assert all(link.inputs["virtualNetwork"] == {"id": vnet_id} for link in links)


def test_dev_services_subnet_routes_everything_to_the_firewalls_private_ip(stack_runs, dev_config):
    run = stack_runs.run(_dmlz(dev_config))
    route = run.one("azure-native:network:RouteTable", "mgmt-network-rt").inputs["routes"][0]
    assert route == {
        "name": "default-to-firewall",
        "addressPrefix": "0.0.0.0/0",
        "nextHopType": "VirtualAppliance",
        "nextHopIpAddress": "10.0.0.4",
    }
    firewall_urn = _options(run, "mgmt-firewall-firewall").urn
    assert firewall_urn in _options(run, "mgmt-network-rt").dependencies


def test_dev_hub_vnet_resolves_through_the_firewalls_dns_proxy_like_the_spokes(stack_runs, dev_config):
    # In update mode the firewall's computed IP passed _as_planned, or the run would have failed.
    run = stack_runs.run(dev_config)
    firewall_ip = run.exports["firewallPrivateIp"]
    assert firewall_ip == "10.0.0.4"
    hub = run.one("azure-native:network:VirtualNetwork", "mgmt-network-vnet").inputs
    spoke = run.one("azure-native:network:VirtualNetwork", "sales-network-vnet").inputs
    assert hub["dhcpOptions"] == {"dnsServers": [firewall_ip]} == spoke["dhcpOptions"]
    # Known from the subnet before the firewall exists, so the VNet does not wait for its own firewall.
    assert _options(run, "mgmt-firewall-firewall").urn not in _options(run, "mgmt-network-vnet").dependencies
    assert run.one("azure-native:network:FirewallPolicy").inputs["dnsSettings"] == {"enableProxy": True}


def test_dev_hub_vnet_names_the_firewalls_dns_proxy_in_a_preview_too(stack_runs, mode, dev_config):
    run = stack_runs.run(_dmlz(dev_config), mode)
    assert run.one("azure-native:network:VirtualNetwork").inputs["dhcpOptions"] == {"dnsServers": ["10.0.0.4"]}


def test_a_firewall_ip_other_than_the_planned_one_stops_its_consumers():
    assert management_zone._as_planned("10.0.0.4", "10.0.0.4") == "10.0.0.4"
    with pytest.raises(RuntimeError, match=re.escape("private IP is 10.0.0.5, not 10.0.0.4")):
        management_zone._as_planned("10.0.0.5", "10.0.0.4")


def test_dev_private_endpoints_sit_in_the_services_subnet_and_register_in_the_zones(stack_runs, dev_config):
    run = stack_runs.run(_dmlz(dev_config))
    subnet_id = run.mocks.ids[("azure-native:network:Subnet", "mgmt-network-snet-services")]
    endpoints = [e for e in run.of_type("azure-native:network:PrivateEndpoint") if e.name.startswith("mgmt-")]
    groups = {e["privateLinkServiceConnections"][0]["groupIds"][0] for e in (x.inputs for x in endpoints)}
    assert groups == {"azuremonitor", "vault", "account", "portal", "blob", "queue", "registry", "Web"}
    assert all(e.inputs["subnet"] == {"id": subnet_id} for e in endpoints)
    zone_ids = {
        z.inputs["privateZoneName"]: run.mocks.ids[("azure-native:privatedns:PrivateZone", z.name)]
        for z in run.of_type("azure-native:privatedns:PrivateZone")
    }
    registered = {
        c["privateDnsZoneId"]
        for g in run.of_type("azure-native:network:PrivateDnsZoneGroup")
        if g.name.startswith("mgmt-")
        for c in g.inputs["privateDnsZoneConfigs"]
    }
    assert registered <= set(zone_ids.values())
    assert zone_ids["privatelink.monitor.azure.com"] in registered


def test_every_resource_that_supports_diagnostics_sends_them_to_the_zones_workspace(stack_runs, dev_config):
    run = stack_runs.run(_dmlz(dev_config))
    workspace_id = run.mocks.ids[("azure-native:operationalinsights:Workspace", "mgmt-monitoring-workspace")]
    settings = [s for s in run.of_type("azure-native:monitor:DiagnosticSetting") if s.name.startswith("mgmt-")]
    targets = {s.inputs["resourceUri"].split("/providers/")[1].split("/")[1] for s in settings}
    assert targets == {
        "VirtualNetwork",
        "NetworkSecurityGroup",
        "PublicIPAddress",
        "AzureFirewall",
        "Workspace",
        "Vault",
        "Account",
        "Registry",
    }
    assert {s.inputs["workspaceId"] for s in settings} == {workspace_id}


def test_purview_reads_scan_credentials_from_the_governance_vault(stack_runs, dev_config):
    run = stack_runs.run(_dmlz(dev_config))
    vault_id = run.mocks.ids[("azure-native:keyvault:Vault", "mgmt-vault-vault")]
    purview_principal = run.exports["purviewPrincipalId"]
    on_vault = [
        a.inputs for a in run.of_type("azure-native:authorization:RoleAssignment") if a.inputs["scope"] == vault_id
    ]
    assert [(a["principalId"], a["roleDefinitionId"].rsplit("/", 1)[-1]) for a in on_vault] == [
        (purview_principal, BuiltInRole.KEY_VAULT_SECRETS_USER.value)
    ]


def test_automation_identity_lives_in_the_shared_group_and_may_push_images(stack_runs, dev_config):
    run = stack_runs.run(_dmlz(dev_config))
    identity = run.one("azure-native:managedidentity:UserAssignedIdentity", "mgmt-automation")
    assert identity.inputs["resourceGroupName"] == "rg-adatum-dev-mgmt-shared"
    registry_id = run.mocks.ids[("azure-native:containerregistry:Registry", "mgmt-registry-registry")]
    on_registry = [
        a.inputs for a in run.of_type("azure-native:authorization:RoleAssignment") if a.inputs["scope"] == registry_id
    ]
    assert [a["roleDefinitionId"].rsplit("/", 1)[-1] for a in on_registry] == [BuiltInRole.ACR_PUSH.value]


def test_dev_contract_is_exported_with_the_firewall_as_everyones_dns(stack_runs, dev_config):
    run = stack_runs.run(dev_config)
    exports = run.exports
    assert set(exports) >= CONTRACT_KEYS
    assert exports["firewallPrivateIp"] == "10.0.0.4"
    assert exports["dnsServers"] == ["10.0.0.4"]
    assert exports["hubVnetId"] == run.mocks.ids[("azure-native:network:VirtualNetwork", "mgmt-network-vnet")]
    assert exports["hubVnetName"] == "vnet-adatum-dev-mgmt"
    assert exports["hubResourceGroupName"] == "rg-adatum-dev-mgmt-network"
    blob = "privatelink.blob.core.windows.net"
    assert set(exports["privateDnsZoneIds"]) == WESTEUROPE_ZONES
    assert (
        exports["privateDnsZoneIds"][blob]
        == run.mocks.ids[("azure-native:privatedns:PrivateZone", "mgmt-dns-blob-core-windows-net")]
    )
    assert exports["purviewId"] == run.mocks.ids[("azure-native:purview:Account", "mgmt-purview-account")]
    assert re.fullmatch(r"[0-9a-f-]{36}", exports["purviewPrincipalId"])
    # Purview reports the storage account it ingests through; landing zones' managed VNets target it.
    ingestion = run.one("azure-native:network:PrivateEndpoint", "mgmt-purview-ingestion-pe-blob").inputs
    assert exports["purviewIngestionStorageId"] == ingestion["privateLinkServiceConnections"][0]["privateLinkServiceId"]
    assert "/providers/Microsoft.Storage/storageAccounts/" in exports["purviewIngestionStorageId"]
    assert exports["keyVaultId"] == run.mocks.ids[("azure-native:keyvault:Vault", "mgmt-vault-vault")]
    assert (
        exports["containerRegistryId"]
        == run.mocks.ids[("azure-native:containerregistry:Registry", "mgmt-registry-registry")]
    )
    assert (
        exports["logAnalyticsWorkspaceId"]
        == run.mocks.ids[("azure-native:operationalinsights:Workspace", "mgmt-monitoring-workspace")]
    )


def test_dev_stack_deploys_the_management_zone_next_to_its_landing_zones(stack_runs, mode, dev_config):
    run = stack_runs.run(dev_config, mode)
    assert set(run.export_keys) >= CONTRACT_KEYS | {"landingZones"}
    assert set(run.export_keys) >= {ZoneContract.output_key(f.name) for f in ZoneContract.output_fields()}
    assert run.one("azure-native:network:AzureFirewall").inputs["sku"] == {"name": "AZFW_VNet", "tier": "Standard"}
    zones = {z.inputs["privateZoneName"] for z in run.of_type("azure-native:privatedns:PrivateZone")}
    assert zones == WESTEUROPE_ZONES
    assert [r for r in run.resources if r.custom and not r.name.startswith("mgmt-")]


# Bring your own hub


def test_existing_hub_creates_no_firewall_no_public_ip_and_no_dns_zones(stack_runs, mode, dev_config):
    run = stack_runs.run(_existing_hub_config(dev_config), mode)
    for typ in FIREWALL_TYPES + DNS_TYPES:
        assert run.of_type(typ) == [], typ
    subnets = [s.inputs["subnetName"] for s in run.of_type("azure-native:network:Subnet")]
    assert subnets == ["snet-adatum-dev-mgmt-services"]
    groups = {g.inputs["resourceGroupName"] for g in run.of_type("azure-native:resources:ResourceGroup")}
    assert "rg-adatum-dev-mgmt-dns" not in groups


def test_existing_hub_provides_dns_and_egress(stack_runs, mode, dev_config):
    run = stack_runs.run(_existing_hub_config(dev_config), mode)
    vnet = run.one("azure-native:network:VirtualNetwork").inputs
    assert vnet["dhcpOptions"] == {"dnsServers": HUB_DNS}
    route = run.one("azure-native:network:RouteTable").inputs["routes"][0]
    assert (route["addressPrefix"], route["nextHopType"]) == ("0.0.0.0/0", "VirtualAppliance")
    assert route["nextHopIpAddress"] == HUB_FIREWALL_IP
    peering = run.one("azure-native:network:VirtualNetworkPeering").inputs
    assert peering["remoteVirtualNetwork"] == {"id": HUB_VNET_ID}


def test_existing_hub_zones_receive_the_zones_private_endpoints(stack_runs, mode, dev_config):
    run = stack_runs.run(_existing_hub_config(dev_config), mode)
    registered = {
        c["privateDnsZoneId"]
        for g in run.of_type("azure-native:network:PrivateDnsZoneGroup")
        for c in g.inputs["privateDnsZoneConfigs"]
    }
    assert registered
    assert registered <= set(HUB_ZONE_IDS.values())
    assert HUB_ZONE_IDS["privatelink.purview.azure.com"] in registered


def test_existing_hub_contract_passes_the_hubs_values_on(stack_runs, dev_config):
    run = stack_runs.run(_existing_hub_config(dev_config))
    assert run.exports["firewallPrivateIp"] == HUB_FIREWALL_IP
    assert run.exports["dnsServers"] == HUB_DNS
    assert run.exports["privateDnsZoneIds"] == HUB_ZONE_IDS
    assert run.exports["hubVnetId"] == run.mocks.ids[("azure-native:network:VirtualNetwork", "mgmt-network-vnet")]


def test_existing_hub_needs_its_vnet_id_because_every_platform_vnet_peers_with_it(offline, dev_config):
    # The route table and DNS point at the hub's firewall, which only a direct peering reaches: peering
    # is not transitive (Microsoft Learn, "Extend peering with user-defined routes and service chaining").
    config = _existing_hub_config(dev_config)
    del config["cloudscale:management"]["existingHub"]["hubVnetId"]
    with pytest.raises(ConfigError) as raised:
        offline.run(_program, config=config)
    assert "management.existingHub.hubVnetId" in raised.value.keys
    assert offline.mocks is not None
    assert offline.mocks.resources == []


def test_existing_hub_services_subnet_admits_the_platform_and_the_hub_only(stack_runs, mode, dev_config):
    run = stack_runs.run(_existing_hub_config(dev_config), mode)
    rules = {r["name"]: r for r in run.one("azure-native:network:NetworkSecurityGroup").inputs["securityRules"]}
    assert rules["allow-clients-to-endpoints"]["sourceAddressPrefixes"] == [
        "10.0.0.0/16",
        "10.1.0.0/16",
        HUB_ADDRESS_SPACE,
    ]


def test_existing_hub_zone_ids_come_from_the_zones_resource_group_unless_listed(stack_runs, dev_config):
    # Azure landing zones keep every private DNS zone in one resource group of the connectivity hub.
    listed = {"privatelink.azurecr.io": HUB_ZONE_IDS["privatelink.azurecr.io"].replace("rg-hub-dns", "rg-registry-dns")}
    config = _existing_hub_config(dev_config, privateDnsZoneIds=listed, privateDnsZonesResourceGroupId=HUB_DNS_GROUP)
    run = stack_runs.run(config)
    assert run.exports["privateDnsZoneIds"] == {**HUB_ZONE_IDS, **listed}


def test_existing_hub_missing_a_zone_is_rejected_naming_the_key(dev_config):
    zones = {zone: zone_id for zone, zone_id in HUB_ZONE_IDS.items() if zone != "privatelink.azurecr.io"}
    config = _existing_hub_config(dev_config, privateDnsZoneIds=zones)
    values = {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}
    with pytest.raises(ConfigError, match=r"management\.existingHub\.privateDnsZoneIds.*privatelink\.azurecr\.io"):
        parse_config(values)


# The management role alone


def test_management_role_deploys_the_zone_and_no_landing_zone(stack_runs, mode):
    run = stack_runs.run(load_stack_config("mgmt"), mode)
    assert set(run.export_keys) == CONTRACT_KEYS | {"role", "environment", "location"}
    custom = [r for r in run.resources if r.custom]
    assert custom == _management(run)
    # tst rehearses prd: the firewall is Premium with intrusion prevention, and stateful services are locked.
    policy = run.one("azure-native:network:FirewallPolicy").inputs
    assert policy["sku"] == {"tier": "Premium"}
    assert policy["intrusionDetection"] == {"mode": "Deny"}
    protected = {o.name for o in run.monitor.options.values() if o.protect}
    locked_services = {
        "mgmt-monitoring-workspace",
        "mgmt-vault-vault",
        "mgmt-purview-account",
        "mgmt-registry-registry",
        "mgmt-firewall-pip",
    }
    zones = {f"mgmt-dns-{zone_resource_label(zone)}" for zone in platform_zones("westeurope")}
    assert protected == locked_services | zones
    # Zones are protected but never locked: a lock would block private endpoints from removing their records.
    assert len(run.of_type("azure-native:authorization:ManagementLockByScope")) == len(locked_services)


def test_management_role_exports_resolve_in_update_mode(stack_runs):
    run = stack_runs.run(load_stack_config("mgmt"))
    assert set(run.exports) == CONTRACT_KEYS | {"role", "environment", "location"}
    assert run.exports["role"] == "management"
    assert run.exports["firewallPrivateIp"] == "10.0.0.4"
