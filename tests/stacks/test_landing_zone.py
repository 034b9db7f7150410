"""Landing zone compositions: the dev stack (management + sales), a landing-role stack, and a mesh of three."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise, permutations
from typing import Any

import pytest

from cloudscale.components.core import BuiltInRole
from cloudscale.components.library import platform_zones
from cloudscale.stacks import build_platform, load_config
from cloudscale.stacks.offline.engine import OfflineRun
from cloudscale.stacks.offline.findings import findings
from cloudscale.stacks.offline.mocks import SUBSCRIPTION_ID, TENANT_ID
from cloudscale.stacks.offline.ordering import ordering_findings

from ..stack_runs import StackRuns
from .support import config_with, sales_zone

PEERING = "azure-native:network:VirtualNetworkPeering"
VNET = "azure-native:network:VirtualNetwork"
SUBNET = "azure-native:network:Subnet"
ACCOUNT = "azure-native:storage:StorageAccount"
CONTAINER = "azure-native:storage:BlobContainer"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
MANAGEMENT_STACK = "adatum/cloudscale/mgmt"


def _program() -> dict[str, Any]:
    return build_platform(load_config())


def _by_name(run: OfflineRun, typ: str) -> dict[str, dict[str, Any]]:
    return {r.name: r.inputs for r in run.of_type(typ)}


def _urn(run: OfflineRun, name: str) -> str:
    (urn,) = [u for u, o in run.monitor.options.items() if o.name == name]
    return urn


# --------------------------------------------------------------------------------------------------
# The dev stack: management zone and the sales landing zone with every service on. It costs seconds,
# so each mode runs once per session (``stack_runs``) and the tests below read the same run.


@dataclass
class DevRun:
    run: OfflineRun
    preview: bool


@pytest.fixture(scope="module", params=["update", "preview"])
def dev(request: pytest.FixtureRequest, stack_runs: StackRuns, dev_config: dict[str, str]) -> DevRun:
    return DevRun(stack_runs.run(dev_config, request.param), request.param == "preview")


@pytest.fixture(scope="module")
def dev_update(stack_runs: StackRuns, dev_config: dict[str, str]) -> DevRun:
    """The dev stack in update mode, for tests that read values a preview does not know yet (ids, addresses)."""
    return DevRun(stack_runs.run(dev_config), False)


def test_dev_stack_spoke_has_the_planned_subnets(dev):
    subnets = {
        s.inputs["subnetName"]: s.inputs["addressPrefix"]
        for s in dev.run.of_type("azure-native:network:Subnet")
        if s.name.startswith("sales-network-")
    }
    assert subnets == {
        "snet-adatum-dev-sales-privateEndpoints": "10.1.0.0/24",
        "snet-adatum-dev-sales-integration": "10.1.1.0/24",
        "snet-adatum-dev-sales-compute": "10.1.2.0/24",
        "snet-adatum-dev-sales-powerBiGateway": "10.1.3.0/24",
        "snet-adatum-dev-sales-product-sales-analytics": "10.1.4.0/24",
        "snet-adatum-dev-sales-product-customer-360": "10.1.5.0/24",
        "snet-adatum-dev-sales-product-relationship-mesh": "10.1.6.0/24",
        "snet-adatum-dev-sales-product-customer-dimension": "10.1.7.0/24",
        "snet-adatum-dev-sales-product-customer-service": "10.1.8.0/24",
    }
    # Private endpoints accept the platform's VNets: the management zone's and every landing zone's.
    rules = _by_name(dev.run, "azure-native:network:NetworkSecurityGroup")["sales-network-nsg-privateEndpoints"]
    (allow,) = [r for r in rules["securityRules"] if r["direction"] == "Inbound" and r["access"] == "Allow"]
    assert allow["sourceAddressPrefixes"] == ["10.0.0.0/16", "10.1.0.0/16"]


def test_dev_stack_spoke_uses_the_management_firewall_for_dns_and_egress(dev_update):
    """The firewall's private IP is only known after it exists, so this runs in update mode."""
    run = dev_update.run
    firewall_ip = run.exports["firewallPrivateIp"]
    assert firewall_ip == "10.0.0.4"
    spoke = _by_name(run, VNET)["sales-network-vnet"]
    assert spoke["dhcpOptions"] == {"dnsServers": [firewall_ip]}
    routes = _by_name(run, "azure-native:network:RouteTable")["sales-network-routes"]["routes"]
    assert routes[0]["nextHopIpAddress"] == firewall_ip


