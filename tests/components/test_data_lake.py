"""Lakes: private Entra-only accounts, recovery where the namespace allows it, tiering, containers, grants."""

from __future__ import annotations

import pytest

from cloudscale.components.baseline import Principal
from cloudscale.components.core import BuiltInRole
from cloudscale.components.data_lake import DataLake, DataLakeArgs, ResourceInstanceAccess

from .support import SUBNET_ID, service_baseline

ACCOUNT = "azure-native:storage:StorageAccount"
CONTAINER = "azure-native:storage:BlobContainer"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
READER = Principal("synapse", "00000000-0000-0000-0000-0000000000aa")


def _lake(*, hns: bool = True, sku: str = "Standard_ZRS", lock: bool = False, grants: bool = False) -> DataLake:
    lake = DataLake(
        "raw",
        DataLakeArgs(
            baseline=service_baseline(environment="tst", resource_group_name="rg-storage", lock=lock),
            purpose="raw" if hns else "ext",
            hierarchical_namespace=hns,
            sku=sku,
            containers=["data", "crm", "erp"],
            cool_after_days=30,
            archive_after_days=180,
            soft_delete_days=21,
        ),
    )
    if grants:
        lake.grant_read(READER, "crm")
        lake.grant_write(READER)
    return lake


@pytest.mark.parametrize("hns", [True, False])
def test_account_is_private_entra_only_and_encrypted_twice(offline, hns):
    account = offline.run(lambda: _lake(hns=hns)).one(ACCOUNT)
    inputs = account.inputs
    assert inputs["kind"] == "StorageV2"
    assert inputs["isHnsEnabled"] is hns
    assert inputs["allowSharedKeyAccess"] is False
    assert inputs["defaultToOAuthAuthentication"] is True
    assert inputs["allowBlobPublicAccess"] is False
    assert inputs["publicNetworkAccess"] == "Disabled"
    assert inputs["minimumTlsVersion"] == "TLS1_2"
    assert inputs["enableHttpsTrafficOnly"] is True
    assert inputs["allowCrossTenantReplication"] is False
    assert inputs["networkRuleSet"]["defaultAction"] == "Deny"
    assert "AzureServices" not in inputs["networkRuleSet"]["bypass"]
    assert inputs["encryption"]["requireInfrastructureEncryption"] is True
    assert inputs["identity"] == {"type": "SystemAssigned"}
    assert inputs["sku"] == {"name": "Standard_ZRS"}
    assert inputs["accountName"].startswith("stadatumtstsalesraw" if hns else "stadatumtstsalesext")


def test_hns_lake_has_soft_delete_but_no_versioning_or_change_feed(offline):
    service = offline.run(_lake).one("azure-native:storage:BlobServiceProperties").inputs
    assert service["deleteRetentionPolicy"] == {"enabled": True, "days": 21}
    assert service["containerDeleteRetentionPolicy"] == {"enabled": True, "days": 21}
    # Both are rejected on accounts with a hierarchical namespace.
    assert "isVersioningEnabled" not in service
    assert "changeFeed" not in service


def test_flat_external_account_also_keeps_versions_and_a_change_feed(offline):
    service = offline.run(lambda: _lake(hns=False)).one("azure-native:storage:BlobServiceProperties").inputs
    assert service["deleteRetentionPolicy"] == {"enabled": True, "days": 21}
    assert service["isVersioningEnabled"] is True
    assert service["changeFeed"] == {"enabled": True, "retentionInDays": 21}


def _actions(run) -> dict:
    (rule,) = run.one("azure-native:storage:ManagementPolicy").inputs["policy"]["rules"]
    assert (rule["type"], rule["enabled"]) == ("Lifecycle", True)
    assert rule["definition"]["filters"] == {"blobTypes": ["blockBlob"]}
    return rule["definition"]["actions"]


def test_lifecycle_tiers_to_cool_then_archive_on_locally_redundant_accounts(offline):
    actions = _actions(offline.run(lambda: _lake(sku="Standard_LRS")))
    assert actions["baseBlob"] == {
        "tierToCool": {"daysAfterModificationGreaterThan": 30},
        "tierToArchive": {"daysAfterModificationGreaterThan": 180},
    }
    assert actions["snapshot"]["tierToArchive"] == {"daysAfterCreationGreaterThan": 180}
    assert "version" not in actions


@pytest.mark.parametrize("sku", ["Standard_ZRS", "Standard_GZRS"])
def test_zone_redundant_accounts_use_cold_because_archive_does_not_exist_there(offline, sku):
    actions = _actions(offline.run(lambda: _lake(sku=sku)))
    assert actions["baseBlob"] == {
        "tierToCool": {"daysAfterModificationGreaterThan": 30},
        "tierToCold": {"daysAfterModificationGreaterThan": 180},
    }
    assert "tierToArchive" not in str(actions)


def test_flat_account_tiers_old_versions_too(offline):
    actions = _actions(offline.run(lambda: _lake(hns=False, sku="Standard_LRS")))
    assert actions["version"] == {
        "tierToCool": {"daysAfterCreationGreaterThan": 30},
        "tierToArchive": {"daysAfterCreationGreaterThan": 180},
    }


def test_containers_are_private(offline):
    containers = offline.run(_lake).of_type(CONTAINER)
    assert sorted(c.inputs["containerName"] for c in containers) == ["crm", "data", "erp"]
    assert {c.inputs["publicAccess"] for c in containers} == {"None"}


