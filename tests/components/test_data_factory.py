"""Shared integration: a private factory whose runtime lives in a managed VNet and reaches lakes privately."""

from __future__ import annotations

import pytest

from cloudscale.components.data_factory import DataFactory, DataFactoryArgs, FactoryLake, flatten_definition

from .support import WORKSPACE_ID, service_baseline, urn_of

PURVIEW_ID = "/subscriptions/s/resourceGroups/gov/providers/Microsoft.Purview/accounts/pview"
INGESTION_ID = "/subscriptions/s/resourceGroups/pview-managed/providers/Microsoft.Storage/storageAccounts/scan"
VAULT_ID = "/subscriptions/s/resourceGroups/sec/providers/Microsoft.KeyVault/vaults/kv"
VAULT_URI = "https://kv.vault.azure.net/"
RAW_ID = "/subscriptions/s/resourceGroups/st/providers/Microsoft.Storage/storageAccounts/raw"
EXT_ID = "/subscriptions/s/resourceGroups/st/providers/Microsoft.Storage/storageAccounts/ext"
MPE = "azure-native:datafactory:ManagedPrivateEndpoint"
LINKED_SERVICE = "azure-native:datafactory:LinkedService"


def _factory(*, extra: bool = False, credentials: tuple[str, ...] = ()) -> DataFactory:
    factory = DataFactory(
        "adf",
        DataFactoryArgs(
            baseline=service_baseline(resource_group_name="rg-integration"),
            lakes=[
                FactoryLake("raw", RAW_ID, "https://raw.dfs.core.windows.net/"),
                FactoryLake("external", EXT_ID, "https://ext.blob.core.windows.net/", hierarchical_namespace=False),
            ],
            key_vault_id=VAULT_ID,
            key_vault_uri=VAULT_URI,
            purview_id=PURVIEW_ID,
            purview_ingestion_storage_id=INGESTION_ID,
            credentials=credentials,
        ),
    )
    if extra:
        factory.add_managed_private_endpoint(
            "erp", endpoint_name="mpe-erp", target_id="/subscriptions/s/sql/erp", group_id="sqlServer"
        )
        factory.add_linked_service(
            "erp",
            linked_service_name="ls_sql_erp",
            properties={
                "type": "AzureSqlDatabase",
                "version": "2.0",
                "typeProperties": {"server": "erp.database.windows.net", "database": "erp"},
            },
        )
    return factory


def test_factory_is_private_with_a_managed_identity_and_purview_lineage(offline):
    factory = offline.run(_factory).one("azure-native:datafactory:Factory").inputs
    assert factory["publicNetworkAccess"] == "Disabled"
    assert factory["identity"] == {"type": "SystemAssigned"}
    assert factory["purviewConfiguration"] == {"purviewResourceId": PURVIEW_ID}
    assert factory["factoryName"].startswith("adf-adatum-dev-sales-integration-")


def test_managed_vnet_and_autoresolve_runtime_inside_it(offline):
    run = offline.run(_factory)
    vnet = run.one("azure-native:resources:Resource").inputs
    assert (vnet["resourceProviderNamespace"], vnet["resourceType"], vnet["resourceName"]) == (
        "Microsoft.DataFactory",
        "managedVirtualNetworks",
        "default",
    )
    assert vnet["parentResourcePath"].startswith("factories/adf-adatum-dev-sales-integration-")
    runtime = run.one("azure-native:datafactory:IntegrationRuntime").inputs
    assert runtime["integrationRuntimeName"] == "AutoResolveIntegrationRuntime"
    assert runtime["properties"] == {
        "type": "Managed",
        "managedVirtualNetwork": {"referenceName": "default", "type": "ManagedVirtualNetworkReference"},
        "computeProperties": {"location": "AutoResolve"},
    }
    assert urn_of(run, "adf-managed-vnet") in run.monitor.options[urn_of(run, "adf-runtime")].dependencies