def test_dev_stack_peers_sales_and_management_both_ways(dev):
    run = dev.run
    peerings = _by_name(run, PEERING)
    assert set(peerings) == {"sales-to-mgmt-peering", "mgmt-to-sales-peering"}
    outgoing, incoming = peerings["sales-to-mgmt-peering"], peerings["mgmt-to-sales-peering"]
    assert outgoing["virtualNetworkName"] == "vnet-adatum-dev-sales"
    for peering in (outgoing, incoming):
        assert (peering["allowVirtualNetworkAccess"], peering["allowForwardedTraffic"]) == (True, True)
        assert (peering["allowGatewayTransit"], peering["useRemoteGateways"]) == (False, False)
    if not dev.preview:
        assert outgoing["resourceGroupName"] == "rg-adatum-dev-sales-network"
        # The way back is created into the management zone's network group, on its VNet.
        assert (incoming["resourceGroupName"], incoming["virtualNetworkName"]) == (
            "rg-adatum-dev-mgmt-network",
            "vnet-adatum-dev-mgmt",
        )
        assert outgoing["remoteVirtualNetwork"] == {"id": run.exports["hubVnetId"]}
        assert incoming["remoteVirtualNetwork"] == {"id": run.mocks.ids[(VNET, "sales-network-vnet")]}
    # The spoke's peering waits for its last subnet: Azure takes one write per VNet at a time.
    last_subnet = _urn(run, "sales-network-subnet-product-customer-service")
    assert last_subnet in run.monitor.options[_urn(run, "sales-to-mgmt-peering")].dependencies


def test_dev_stack_orders_its_writes_as_azure_requires(dev):
    assert ordering_findings(dev.run) == []


def test_dev_stack_hub_side_peering_waits_for_every_hub_and_spoke_subnet(dev):
    run = dev.run
    dependencies = run.monitor.options[_urn(run, "mgmt-to-sales-peering")].dependencies
    # The hub's last subnet (its own VNet), and the spoke's last subnet (the remote VNet).
    assert _urn(run, "mgmt-network-snet-services") in dependencies
    assert _urn(run, "sales-network-subnet-product-customer-service") in dependencies
    outgoing = run.monitor.options[_urn(run, "sales-to-mgmt-peering")].dependencies
    assert _urn(run, "mgmt-network-snet-services") in outgoing


def test_dev_stack_lakes(dev):
    run = dev.run
    accounts = {a.inputs["accountName"][:-4]: a.inputs for a in run.of_type(ACCOUNT)}
    lakes = {name: accounts[name] for name in ("stadatumdevsalesraw", "stadatumdevsalesencu", "stadatumdevsaleswork")}
    assert all(a["isHnsEnabled"] is True for a in lakes.values())
    assert accounts["stadatumdevsalesext"]["isHnsEnabled"] is False
    for account in [*lakes.values(), accounts["stadatumdevsalesext"]]:
        assert account["allowSharedKeyAccess"] is False
        assert account["minimumTlsVersion"] == "TLS1_2"
        assert account["sku"] == {"name": "Standard_ZRS"}
    containers = {}
    for container in run.of_type(CONTAINER):
        containers.setdefault(container.name.split("-lake-")[-1].split("-")[0], set()).add(
            container.inputs["containerName"]
        )
    assert containers["raw"] == containers["enriched"] == {"data", "crm", "erp", "leasing", "m365"}
    assert containers["workspace"] == {
        "data",
        "synapse",
        "sales-analytics",
        "customer-360",
        "relationship-mesh",
        "customer-dimension",
        "customer-service",
    }
    assert containers["external"] == {"data"}
    lifecycle = _by_name(run, "azure-native:storage:ManagementPolicy")["sales-lake-raw-lifecycle"]
    base = lifecycle["policy"]["rules"][0]["definition"]["actions"]["baseBlob"]
    assert base["tierToCool"] == {"daysAfterModificationGreaterThan": 90}


