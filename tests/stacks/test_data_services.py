"""A landing zone's data services: switched per zone by config, wired to the zone's factory, Synapse and lakes.

``deploy_data_services`` is exercised with a hand-built zone: real resource group, scope and contract,
and stand-ins for the lakes, Data Factory and Synapse that record what the services ask of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pytest

from cloudscale.components.baseline import Principal
from cloudscale.components.core import BuiltInRole
from cloudscale.components.library import platform_zones
from cloudscale.dataproducts.contracts.catalog import bundled_contracts
from cloudscale.dataproducts.contracts.serving import SERVING_SET
from cloudscale.stacks import build_platform, load_config
from cloudscale.stacks.config import ConfigError, PlatformConfig, parse_config
from cloudscale.stacks.config.model import ServicesConfig
from cloudscale.stacks.contract import ZoneContract
from cloudscale.stacks.data_services import (
    COSMOS_LINKED_SERVICE,
    DATA_SERVICES,
    ERP_LINKED_SERVICE,
    deploy_data_services,
)
from cloudscale.stacks.landing_context import ENRICHED, RAW, WORKSPACE, LandingZoneContext
from cloudscale.stacks.offline.findings import findings
from cloudscale.stacks.zone_scope import ZoneScope

SUBNET_ID = "/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v/subnets/pe"
SHARED_REGISTRY = "/subscriptions/m/resourceGroups/rg-mgmt/providers/Microsoft.ContainerRegistry/registries/crmgmt"
LOG_ID = "/subscriptions/s/resourceGroups/rg-mon/providers/Microsoft.OperationalInsights/workspaces/log-sales"
FACTORY_NAME = "adf-adatum-dev-sales-integration"

SQL_TYPES = ("azure-native:sql:Server", "azure-native:sql:Database")
COSMOS_TYPES = ("azure-native:cosmosdb:DatabaseAccount", "azure-native:cosmosdb:SqlResourceSqlContainer")
ML_TYPES = ("azure-native:machinelearningservices:Workspace", "azure-native:machinelearningservices:Compute")
# Each optional service's config key (camelCase) and its resources' Component tag (the snake_case key).
SERVICES = {ServicesConfig.model_fields[service].alias or service: service for service in DATA_SERVICES}


@dataclass
class FakeLake:
    key: str
    containers: dict[str, None]
    grants: list[tuple[str, str, str | None]] = field(default_factory=list)

    @property
    def account_name(self) -> str:
        return f"stadatumdevsales{self.key}"

    @property
    def id(self) -> str:
        return (
            f"/subscriptions/s/resourceGroups/rg-lake/providers/Microsoft.Storage/storageAccounts/{self.account_name}"
        )

    def grant_read(self, principal: Principal, container: str | None = None) -> None:
        self.grants.append(("read", principal.key, container))

    def grant_write(self, principal: Principal, container: str | None = None) -> None:
        self.grants.append(("write", principal.key, container))


@dataclass
class FakeWorkspaceService:
    """What the services ask of the zone's Data Factory or Synapse workspace, recorded."""

    name: str
    principal: Principal
    integration_runtime_name: str = "AutoResolveIntegrationRuntime"
    endpoints: list[dict[str, Any]] = field(default_factory=list)
    linked_services: list[dict[str, Any]] = field(default_factory=list)
    # The same calls with every output resolved; filled during an update run only.
    resolved: list[dict[str, Any]] = field(default_factory=list)

    @property
    def factory_name(self) -> str:
        return self.name

    @property
    def workspace_name(self) -> str:
        return self.name

    def add_managed_private_endpoint(self, logical_name: str, *, endpoint_name: str, target_id: Any, group_id: str):
        call = {"name": endpoint_name, "target_id": target_id, "group_id": group_id}
        self.endpoints.append(call)
        pulumi.Output.from_input(call).apply(self.resolved.append)

    def add_linked_service(self, logical_name: str, *, linked_service_name: str, properties: dict[str, Any]):
        call = {"name": linked_service_name, "properties": properties}
        self.linked_services.append(call)
        pulumi.Output.from_input(call).apply(self.resolved.append)