def test_managed_private_endpoints_to_each_lake_the_vault_and_purview(offline):
    run = offline.run(_factory)
    endpoints = {e.name: e.inputs for e in run.of_type(MPE)}
    assert {
        name: (e["properties"]["privateLinkResourceId"], e["properties"]["groupId"]) for name, e in endpoints.items()
    } == {
        "adf-mpe-lake-raw": (RAW_ID, "dfs"),
        "adf-mpe-lake-external": (EXT_ID, "blob"),
        "adf-mpe-key-vault": (VAULT_ID, "vault"),
        # Lineage to a Purview closed to public networks needs the account and ingestion endpoints
        # (MicrosoftDocs azure-docs, data-factory/how-to-access-secured-purview-account.md).
        "adf-mpe-purview": (PURVIEW_ID, "account"),
        "adf-mpe-purview-ingestion-blob": (INGESTION_ID, "blob"),
        "adf-mpe-purview-ingestion-queue": (INGESTION_ID, "queue"),
    }
    assert {e["managedVirtualNetworkName"] for e in endpoints.values()} == {"default"}
    for name in endpoints:
        assert urn_of(run, "adf-managed-vnet") in run.monitor.options[urn_of(run, name)].dependencies


def test_linked_services_sign_in_as_the_factory_through_the_managed_runtime(offline):
    run = offline.run(_factory)
    services = {s.inputs["linkedServiceName"]: s.inputs["properties"] for s in run.of_type(LINKED_SERVICE)}
    via_runtime = {"referenceName": "AutoResolveIntegrationRuntime", "type": "IntegrationRuntimeReference"}
    assert services["ls_lake_raw"] == {
        "type": "AzureBlobFS",
        "url": "https://raw.dfs.core.windows.net/",
        "connectVia": via_runtime,
    }
    assert services["ls_lake_external"] == {
        "type": "AzureBlobStorage",
        "serviceEndpoint": "https://ext.blob.core.windows.net/",
        "accountKind": "StorageV2",
        "authenticationType": "Msi",
        "connectVia": via_runtime,
    }
    # Key Vault linked services take no runtime; the vault is reached through its managed endpoint.
    assert services["ls_key_vault"] == {"type": "AzureKeyVault", "baseUrl": VAULT_URI}
    assert not any(key in str(services) for key in ("accountKey", "connectionString", "sasUri"))
    dependencies = run.monitor.options[urn_of(run, "adf-ls-lake-raw")].dependencies
    assert {urn_of(run, "adf-runtime"), urn_of(run, "adf-mpe-lake-raw")} <= set(dependencies)


def test_portal_and_data_factory_private_endpoints_and_dedicated_diagnostics(offline):
    run = offline.run(_factory)
    endpoints = run.of_type("azure-native:network:PrivateEndpoint")
    assert sorted(e.inputs["privateLinkServiceConnections"][0]["groupIds"][0] for e in endpoints) == [
        "dataFactory",
        "portal",
    ]
    setting = run.one("azure-native:monitor:DiagnosticSetting").inputs
    assert setting["logAnalyticsDestinationType"] == "Dedicated"
    assert setting["workspaceId"] == WORKSPACE_ID


def test_added_endpoints_and_linked_services_use_the_managed_runtime(offline):
    run = offline.run(lambda: _factory(extra=True))
    endpoint = run.one(MPE, "adf-mpe-erp").inputs
    assert endpoint["managedPrivateEndpointName"] == "mpe-erp"
    assert endpoint["properties"]["groupId"] == "sqlServer"
    # The shared JSON form (typeProperties) is flattened into azure-native's shape.
    service = run.one(LINKED_SERVICE, "adf-ls-erp").inputs
    assert service["linkedServiceName"] == "ls_sql_erp"
    assert service["properties"] == {
        "type": "AzureSqlDatabase",
        "version": "2.0",
        "server": "erp.database.windows.net",
        "database": "erp",
        "connectVia": {"referenceName": "AutoResolveIntegrationRuntime", "type": "IntegrationRuntimeReference"},
    }