def test_dev_stack_lakes_admit_serverless_sql_and_purview_only_by_resource_instance(dev):
    # Serverless SQL and Purview scans "use multi-tenant infrastructure that is not deployed into the
    # managed virtual network" and reach storage through its public endpoint, admitted by resource-
    # instance rules (MicrosoftDocs azure-docs, synapse-analytics/security/connect-to-a-secure-storage-
    # account.md; storage/common/storage-network-security-resource-instances.md). With public access
    # Disabled every serverless query and every scan of the lake fails.
    run = dev.run
    accounts = {a.name: a.inputs for a in run.of_type(ACCOUNT)}
    workspace = run.one("azure-native:synapse:Workspace").inputs
    purview = run.one("azure-native:purview:Account")
    readers = {}
    for key in ("raw", "enriched", "workspace"):
        account = accounts[f"sales-lake-{key}-account"]
        rules = account["networkRuleSet"]
        assert account["publicNetworkAccess"] == "Enabled", key
        assert (rules["defaultAction"], rules["bypass"]) == ("Deny", "Logging, Metrics"), key
        assert (rules["ipRules"], rules["virtualNetworkRules"]) == ([], []), key
        readers[key] = rules["resourceAccessRules"]
    # The partner drop keeps its public endpoint off: nothing outside a managed VNet reads it.
    external = accounts["sales-lake-external-account"]
    assert external["publicNetworkAccess"] == "Disabled"
    assert "resourceAccessRules" not in external["networkRuleSet"]
    assert {key: len(rules) for key, rules in readers.items()} == {"raw": 1, "enriched": 2, "workspace": 2}
    if not dev.preview:
        tenant = TENANT_ID
        purview_rule = {"tenantId": tenant, "resourceId": run.mocks.ids[("azure-native:purview:Account", purview.name)]}
        group = run.one("azure-native:resources:ResourceGroup", "sales-rg-synapse")
        # The workspace does not exist when its default lake is written: its id is derived from the
        # same names the workspace is then created with.
        workspace_id = (
            f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{group.inputs['resourceGroupName']}"
            f"/providers/Microsoft.Synapse/workspaces/{workspace['workspaceName']}"
        )
        assert workspace["resourceGroupName"] == group.inputs["resourceGroupName"]
        assert readers["raw"] == [purview_rule]
        for key in ("enriched", "workspace"):
            assert readers[key] == [purview_rule, {"tenantId": tenant, "resourceId": workspace_id}], key


def test_dev_stack_purview_may_read_the_lakes_it_scans(dev):
    # A scan with Purview's managed identity needs Storage Blob Data Reader on the account (MicrosoftDocs
    # azure-docs, purview/register-scan-adls-gen2.md); the partner drop is not scanned.
    run = dev.run
    grants = {
        name: inputs
        for name, inputs in _by_name(run, ASSIGNMENT).items()
        if name.startswith("sales-") and name.endswith("-mgmt-purview")
    }
    assert set(grants) == {
        f"sales-lake-{key}-account-storage-blob-data-reader-mgmt-purview" for key in ("raw", "enriched", "workspace")
    }
    if not dev.preview:
        purview = run.one("azure-native:purview:Account")
        assert {g["principalId"] for g in grants.values()} == {run.exports["purviewPrincipalId"]}
        assert {g["scope"] for g in grants.values()} == {
            run.mocks.ids[(ACCOUNT, f"sales-lake-{key}-account")] for key in ("raw", "enriched", "workspace")
        }
        assert purview.inputs["identity"] == {"type": "SystemAssigned"}