@dataclass
class Zone:
    lakes: dict[str, FakeLake]
    factory: FakeWorkspaceService | None
    synapse: FakeWorkspaceService | None
    outputs: dict[str, Any] = field(default_factory=dict)


def _config(
    dev_config: dict[str, str], edit: Callable[[dict[str, Any]], None] | None = None, **overrides: str
) -> PlatformConfig:
    values = dict(dev_config)
    zones = json.loads(values["cloudscale:landingZones"])
    # Every optional service on, whatever the stack file says; the edit switches them.
    for service in SERVICES:
        zones[0]["services"].setdefault(service, {})["enabled"] = True
    if edit is not None:
        edit(zones[0]["services"])
    # Pipeline sets that read a switched-off service go with it, and so does everything downstream of
    # them (the config check refuses a set or product reading a table nothing writes).
    services = zones[0]["services"]
    cut = _cut_off({s for s, key in SOURCE_SERVICES.items() if not services[key]["enabled"]})
    zones[0]["pipelines"] = [p for p in zones[0].get("pipelines", []) if p["name"] not in cut]
    # Customer 360 trains its retention model on Azure ML, so it goes with it too.
    product_needs = {"customer-360": "machineLearning"}
    zones[0]["dataProducts"] = [
        p
        for p in zones[0].get("dataProducts", [])
        if p.replace("-", "_") not in cut and (p not in product_needs or services[product_needs[p]]["enabled"])
    ]
    team_access = zones[0].get("access", {}).get("dataProducts", {})
    for product in [p for p in team_access if p not in zones[0]["dataProducts"]]:
        del team_access[product]
    values["cloudscale:landingZones"] = json.dumps(zones)
    values.update({f"cloudscale:{key}": value for key, value in overrides.items()})
    return parse_config(values)


# The service a source format is read from: a set with such a source needs that service.
SOURCE_SERVICES = {"sql": "sqlHyperscale", "cosmos": "cosmos"}


def _cut_off(formats: set[str]) -> set[str]:
    """The bundled sets that read a source of these formats, and every set downstream of them."""
    # The serving set stays: it serves whichever products the zone still runs.
    contracts = [c for c in bundled_contracts() if c.set != SERVING_SET]
    cut = {c.set for c in contracts if any(source.format in formats for source in c.sources)}
    while True:
        missing = {t.id for c in contracts if c.set in cut for t in c.writes}
        more = {c.set for c in contracts if c.set not in cut and any(r.table in missing for r in c.reads)}
        if not more:
            return cut
        cut |= more


def _contract(location: str) -> ZoneContract:
    values = {f.name: pulumi.Output.from_input("") for f in ZoneContract.output_fields()}
    values["private_dns_zone_ids"] = pulumi.Output.from_input(
        {
            zone: f"/subscriptions/s/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/{zone}"
            for zone in platform_zones(location)
        }
    )
    values["container_registry_id"] = pulumi.Output.from_input(SHARED_REGISTRY)
    values["log_analytics_workspace_id"] = pulumi.Output.from_input(LOG_ID)
    return ZoneContract(**values)


def _deploy(config: PlatformConfig, *, factory: bool = True, synapse: bool = True) -> Callable[[], Zone]:
    def program() -> Zone:
        scope = ZoneScope(config, "sales")
        zone = Zone(
            lakes={
                RAW: FakeLake("raw", {"crm": None}),
                ENRICHED: FakeLake("encur", {"crm": None, "erp": None}),
                WORKSPACE: FakeLake("work", {"data": None, "synapse": None, "customer-360": None}),
            },
            factory=FakeWorkspaceService(FACTORY_NAME, Principal("adf", "adf-principal")) if factory else None,
            synapse=FakeWorkspaceService("synw-adatum-dev-sales", Principal("synw", "synw-principal"))
            if synapse
            else None,
        )
        contract = _contract(config.location)
        context = LandingZoneContext(
            scope=scope,
            zone=config.zone("sales"),
            contract=contract,
            services_group=scope.resource_group("data"),
            placement=contract.placement(SUBNET_ID, platform_zones(config.location)),
            log_analytics_workspace_id=pulumi.Output.from_input(LOG_ID),
            compute_subnet_id=pulumi.Output.from_input(f"{SUBNET_ID}-compute"),
            key_vault=None,  # the data services bring their own vaults
            lakes=zone.lakes,
            data_factory=zone.factory,
            synapse=zone.synapse,
        )
        zone.outputs = deploy_data_services(context)
        return zone

    return program


