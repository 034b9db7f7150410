"""Customer service on Cosmos DB for NoSQL: analytical store on, Entra-only, private, continuously backed up."""

from __future__ import annotations

from cloudscale.components.baseline import Principal
from cloudscale.components.core.roles import COSMOS_BUILT_IN_DATA_CONTRIBUTOR, COSMOS_BUILT_IN_DATA_READER
from cloudscale.components.cosmos_account import (
    ANALYTICS_READER_ACTIONS,
    CosmosAccount,
    CosmosAccountArgs,
    CosmosContainer,
)

from .support import WORKSPACE_ID, service_baseline, zone_id

SYNAPSE = Principal("synapse", "33333333-3333-3333-3333-333333333333")


def _cosmos(*, lock: bool = False, **overrides) -> CosmosAccount:
    settings = {
        "database_name": "customerservice",
        "containers": [
            CosmosContainer("customers", "/customerId"),
            CosmosContainer("interactions", "/customerId", analytical_ttl_seconds=31_536_000, default_ttl_seconds=-1),
        ],
        "schema_type": "FullFidelity",
        **overrides,
    }
    baseline = service_baseline(environment="tst", tags={"Zone": "sales"}, lock=lock)
    return CosmosAccount("care", CosmosAccountArgs(baseline=baseline, **settings))


def test_account_is_private_entra_only_and_tls_12(offline):
    run = offline.run(_cosmos)
    account = run.one("azure-native:cosmosdb:DatabaseAccount").inputs
    assert account["kind"] == "GlobalDocumentDB"
    assert account["databaseAccountOfferType"] == "Standard"
    assert account["disableLocalAuth"] is True
    assert account["disableKeyBasedMetadataWriteAccess"] is True
    assert account["publicNetworkAccess"] == "Disabled"
    assert account["networkAclBypass"] == "None"
    assert account["minimalTlsVersion"] == "Tls12"
    assert account["identity"] == {"type": "SystemAssigned"}


def test_analytical_store_is_on_with_the_configured_schema_and_backup_is_continuous(offline):
    run = offline.run(lambda: _cosmos(backup_tier="Continuous30Days", zone_redundant=True))
    account = run.one("azure-native:cosmosdb:DatabaseAccount").inputs
    assert account["enableAnalyticalStorage"] is True
    assert account["analyticalStorageConfiguration"] == {"schemaType": "FullFidelity"}
    assert account["backupPolicy"] == {"type": "Continuous", "continuousModeProperties": {"tier": "Continuous30Days"}}
    assert account["locations"] == [{"locationName": "westeurope", "failoverPriority": 0, "isZoneRedundant": True}]
    assert account["consistencyPolicy"] == {"defaultConsistencyLevel": "Session"}


def test_bounded_staleness_carries_its_staleness_window(offline):
    run = offline.run(lambda: _cosmos(consistency="BoundedStaleness"))
    policy = run.one("azure-native:cosmosdb:DatabaseAccount").inputs["consistencyPolicy"]
    assert policy["defaultConsistencyLevel"] == "BoundedStaleness"
    assert policy["maxStalenessPrefix"] > 0 and policy["maxIntervalInSeconds"] > 0


def test_private_endpoints_serve_both_the_transactional_and_the_analytical_store(offline):
    run = offline.run(_cosmos)
    endpoints = run.of_type("azure-native:network:PrivateEndpoint")
    assert sorted(e.inputs["privateLinkServiceConnections"][0]["groupIds"][0] for e in endpoints) == [
        "Analytical",
        "Sql",
    ]
    zones = {
        config["privateDnsZoneId"]
        for group in run.of_type("azure-native:network:PrivateDnsZoneGroup")
        for config in group.inputs["privateDnsZoneConfigs"]
    }
    assert zones == {zone_id("privatelink.documents.azure.com"), zone_id("privatelink.analytics.cosmos.azure.com")}


def test_database_and_containers_come_from_the_arguments(offline):
    run = offline.run(lambda: _cosmos(autoscale_max_throughput=4000))
    database = run.one("azure-native:cosmosdb:SqlResourceSqlDatabase").inputs
    assert database["resource"] == {"id": "customerservice"}
    assert database["options"] == {"autoscaleSettings": {"maxThroughput": 4000}}
    containers = {
        c.inputs["containerName"]: c.inputs for c in run.of_type("azure-native:cosmosdb:SqlResourceSqlContainer")
    }
    assert set(containers) == {"customers", "interactions"}
    customers = containers["customers"]
    assert customers["databaseName"] == "customerservice"
    assert customers["resource"]["partitionKey"] == {"paths": ["/customerId"], "kind": "Hash", "version": 2}
    assert customers["resource"]["analyticalStorageTtl"] == -1
    assert "defaultTtl" not in customers["resource"]
    interactions = containers["interactions"]["resource"]
    assert interactions["analyticalStorageTtl"] == 31_536_000
    assert interactions["defaultTtl"] == -1