def test_dev_stack_lakes_with_a_public_endpoint_are_accepted_findings_with_their_reason(dev):
    reported = findings(dev.run.resources, protects_state=False, locked=set())
    public = {f.resource: f for f in reported if f.rule == "public-network-access"}
    assert {name for name, f in public.items() if f.resource.startswith("sales-lake-")} == {
        "sales-lake-raw-account",
        "sales-lake-enriched-account",
        "sales-lake-workspace-account",
    }
    assert {public[f"sales-lake-{key}-account"].severity for key in ("raw", "enriched", "workspace")} == {"accepted"}
    assert "serverless SQL and Purview" in public["sales-lake-workspace-account"].detail
    assert [f for f in reported if f.severity == "high"] == []


def test_dev_stack_integration_and_synapse(dev):
    run = dev.run
    factory = run.one("azure-native:datafactory:Factory").inputs
    assert factory["publicNetworkAccess"] == "Disabled"
    runtime = run.one("azure-native:datafactory:IntegrationRuntime", "sales-integration-runtime").inputs
    assert runtime["properties"]["managedVirtualNetwork"]["referenceName"] == "default"
    factory_endpoints = {e.name for e in run.of_type("azure-native:datafactory:ManagedPrivateEndpoint")}
    assert {f"sales-integration-mpe-lake-{key}" for key in ("raw", "enriched", "workspace", "external")} <= (
        factory_endpoints
    )
    # The data services add the ERP database's endpoint and linked service through the factory's methods.
    assert "sales-integration-mpe-erp-sql" in factory_endpoints
    linked = {s.inputs["linkedServiceName"] for s in run.of_type("azure-native:datafactory:LinkedService")}
    assert {"ls_lake_raw", "ls_lake_enriched", "ls_key_vault", "ls_sql_erp"} <= linked

    workspace = run.one("azure-native:synapse:Workspace").inputs
    assert workspace["azureADOnlyAuthentication"] is True
    assert workspace["managedVirtualNetworkSettings"]["preventDataExfiltration"] is True
    assert workspace["defaultDataLakeStorage"]["filesystem"] == "synapse"
    assert run.one("azure-native:synapse:BigDataPool").inputs["sparkVersion"] == "3.5"
    synapse_endpoints = {e.name for e in run.of_type("pulumi-python:dynamic/synapse:ManagedPrivateEndpoint")}
    assert {"sales-synapse-mpe-lake-raw", "sales-synapse-mpe-lake-enriched"} <= synapse_endpoints
    if not dev.preview:
        zones = run.exports["landingZones"]["sales"]
        assert zones["serverlessSqlEndpoint"] == f"{workspace['workspaceName']}-ondemand.sql.azuresynapse.net"
        assert zones["dataFactoryLinkedServices"]["raw"] == "ls_lake_raw"


def test_dev_stack_private_endpoints_resolve_through_the_management_zones(dev_update):
    """Zone ids are only known once the management zone's zones exist, so this runs in update mode."""
    run = dev_update.run
    zone_ids = run.exports["privateDnsZoneIds"]
    groups = _by_name(run, "azure-native:network:PrivateDnsZoneGroup")
    dfs = groups["sales-lake-raw-account-pe-dfs-dns"]["privateDnsZoneConfigs"]
    assert dfs == [{"name": "dfs-core-windows-net", "privateDnsZoneId": zone_ids["privatelink.dfs.core.windows.net"]}]
    endpoint = _by_name(run, "azure-native:network:PrivateEndpoint")["sales-lake-raw-account-pe-dfs"]
    assert endpoint["subnet"] == {"id": run.exports["landingZones"]["sales"]["subnetIds"]["privateEndpoints"]}


# What each data product's notebook reads and writes (its access.json), as (lake-container, role).
def _assignments(run: OfflineRun, principal: str) -> dict[str, str]:
    """Assignment name -> role GUID for one principal."""
    return {
        name: inputs["roleDefinitionId"].rsplit("/", 1)[-1]
        for name, inputs in _by_name(run, ASSIGNMENT).items()
        if name.endswith(principal)
    }