def _types(run) -> set[str]:
    return {r.typ for r in run.resources}


def _components(run) -> set[str]:
    """The Component tags of the run's tracked resources: which services declared something."""
    return {str(r.inputs["tags"].get("Component")) for r in run.resources if isinstance(r.inputs.get("tags"), dict)}


def test_the_sales_zone_gets_all_three_services(offline, dev_config):
    run = offline.run(_deploy(_config(dev_config)))
    assert set(SQL_TYPES + COSMOS_TYPES + ML_TYPES) <= _types(run)
    assert set(run.value.outputs) >= {
        "sqlServerFqdn",
        "sqlDatabaseName",
        "cosmosEndpoint",
        "cosmosAccountName",
        "machineLearningWorkspaceId",
    }


@pytest.mark.parametrize("service", list(SERVICES))
def test_a_disabled_service_declares_nothing_and_the_others_are_untouched(offline, dev_config, service):
    def switch_off(services: dict[str, Any]) -> None:
        services[service]["enabled"] = False

    run = offline.run(_deploy(_config(dev_config, switch_off)))
    assert _components(run) & set(SERVICES.values()) == set(SERVICES.values()) - {SERVICES[service]}


def test_no_enabled_service_means_no_resources_and_no_outputs(offline, dev_config):
    def switch_all_off(services: dict[str, Any]) -> None:
        for service in SERVICES:
            services[service]["enabled"] = False

    run = offline.run(_deploy(_config(dev_config, switch_all_off)))
    assert _types(run) == {"azure-native:resources:ResourceGroup"}
    zone = run.value
    assert zone.outputs == {}
    assert zone.factory.linked_services == [] and zone.synapse.linked_services == []
    assert all(lake.grants == [] for lake in zone.lakes.values())


def test_switching_off_sql_removes_its_factory_wiring(offline, dev_config):
    run = offline.run(_deploy(_config(dev_config, lambda s: s["sqlHyperscale"].update(enabled=False))))
    assert run.value.factory.endpoints == [] and run.value.factory.linked_services == []


def test_switching_off_cosmos_removes_synapse_link(offline, dev_config):
    run = offline.run(_deploy(_config(dev_config, lambda s: s["cosmos"].update(enabled=False))))
    assert run.value.synapse.endpoints == [] and run.value.synapse.linked_services == []
    assert run.of_type("azure-native:cosmosdb:SqlResourceSqlRoleAssignment") == []


def test_switching_off_machine_learning_removes_its_lake_access(offline, dev_config):
    run = offline.run(_deploy(_config(dev_config, lambda s: s["machineLearning"].update(enabled=False))))
    assert all(lake.grants == [] for lake in run.value.lakes.values())


def test_erp_database_follows_the_zone_config(offline, dev_config):
    run = offline.run(_deploy(_config(dev_config)))
    server = run.one("azure-native:sql:Server").inputs
    assert server["administrators"]["login"] == "adatum-erp-dba"
    assert server["administrators"]["sid"] == "5b0c3a5e-1111-4c3e-9d7a-0a1b2c3d4e5f"
    database = run.one("azure-native:sql:Database").inputs
    assert database["databaseName"] == "erp"
    assert database["sku"] == {"name": "HS_Gen5", "tier": "Hyperscale", "family": "Gen5", "capacity": 4}
    assert database["zoneRedundant"] is True
    assert run.one("azure-native:sql:BackupShortTermRetentionPolicy").inputs["retentionDays"] == 14