def test_principal_is_the_factory_identity(offline_update):
    captured = {}

    def program():
        factory = _factory()
        captured["principal"] = factory.principal
        return factory.principal.principal_id

    run = offline_update.run(program)
    assert captured["principal"].principal_type == "ServicePrincipal"
    assert run.value and len(run.value) == 36


def test_lineage_to_purview_without_its_ingestion_storage_is_refused(offline):
    def program() -> DataFactory:
        return DataFactory(
            "adf",
            DataFactoryArgs(
                baseline=service_baseline(),
                lakes=[],
                key_vault_id=VAULT_ID,
                key_vault_uri=VAULT_URI,
                purview_id=PURVIEW_ID,
            ),
        )

    with pytest.raises(ValueError, match="ingestion storage"):
        offline.run(program)
    assert offline.mocks is not None and offline.mocks.resources == []


def test_flattening_refuses_a_type_property_that_would_overwrite_the_definitions_own():
    body = {"type": "AzureSqlTable", "schema": [{"name": "Id"}], "typeProperties": {"schema": "Sales", "table": "T"}}
    with pytest.raises(ValueError, match="typeProperties schema would overwrite"):
        flatten_definition(body)
    assert flatten_definition({"type": "AzureSqlTable", "schema": [], "typeProperties": {"table": "T"}}) == {
        "type": "AzureSqlTable",
        "schema": [],
        "table": "T",
    }


DATAVERSE = {
    "type": "Dynamics",
    "typeProperties": {
        "deploymentType": "Online",
        "serviceUri": "https://org.crm4.dynamics.com",
        "authenticationType": "ManagedIdentity",
        "credential": {"referenceName": "cred_dataverse", "type": "CredentialReference"},
    },
}


def test_a_credential_is_a_user_assigned_identity_that_the_factory_carries(offline_update):
    def program() -> None:
        factory = _factory(credentials=("cred_dataverse",))
        factory.add_linked_service("crm", linked_service_name="ls_dataverse_crm", properties=DATAVERSE)

    run = offline_update.run(program)
    identity = run.one("azure-native:managedidentity:UserAssignedIdentity")
    assert identity.inputs["resourceName"] == "id-adatum-dev-sales-adf-cred-dataverse"
    credential = run.one("azure-native:datafactory:CredentialOperation").inputs
    assert credential["credentialName"] == "cred_dataverse"
    assert credential["properties"]["type"] == "ManagedIdentity"
    identity_id = credential["properties"]["resourceId"]
    assert identity_id.endswith("/id-adatum-dev-sales-adf-cred-dataverse")
    factory = run.one("azure-native:datafactory:Factory").inputs
    assert factory["identity"] == {"type": "SystemAssigned,UserAssigned", "userAssignedIdentities": {identity_id: {}}}
    linked = run.one(LINKED_SERVICE, "adf-ls-crm")
    reference = {"referenceName": "cred_dataverse", "type": "CredentialReference"}
    assert linked.inputs["properties"]["credential"] == reference
    dependencies = run.monitor.options[urn_of(run, "adf-ls-crm")].dependencies
    assert urn_of(run, "adf-credential-cred_dataverse") in dependencies


def test_a_factory_without_credentials_keeps_only_its_own_identity_and_refuses_a_named_one(offline):
    def program() -> None:
        factory = _factory()
        with pytest.raises(ValueError, match="names credential 'cred_dataverse', which the factory was not given"):
            factory.add_linked_service("crm", linked_service_name="ls_dataverse_crm", properties=DATAVERSE)

    run = offline.run(program)
    assert run.of_type("azure-native:datafactory:CredentialOperation") == []
    assert run.of_type("azure-native:managedidentity:UserAssignedIdentity") == []