def test_dev_stack_grants_are_least_privilege_and_container_scoped(dev_update):
    """Role definition ids derive from the scope's id, so this runs in update mode."""
    run = dev_update.run
    writer = BuiltInRole.STORAGE_BLOB_DATA_CONTRIBUTOR.value
    reader = BuiltInRole.STORAGE_BLOB_DATA_READER.value
    # Exactly what the zone's definitions read and write, container by container, plus each
    # service's own platform need (the factory's Key Vault linked service, Synapse's filesystem).
    factory = _assignments(run, "sales-integration-factory")
    assert factory == {
        # CRM and ERP ingestion copy into their raw containers (derived from the Copy activities).
        "sales-lake-raw-crm-storage-blob-data-contributor-sales-integration-factory": writer,
        "sales-lake-raw-erp-storage-blob-data-contributor-sales-integration-factory": writer,
        # Leasing ingestion reads the external drop's data container and writes raw/leasing.
        "sales-lake-external-data-storage-blob-data-reader-sales-integration-factory": (
            BuiltInRole.STORAGE_BLOB_DATA_READER.value
        ),
        "sales-lake-raw-leasing-storage-blob-data-contributor-sales-integration-factory": writer,
        # Microsoft 365 ingestion clears a window's earlier delivery in raw/m365 before copying again.
        "sales-lake-raw-m365-storage-blob-data-contributor-sales-integration-factory": writer,
        "sales-vault-vault-key-vault-secrets-user-sales-integration-factory": BuiltInRole.KEY_VAULT_SECRETS_USER.value,
        # The master's inlined Customer 360 steps submit the training job as the factory.
        "sales-retention-workspace-azureml-data-scientist-sales-integration-factory": (
            BuiltInRole.AZUREML_DATA_SCIENTIST.value
        ),
    }
    synapse = _assignments(run, "sales-synapse-workspace")
    assert synapse == {
        "sales-lake-workspace-synapse-storage-blob-data-contributor-sales-synapse-workspace": writer,
        # The conforming steps read each raw container and write its enriched one, as their contracts say.
        **{
            f"sales-lake-raw-{source}-storage-blob-data-reader-sales-synapse-workspace": reader
            for source in ("crm", "erp", "leasing", "m365")
        },
        **{
            f"sales-lake-enriched-{source}-storage-blob-data-contributor-sales-synapse-workspace": writer
            for source in ("crm", "erp", "leasing", "m365")
        },
        # The customer-service link's output, from its contract.
        "sales-lake-enriched-data-storage-blob-data-contributor-sales-synapse-workspace": writer,
        # Each data product writes its own workspace container (what it reads, enriched, is written above).
        **{
            f"sales-lake-workspace-{product}-storage-blob-data-contributor-sales-synapse-workspace": writer
            for product in (
                "sales-analytics",
                "customer-360",
                "relationship-mesh",
                "customer-dimension",
                "customer-service",
            )
        },
        # pl_customer_360, run on its own, submits the training job as the workspace.
        "sales-retention-workspace-azureml-data-scientist-sales-synapse-workspace": (
            BuiltInRole.AZUREML_DATA_SCIENTIST.value
        ),
    }
    assert not [name for name in factory | synapse if "-account-" in name], "no account-wide data role"
    scopes = _by_name(run, ASSIGNMENT)
    crm = scopes["sales-lake-raw-crm-storage-blob-data-contributor-sales-integration-factory"]["scope"]
    assert crm == run.mocks.ids[(CONTAINER, "sales-lake-raw-crm")]
    # Graph Data Connect's app writes its deliveries as itself, to raw/m365 alone.
    app = _assignments(run, "graph-data-connect-app")
    assert app == {"sales-lake-raw-m365-storage-blob-data-contributor-graph-data-connect-app": writer}
    delivery = scopes["sales-lake-raw-m365-storage-blob-data-contributor-graph-data-connect-app"]
    assert delivery["scope"] == run.mocks.ids[(CONTAINER, "sales-lake-raw-m365")]
    assert delivery["principalId"] == "2e4f6a8c-0b1d-4e3f-9a5c-7e9b1d3f5a7c"
    assert delivery["principalType"] == "ServicePrincipal"