def test_factory_reads_the_erp_database_privately_with_its_managed_identity(offline_update, dev_config):
    run = offline_update.run(_deploy(_config(dev_config)))
    factory = run.value.factory
    server_id = run.mocks.ids[("azure-native:sql:Server", "sales-erp-server")]
    server_name = run.one("azure-native:sql:Server").inputs["serverName"]
    endpoint, linked = factory.resolved
    assert endpoint["group_id"] == "sqlServer"
    assert endpoint["target_id"] == server_id
    assert linked["name"] == ERP_LINKED_SERVICE
    assert linked["properties"]["type"] == "AzureSqlDatabase"
    assert linked["properties"]["typeProperties"] == {
        "server": f"{server_name}.database.windows.net",
        "database": "erp",
        "encrypt": "mandatory",
        "authenticationType": "SystemAssignedManagedIdentity",
    }
    script = run.value.outputs["sqlFactoryUserScript"]
    assert f"CREATE USER [{FACTORY_NAME}] FROM EXTERNAL PROVIDER;" in script
    assert f"ALTER ROLE [db_datareader] ADD MEMBER [{FACTORY_NAME}];" in script


def test_synapse_link_reaches_the_analytical_store_privately_with_its_identity(offline, dev_config):
    run = offline.run(_deploy(_config(dev_config)))
    synapse = run.value.synapse
    assert sorted(e["group_id"] for e in synapse.endpoints) == ["Analytical", "Sql"]
    [linked] = synapse.linked_services
    assert linked["name"] == COSMOS_LINKED_SERVICE
    assert linked["properties"]["type"] == "CosmosDb"
    type_properties = linked["properties"]["typeProperties"]
    assert type_properties["database"] == "customerservice"
    # System-assigned managed identity: the connector's linked service takes exactly accountEndpoint and
    # database (Learn, "Copy and transform data in Azure Cosmos DB for NoSQL", data-factory/connector-
    # azure-cosmos-db.md); keys, connection strings, tenants and ARM coordinates are not part of it.
    assert set(type_properties) == {"accountEndpoint", "database"}
    assert linked["properties"]["connectVia"] == {
        "referenceName": "AutoResolveIntegrationRuntime",
        "type": "IntegrationRuntimeReference",
    }
    if not offline.preview:
        [resolved] = [call for call in synapse.resolved if call["name"] == COSMOS_LINKED_SERVICE]
        account = run.one("azure-native:cosmosdb:DatabaseAccount").inputs["accountName"]
        assert resolved["properties"]["typeProperties"] == {
            "accountEndpoint": f"https://{account}.documents.azure.com:443/",
            "database": "customerservice",
        }
    [assignment] = run.of_type("azure-native:cosmosdb:SqlResourceSqlRoleAssignment")
    assert assignment.inputs["principalId"] == "synw-principal"
    containers = {c.inputs["containerName"] for c in run.of_type("azure-native:cosmosdb:SqlResourceSqlContainer")}
    assert containers == {"customers", "interactions"}
    account = run.one("azure-native:cosmosdb:DatabaseAccount").inputs
    assert account["analyticalStorageConfiguration"] == {"schemaType": "FullFidelity"}


def test_without_factory_or_synapse_the_databases_still_deploy_unwired(offline, dev_config):
    run = offline.run(_deploy(_config(dev_config), factory=False, synapse=False))
    assert set(SQL_TYPES + COSMOS_TYPES) <= _types(run)
    assert "sqlFactoryUserScript" not in run.value.outputs
    assert "cosmosLinkedServiceName" not in run.value.outputs