def test_containers_wait_for_their_database(offline):
    run = offline.run(_cosmos)
    database_urn = next(o.urn for o in run.monitor.options.values() if o.name == "care-database")
    for name in ("care-container-customers", "care-container-interactions"):
        options = next(o for o in run.monitor.options.values() if o.name == name)
        assert database_urn in options.dependencies


def test_diagnostics_use_resource_specific_tables_and_the_requests_metric(offline):
    run = offline.run(_cosmos)
    setting = run.one("azure-native:monitor:DiagnosticSetting").inputs
    assert setting["workspaceId"] == WORKSPACE_ID
    assert setting["logAnalyticsDestinationType"] == "Dedicated"
    assert setting["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]
    assert setting["metrics"] == [{"category": "Requests", "enabled": True}]


def test_account_database_and_containers_are_protected_and_the_account_locked_outside_dev(offline):
    run = offline.run(lambda: _cosmos(lock=True))
    protected = {o.name for o in run.monitor.options.values() if o.protect}
    assert protected == {"care-account", "care-database", "care-container-customers", "care-container-interactions"}
    assert [r.name for r in run.of_type("azure-native:authorization:ManagementLockByScope")] == ["care-account-lock"]


def test_analytics_read_is_a_custom_role_with_only_metadata_and_analytical_reads(offline):
    def program():
        cosmos = _cosmos()
        cosmos.grant_analytics_read(SYNAPSE)
        cosmos.grant_analytics_read(Principal("spark-job", "44444444-4444-4444-4444-444444444444"), "customerservice")

    run = offline.run(program)
    definition = run.one("azure-native:cosmosdb:SqlResourceSqlRoleDefinition").inputs
    assert definition["type"] == "CustomRole"
    assert definition["permissions"] == [{"dataActions": list(ANALYTICS_READER_ACTIONS)}]
    assignments = run.of_type("azure-native:cosmosdb:SqlResourceSqlRoleAssignment")
    assert {a.inputs["principalId"] for a in assignments} == {
        SYNAPSE.principal_id,
        "44444444-4444-4444-4444-444444444444",
    }
    assert len({a.inputs["roleAssignmentId"] for a in assignments}) == 2


def test_analytics_reader_scopes_resolve_to_the_account_and_the_database(offline_update):
    def program():
        cosmos = _cosmos()
        cosmos.grant_analytics_read(SYNAPSE)
        cosmos.grant_analytics_read(SYNAPSE, "customerservice")

    run = offline_update.run(program)
    account_id = run.mocks.ids[("azure-native:cosmosdb:DatabaseAccount", "care-account")]
    definition = run.one("azure-native:cosmosdb:SqlResourceSqlRoleDefinition")
    definition_id = run.mocks.ids[("azure-native:cosmosdb:SqlResourceSqlRoleDefinition", definition.name)]
    assert definition.inputs["assignableScopes"] == [account_id]
    assignments = run.of_type("azure-native:cosmosdb:SqlResourceSqlRoleAssignment")
    assert {a.inputs["scope"] for a in assignments} == {account_id, f"{account_id}/dbs/customerservice"}
    assert {a.inputs["roleDefinitionId"] for a in assignments} == {definition_id}


def test_data_read_and_write_use_the_built_in_roles(offline_update):
    def program():
        cosmos = _cosmos()
        cosmos.grant_data_read(Principal("crm-app", "55555555-5555-5555-5555-555555555555"))
        cosmos.grant_data_write(Principal("care-app", "66666666-6666-6666-6666-666666666666"), "customerservice")

    run = offline_update.run(program)
    account_id = run.mocks.ids[("azure-native:cosmosdb:DatabaseAccount", "care-account")]
    assignments = {
        a.inputs["principalId"]: a.inputs for a in run.of_type("azure-native:cosmosdb:SqlResourceSqlRoleAssignment")
    }
    reader = assignments["55555555-5555-5555-5555-555555555555"]
    assert reader["roleDefinitionId"] == f"{account_id}/sqlRoleDefinitions/{COSMOS_BUILT_IN_DATA_READER}"
    assert reader["scope"] == account_id
    writer = assignments["66666666-6666-6666-6666-666666666666"]
    assert writer["roleDefinitionId"] == f"{account_id}/sqlRoleDefinitions/{COSMOS_BUILT_IN_DATA_CONTRIBUTOR}"
    assert writer["scope"] == f"{account_id}/dbs/customerservice"
    assert run.of_type("azure-native:cosmosdb:SqlResourceSqlRoleDefinition") == []