def test_dev_stack_every_landing_zone_resource_sends_diagnostics_to_its_own_workspace(dev_update):
    """Workspace ids are only known after creation, so this runs in update mode."""
    run = dev_update.run
    zone_workspace = run.exports["landingZones"]["sales"]["logAnalyticsWorkspaceId"]
    targets = {
        s.inputs["resourceUri"]: s.inputs["workspaceId"] for s in run.of_type("azure-native:monitor:DiagnosticSetting")
    }
    own = [
        (typ, name)
        for typ, name in (
            (ACCOUNT, "sales-lake-raw-account"),
            (VNET, "sales-network-vnet"),
            ("azure-native:datafactory:Factory", "sales-integration-factory"),
            ("azure-native:synapse:Workspace", "sales-synapse-workspace"),
            ("azure-native:synapse:BigDataPool", "sales-synapse-spark"),
            ("azure-native:keyvault:Vault", "sales-vault-vault"),
        )
    ]
    for key in own:
        assert targets[run.mocks.ids[key]] == zone_workspace, key


# --------------------------------------------------------------------------------------------------
# A landing-role stack reads the contract through a StackReference and creates no management zone.


def _contract_outputs() -> dict[str, Any]:
    rg = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups"
    return {
        "hubVnetId": f"{rg}/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub",
        "hubVnetName": "vnet-hub",
        "hubResourceGroupName": "rg-hub",
        "firewallPrivateIp": "10.0.0.68",
        "dnsServers": ["10.0.0.68"],
        "privateDnsZoneIds": {
            zone: f"{rg}/rg-dns/providers/Microsoft.Network/privateDnsZones/{zone}"
            for zone in platform_zones("westeurope")
        },
        "purviewId": f"{rg}/rg-gov/providers/Microsoft.Purview/accounts/pview-hub",
        "purviewPrincipalId": "33333333-3333-3333-3333-333333333333",
        "purviewIngestionStorageId": f"{rg}/rg-pview-managed/providers/Microsoft.Storage/storageAccounts/scanhub",
        "logAnalyticsWorkspaceId": f"{rg}/rg-mon/providers/Microsoft.OperationalInsights/workspaces/log-hub",
        "monitorPrivateLinkScopeId": f"{rg}/rg-mon/providers/microsoft.insights/privateLinkScopes/ampls-hub",
        "keyVaultId": f"{rg}/rg-sec/providers/Microsoft.KeyVault/vaults/kv-hub",
        "containerRegistryId": f"{rg}/rg-cr/providers/Microsoft.ContainerRegistry/registries/crhub",
    }