@pytest.mark.parametrize(("hns", "groups"), [(True, ["blob", "dfs"]), (False, ["blob"])])
def test_private_endpoints_for_blob_and_dfs_on_hns_lakes(offline, hns, groups):
    run = offline.run(lambda: _lake(hns=hns))
    endpoints = run.of_type("azure-native:network:PrivateEndpoint")
    assert sorted(e.inputs["privateLinkServiceConnections"][0]["groupIds"][0] for e in endpoints) == groups
    assert {e.inputs["subnet"]["id"] for e in endpoints} == {SUBNET_ID}


def test_diagnostics_for_the_account_and_its_blob_service(offline):
    run = offline.run(_lake)
    account = run.one("azure-native:monitor:DiagnosticSetting", "raw-account-diag").inputs
    blob = run.one("azure-native:monitor:DiagnosticSetting", "raw-blob-service-diag").inputs
    # The account itself has only metrics; the logs live on the blob service.
    assert "logs" not in account and account["metrics"] == [{"category": "Transaction", "enabled": True}]
    assert blob["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]
    if not offline.preview:
        account_id = run.mocks.ids[(ACCOUNT, "raw-account")]
        assert account["resourceUri"] == account_id
        assert blob["resourceUri"] == f"{account_id}/blobServices/default"


def test_blob_service_diagnostics_keep_their_deployed_logical_name(offline):
    """Deployed stacks hold ``<lake>-blob-service-diag``; any other URN replaces the setting.

    Pulumi would create the renamed setting, then delete the old one; both are "to-log-analytics" on
    blobServices/default, so the delete removes the setting the create just wrote.
    """
    run = offline.run(_lake)
    settings = {o.name: o for o in run.monitor.options.values() if o.typ == "azure-native:monitor:DiagnosticSetting"}
    assert settings["raw-blob-service-diag"].urn == (
        "urn:pulumi:dev::cloudscale::cloudscale:storage:DataLake$azure-native:monitor:DiagnosticSetting"
        "::raw-blob-service-diag"
    )
    assert sorted(settings) == ["raw-account-diag", "raw-blob-service-diag"]


def test_account_and_containers_are_protected_and_locked_outside_dev(offline):
    run = offline.run(lambda: _lake(lock=True))
    protected = {o.name for o in run.monitor.options.values() if o.protect}
    assert {"raw-account", "raw-data", "raw-crm", "raw-erp"} <= protected
    assert run.one("azure-native:authorization:ManagementLockByScope").inputs["level"] == "CanNotDelete"


def test_grants_are_container_scoped_when_a_container_is_named(offline):
    run = offline.run(lambda: _lake(grants=True))
    assignments = {a.name: a.inputs for a in run.of_type(ASSIGNMENT)}
    reader = assignments["raw-crm-storage-blob-data-reader-synapse"]
    writer = assignments["raw-account-storage-blob-data-contributor-synapse"]
    assert reader["principalType"] == "ServicePrincipal"
    if not offline.preview:
        assert reader["roleDefinitionId"].endswith(BuiltInRole.STORAGE_BLOB_DATA_READER.value)
        assert writer["roleDefinitionId"].endswith(BuiltInRole.STORAGE_BLOB_DATA_CONTRIBUTOR.value)
        assert reader["scope"] == run.mocks.ids[(CONTAINER, "raw-crm")]
        assert writer["scope"] == run.mocks.ids[(ACCOUNT, "raw-account")]


def test_granting_on_an_unknown_container_is_refused(offline):
    def program() -> None:
        _lake().grant_read(READER, "nope")

    with pytest.raises(KeyError, match="no container 'nope'"):
        offline.run(program)


SYNAPSE_ID = "/subscriptions/s/resourceGroups/rg-syn/providers/Microsoft.Synapse/workspaces/synw"
PURVIEW_ID = "/subscriptions/s/resourceGroups/rg-gov/providers/Microsoft.Purview/accounts/pview"


def test_admitted_resource_instances_open_the_public_endpoint_to_them_alone(offline):
    # Serverless SQL and Purview scans run outside every managed VNet and reach storage through its
    # public endpoint; resource-instance rules only apply while public access is enabled from selected
    # networks (MicrosoftDocs azure-docs, synapse-analytics/security/connect-to-a-secure-storage-account.md,
    # storage/common/storage-network-security-resource-instances.md).
    def program() -> DataLake:
        return DataLake(
            "work",
            DataLakeArgs(
                baseline=service_baseline(),
                purpose="work",
                containers=["data"],
                resource_instances=[ResourceInstanceAccess("t", SYNAPSE_ID), ResourceInstanceAccess("t", PURVIEW_ID)],
            ),
        )

    inputs = offline.run(program).one(ACCOUNT).inputs
    assert inputs["publicNetworkAccess"] == "Enabled"
    assert inputs["networkRuleSet"] == {
        "defaultAction": "Deny",
        "bypass": "Logging, Metrics",
        "ipRules": [],
        "virtualNetworkRules": [],
        "resourceAccessRules": [
            {"tenantId": "t", "resourceId": SYNAPSE_ID},
            {"tenantId": "t", "resourceId": PURVIEW_ID},
        ],
    }