def test_machine_learning_reads_curated_data_and_writes_only_to_data_product_containers(offline, dev_config):
    run = offline.run(_deploy(_config(dev_config)))
    lakes = run.value.lakes
    assert lakes[RAW].grants == []
    assert sorted(lakes[ENRICHED].grants) == [
        ("read", "sales-retention-cpu", "crm"),
        ("read", "sales-retention-cpu", "erp"),
        ("read", "sales-retention-workspace", "crm"),
        ("read", "sales-retention-workspace", "erp"),
    ]
    assert sorted(lakes[WORKSPACE].grants) == [
        ("read", "sales-retention-workspace", "customer-360"),
        ("write", "sales-retention-cpu", "customer-360"),
    ]
    datastores = {
        d.inputs["name"]: d.inputs["properties"] for d in run.of_type("azure-native:machinelearningservices:Datastore")
    }
    assert set(datastores) == {"enriched_crm", "enriched_erp", "workspace_customer_360"}
    assert datastores["workspace_customer_360"]["filesystem"] == "customer-360"
    rules = run.one("azure-native:machinelearningservices:Workspace").inputs["managedNetwork"]["outboundRules"]
    assert {name for name, rule in rules.items() if rule["type"] == "PrivateEndpoint"} == {
        "enriched-dfs",
        "enriched-blob",
        "workspace-dfs",
        "workspace-blob",
    }


def test_machine_learning_may_approve_its_endpoints_on_both_lakes_once_each(offline_update, dev_config):
    # Outbound private endpoints stay pending unless the workspace identity holds "Azure AI Enterprise
    # Network Connection Approver" on the target (azure-ai-docs, machine-learning/how-to-managed-network.md).
    run = offline_update.run(_deploy(_config(dev_config)))
    approved = [
        r.inputs["scope"]
        for r in run.of_type("azure-native:authorization:RoleAssignment")
        if r.inputs["roleDefinitionId"].endswith(BuiltInRole.AI_NETWORK_CONNECTION_APPROVER.value)
    ]
    lakes = run.value.lakes
    assert sorted(scope for scope in approved if "/resourceGroups/rg-lake/" in scope) == sorted(
        [lakes[ENRICHED].id, lakes[WORKSPACE].id]
    )


def test_machine_learning_reuses_the_management_registry_when_configured(offline, dev_config):
    run = offline.run(_deploy(_config(dev_config)))
    assert run.of_type("azure-native:containerregistry:Registry") == []
    assert run.one("azure-native:machinelearningservices:Workspace").inputs["containerRegistry"] == SHARED_REGISTRY
    grants = {
        r.inputs["roleDefinitionId"].rsplit("/", 1)[-1]
        for r in run.of_type("azure-native:authorization:RoleAssignment")
        if r.inputs["scope"] == SHARED_REGISTRY
    }
    # Push and pull for the workspace and its cluster; approval of the managed network's endpoint.
    assert grants == {
        BuiltInRole.ACR_PUSH.value,
        BuiltInRole.ACR_PULL.value,
        BuiltInRole.AI_NETWORK_CONNECTION_APPROVER.value,
    }


def test_machine_learning_gets_its_own_registry_otherwise(offline, dev_config):
    config = _config(dev_config, lambda s: s["machineLearning"].update(reuseManagementRegistry=False))
    run = offline.run(_deploy(config))
    assert len(run.of_type("azure-native:containerregistry:Registry")) == 1
    assert run.one("azure-native:machinelearningservices:Workspace").inputs["containerRegistry"] != SHARED_REGISTRY


def test_in_a_region_without_zones_the_workspace_storage_is_locally_redundant(offline, dev_config):
    def zoneless(services: dict[str, Any]) -> None:
        services["sqlHyperscale"].update(zoneRedundant=False, backupStorageRedundancy="Local")

    values = dict(dev_config)
    zones = json.loads(values["cloudscale:landingZones"])
    zones[0]["lake"]["redundancy"] = "Standard_LRS"
    values["cloudscale:landingZones"] = json.dumps(zones)
    run = offline.run(_deploy(_config(values, zoneless, location="northcentralus")))
    ml_storage = run.one("azure-native:storage:StorageAccount").inputs
    assert ml_storage["sku"] == {"name": "Standard_LRS"}