def test_landing_role_reads_the_contract_and_builds_only_its_zone(offline, dev_config):
    contract = _contract_outputs()
    offline.stack_outputs[MANAGEMENT_STACK] = contract
    # hr's landing stack exists but has not been deployed yet: it has no outputs.
    offline.stack_outputs["adatum/cloudscale/hr"] = {}
    zones = [
        {**sales_zone(dev_config), "clientAddressPrefixes": ["192.168.0.0/16"]},
        {"name": "hr", "addressSpace": "10.2.0.0/16", "stack": "adatum/cloudscale/hr"},
    ]
    config = config_with(
        dev_config, role="landing", managementStack=MANAGEMENT_STACK, landingZone="sales", landingZones=zones
    )
    run = offline.run(_program, config=config)

    references = {r.resource_id for r in run.of_type("pulumi:pulumi:StackReference")}
    assert references == {MANAGEMENT_STACK, "adatum/cloudscale/hr"}
    # Nothing of the management zone is declared here, and only the sales zone is built.
    for typ in (
        "azure-native:network:AzureFirewall",
        "azure-native:privatedns:PrivateZone",
        "azure-native:purview:Account",
    ):
        assert run.of_type(typ) == []
    assert [v.inputs["virtualNetworkName"] for v in run.of_type(VNET)] == ["vnet-adatum-dev-sales"]
    groups = {g.inputs["resourceGroupName"] for g in run.of_type("azure-native:resources:ResourceGroup")}
    assert all("-sales-" in group for group in groups), groups

    spoke = run.one(VNET).inputs
    assert spoke["dhcpOptions"] == {"dnsServers": ["10.0.0.68"]}
    route = run.one("azure-native:network:RouteTable").inputs["routes"][0]
    assert route["nextHopIpAddress"] == "10.0.0.68"
    endpoint_rules = _by_name(run, "azure-native:network:NetworkSecurityGroup")["sales-network-nsg-privateEndpoints"]
    assert endpoint_rules["securityRules"][0]["sourceAddressPrefixes"] == [
        "10.0.0.0/16",
        "10.1.0.0/16",
        "10.2.0.0/16",
        "192.168.0.0/16",
    ]
    dfs = _by_name(run, "azure-native:network:PrivateDnsZoneGroup")["sales-lake-raw-account-pe-dfs-dns"]
    assert (
        dfs["privateDnsZoneConfigs"][0]["privateDnsZoneId"]
        == contract["privateDnsZoneIds"]["privatelink.dfs.core.windows.net"]
    )
    assert run.one("azure-native:datafactory:Factory").inputs["purviewConfiguration"] == {
        "purviewResourceId": contract["purviewId"]
    }
    # Lineage reaches the private Purview through its account and its ingestion storage (MicrosoftDocs
    # azure-docs, data-factory/how-to-access-secured-purview-account.md), both from the contract.
    factory_endpoints = _by_name(run, "azure-native:datafactory:ManagedPrivateEndpoint")
    synapse_endpoints = _by_name(run, "pulumi-python:dynamic/synapse:ManagedPrivateEndpoint")
    for group_id in ("blob", "queue"):
        factory_side = factory_endpoints[f"sales-integration-mpe-purview-ingestion-{group_id}"]["properties"]
        assert (factory_side["privateLinkResourceId"], factory_side["groupId"]) == (
            contract["purviewIngestionStorageId"],
            group_id,
        )
        synapse_side = synapse_endpoints[f"sales-synapse-mpe-purview-ingestion-{group_id}"]
        assert (synapse_side["private_link_resource_id"], synapse_side["group_id"]) == (
            contract["purviewIngestionStorageId"],
            group_id,
        )
    assert synapse_endpoints["sales-synapse-mpe-purview-account"]["private_link_resource_id"] == contract["purviewId"]

    peerings = _by_name(run, PEERING)
    # Both ways with the hub, and nothing with hr, whose VNet does not exist yet.
    assert set(peerings) == {"sales-to-mgmt-peering", "mgmt-to-sales-peering"}
    hub_side = peerings["mgmt-to-sales-peering"]
    assert (hub_side["resourceGroupName"], hub_side["virtualNetworkName"]) == ("rg-hub", "vnet-hub")
    assert peerings["sales-to-mgmt-peering"]["remoteVirtualNetwork"] == {"id": contract["hubVnetId"]}


# --------------------------------------------------------------------------------------------------
# Three landing zones in one stack: a full mesh, each pair peered once per direction.


MESH = {"sales": "10.1.0.0/16", "hr": "10.2.0.0/16", "finance": "10.3.0.0/16"}


def _mesh_config(dev_config: dict[str, str]) -> dict[str, str]:
    services = {"dataFactory": {"enabled": False}, "synapse": {"enabled": False}}
    zones = [{"name": name, "addressSpace": space, "services": services} for name, space in MESH.items()]
    return config_with(dev_config, landingZones=zones)


def test_three_zones_are_meshed(stack_runs, mode, dev_config):
    run = stack_runs.run(_mesh_config(dev_config), mode)
    peerings = _by_name(run, PEERING)
    mesh = {name for name in peerings if "mgmt" not in name}
    hub = {name for name in peerings if "mgmt" in name}
    assert len(mesh) == 3 * 2
    assert len(hub) == 2 * 3
    assert mesh == {f"{a}-to-{b}-peering" for a, b in permutations(MESH, 2)}
    assert hub == {f"{z}-to-mgmt-peering" for z in MESH} | {f"mgmt-to-{z}-peering" for z in MESH}
    for a, b in permutations(MESH, 2):
        peering = peerings[f"{a}-to-{b}-peering"]
        assert peering["virtualNetworkName"] == f"vnet-adatum-dev-{a}"
        assert peering["virtualNetworkPeeringName"] == f"peer-adatum-dev-{a}-to-{b}"
        if mode != "preview":
            assert peering["remoteVirtualNetwork"] == {"id": run.mocks.ids[(VNET, f"{b}-network-vnet")]}
    # Zones without integration or Synapse get neither.
    assert run.of_type("azure-native:datafactory:Factory") == []
    assert run.of_type("azure-native:synapse:Workspace") == []


def test_peerings_on_one_vnet_are_written_one_at_a_time(stack_runs, mode, dev_config):
    run = stack_runs.run(_mesh_config(dev_config), mode)
    chains = [[f"{zone}-to-{remote}" for remote in ("mgmt", *MESH) if remote != zone] for zone in MESH]
    chains.append([f"mgmt-to-{zone}" for zone in MESH])
    for chain in chains:
        for before, after in pairwise(chain):
            dependencies = run.monitor.options[_urn(run, f"{after}-peering")].dependencies
            assert _urn(run, f"{before}-peering") in dependencies, (before, after)


def test_every_peering_of_a_mesh_waits_for_both_vnets(stack_runs, mode, dev_config):
    run = stack_runs.run(_mesh_config(dev_config), mode)
    assert ordering_findings(run) == []
    for a, b in permutations(MESH, 2):
        dependencies = run.monitor.options[_urn(run, f"{a}-to-{b}-peering")].dependencies
        subnets = [u for u, o in run.monitor.options.items() if o.typ == SUBNET and o.name.startswith(f"{b}-")]
        last_subnet = subnets[-1]
        assert last_subnet in dependencies, (a, b)


def test_peerings_of_a_landing_stack_retry_while_another_stack_writes_the_hub(offline, dev_config):
    offline.stack_outputs[MANAGEMENT_STACK] = _contract_outputs()
    # hr's landing stack is deployed: sales completes the pair in both directions.
    hr_vnet = (
        f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-adatum-dev-hr-network/providers/"
        "Microsoft.Network/virtualNetworks/vnet-adatum-dev-hr"
    )
    offline.stack_outputs["adatum/cloudscale/hr"] = {
        "landingZones": {"hr": {"vnetId": hr_vnet, "vnetName": "vnet-adatum-dev-hr", "meshPeerings": []}}
    }
    zones = [sales_zone(dev_config), {"name": "hr", "addressSpace": "10.2.0.0/16", "stack": "adatum/cloudscale/hr"}]
    config = config_with(
        dev_config, role="landing", managementStack=MANAGEMENT_STACK, landingZone="sales", landingZones=zones
    )
    run = offline.run(_program, config=config)
    hooks = {o.name: o.error_hooks for o in run.monitor.options.values() if o.typ == PEERING}
    assert hooks == {
        name: [name.removesuffix("-peering") + "-retry-busy-vnet"]
        for name in ("sales-to-mgmt-peering", "mgmt-to-sales-peering", "sales-to-hr-peering", "hr-to-sales-peering")
    }
    assert ordering_findings(run) == []


def test_landing_monitoring_is_scoped_into_the_management_private_link_scope(offline, dev_config):
    offline.stack_outputs[MANAGEMENT_STACK] = _contract_outputs()
    config = config_with(dev_config, role="landing", managementStack=MANAGEMENT_STACK, landingZone="sales")
    run = offline.run(lambda: build_platform(load_config()), config=config)
    scoped = {r.name: r.inputs for r in run.of_type("azure-native:monitor:PrivateLinkScopedResource")}
    assert set(scoped) == {"sales-monitoring-workspace-ampls", "sales-retention-appi-ampls"}
    for inputs in scoped.values():
        # Public ingestion is off on both; without the scope, agent and SDK telemetry would be dropped.
        assert inputs["resourceGroupName"] == "rg-mon"
        assert inputs["scopeName"] == "ampls-hub"