def test_data_services_raise_no_high_security_finding(offline, dev_config):
    run = offline.run(_deploy(_config(dev_config)))
    reported = findings(run.resources, protects_state=False, locked=set())
    assert [f for f in reported if f.severity == "high"] == []
    # The one shared-key account is Azure ML's own store, dev's vaults are made purgeable on purpose, and
    # Azure ML reaches its vault as a trusted service: exceptions the plan shows with their reasons.
    assert {(f.rule, f.resource) for f in reported if f.severity == "accepted"} == {
        ("shared-key", "sales-retention-storage"),
        ("purge-protection", "sales-retention-kv-vault"),
        ("trusted-services-bypass", "sales-retention-kv-vault"),
    }


def test_dev_stack_deploys_the_three_services_in_the_sales_zone(stack_runs, mode, dev_config):
    run = stack_runs.run(dev_config, mode)
    assert run.one("azure-native:sql:Database", "sales-erp-database").inputs["databaseName"] == "erp"
    account = run.one("azure-native:cosmosdb:DatabaseAccount", "sales-customer-service-account")
    assert account.inputs["accountName"].startswith("cosno-adatum-dev-sales-care-")
    workspace = run.one("azure-native:machinelearningservices:Workspace", "sales-retention-workspace")
    assert workspace.inputs["workspaceName"] == "mlw-adatum-dev-sales-churn"
    linked = {r.inputs["linkedServiceName"] for r in run.of_type("azure-native:datafactory:LinkedService")}
    assert ERP_LINKED_SERVICE in linked
    assert "sales-synapse-ls-customer-service" in {r.name for r in run.resources}
    if mode != "preview":
        sales = run.exports["landingZones"]["sales"]
        assert sales["sqlServerFqdn"].endswith(".database.windows.net")
        assert sales["cosmosEndpoint"].startswith("https://cosno-adatum-dev-sales-")
        assert sales["machineLearningWorkspaceName"] == "mlw-adatum-dev-sales-churn"


# --- configuration: refused before anything is registered, with the key to fix ---------------------------------

SQL_KEY = "cloudscale:landingZones[0].services.sqlHyperscale"
BAD_DATA_SERVICES = [
    ("not-a-hyperscale-sku", {"sqlHyperscale": {"sku": "GP_Gen5"}}, f"{SQL_KEY}.sku", "not a Hyperscale SKU"),
    ("slo-name-as-sku", {"sqlHyperscale": {"sku": "HS_Gen5_4"}}, f"{SQL_KEY}.sku", "sku HS_Gen5, vcores 4"),
    ("retired-gen4", {"sqlHyperscale": {"sku": "HS_Gen4"}}, f"{SQL_KEY}.sku", "not a Hyperscale SKU"),
    ("vcores-not-offered", {"sqlHyperscale": {"vcores": 3}}, f"{SQL_KEY}.vcores", "not offered for HS_Gen5"),
    (
        "dc-series-has-no-24",
        {"sqlHyperscale": {"sku": "HS_DC", "vcores": 24, "zoneRedundant": False}},
        f"{SQL_KEY}.vcores",
        "not offered for HS_DC",
    ),
    (
        "serverless-without-floor",
        {"sqlHyperscale": {"sku": "HS_S_Gen5", "vcores": 8}},
        f"{SQL_KEY}.minVcores",
        "between 1.0 and 8",
    ),
    (
        "serverless-floor-too-low",
        {"sqlHyperscale": {"sku": "HS_S_Gen5", "vcores": 8, "minVcores": 0.5}},
        f"{SQL_KEY}.minVcores",
        "between 1.0 and 8",
    ),
    (
        "too-many-ha-replicas",
        {"sqlHyperscale": {"highAvailabilityReplicas": 5}},
        f"{SQL_KEY}.highAvailabilityReplicas",
        "less than or equal to 4",
    ),
    (
        "zone-redundant-without-replica",
        {"sqlHyperscale": {"highAvailabilityReplicas": 0}},
        f"{SQL_KEY}.highAvailabilityReplicas",
        "at least 1",
    ),
    (
        "retention-beyond-35-days",
        {"sqlHyperscale": {"shortTermRetentionDays": 36}},
        f"{SQL_KEY}.shortTermRetentionDays",
        "less than or equal to 35",
    ),
    (
        "missing-admin-group",
        {"sqlHyperscale": {"adminGroupObjectId": "00000000-0000-0000-0000-000000000000"}},
        f"{SQL_KEY}.adminGroupObjectId",
        "required",
    ),
    (
        "system-database-name",
        {"sqlHyperscale": {"databaseName": "master"}},
        f"{SQL_KEY}.databaseName",
        "system database",
    ),
    (
        "analytical-store-switched-off",
        {"cosmos": {"containers": [{"name": "customers", "partitionKey": "/customerId", "analyticalTtlSeconds": 0}]}},
        "cloudscale:landingZones[0].services.cosmos.containers[0].analyticalTtlSeconds",
        "cannot be undone",
    ),
    (
        "cosmos-zero-default-ttl",
        {"cosmos": {"containers": [{"name": "customers", "partitionKey": "/customerId", "defaultTtlSeconds": 0}]}},
        "cloudscale:landingZones[0].services.cosmos.containers[0].defaultTtlSeconds",
        "rejects 0",
    ),
    (
        "bad-cluster-vm-size",
        {"machineLearning": {"clusterVmSize": "DS3_v2"}},
        "cloudscale:landingZones[0].services.machineLearning.clusterVmSize",
        "pattern",
    ),
    (
        "bad-outbound-fqdn",
        {"machineLearning": {"allowedOutboundFqdns": ["https://pypi.org/simple"]}},
        "cloudscale:landingZones[0].services.machineLearning.allowedOutboundFqdns[0]",
        "pattern",
    ),
]


def _merge(services: dict[str, Any], changes: dict[str, dict[str, Any]]) -> None:
    for service, settings in changes.items():
        services[service].update(settings)


@pytest.mark.parametrize(
    ("case", "changes", "key", "fragment"), BAD_DATA_SERVICES, ids=[c[0] for c in BAD_DATA_SERVICES]
)
def test_bad_data_service_config_names_the_key(dev_config, case, changes, key, fragment):
    with pytest.raises(ConfigError) as raised:
        _config(dev_config, lambda services: _merge(services, changes))
    message = str(raised.value)
    assert f"{key}:" in message, message
    assert fragment in message, message


@pytest.mark.parametrize("location", ["westus", "northcentralus"])
def test_zone_redundancy_is_refused_in_a_region_without_zones(dev_config, location):
    values = dict(dev_config)
    zones = json.loads(values["cloudscale:landingZones"])
    zones[0]["lake"]["redundancy"] = "Standard_LRS"
    zones[0]["services"]["sqlHyperscale"]["backupStorageRedundancy"] = "Local"
    zones[0]["services"]["cosmos"]["zoneRedundant"] = True
    values["cloudscale:landingZones"] = json.dumps(zones)
    values["cloudscale:location"] = location
    with pytest.raises(ConfigError) as raised:
        parse_config(values)
    assert set(raised.value.keys) >= {
        "landingZones[0].services.sqlHyperscale.zoneRedundant",
        "landingZones[0].services.sqlHyperscale.backupStorageRedundancy",
        "landingZones[0].services.cosmos.zoneRedundant",
    }
    assert f"{location} has no availability zones" in str(raised.value)


def test_an_invalid_hyperscale_sku_stops_the_program_before_any_resource_is_registered(offline, dev_config):
    values = dict(dev_config)
    zones = json.loads(values["cloudscale:landingZones"])
    zones[0]["services"]["sqlHyperscale"]["vcores"] = 3
    values["cloudscale:landingZones"] = json.dumps(zones)
    with pytest.raises(ConfigError, match=r"sqlHyperscale\.vcores"):
        offline.run(lambda: build_platform(load_config()), config=values)
    assert offline.mocks is not None
    assert offline.mocks.resources == []
