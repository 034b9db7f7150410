"""Synapse: managed VNet with exfiltration protection, Entra-only, private, Spark 3.5, data-plane endpoints."""

from __future__ import annotations

import dataclasses

import pulumi
import pytest

from cloudscale.components.synapse_workspace import SparkPoolSettings, SynapseWorkspace, SynapseWorkspaceArgs
from cloudscale.stacks.offline.findings import findings

from .support import service_baseline, urn_of

PURVIEW_ID = "/subscriptions/s/resourceGroups/gov/providers/Microsoft.Purview/accounts/pview"
INGESTION_ID = "/subscriptions/s/resourceGroups/pview-managed/providers/Microsoft.Storage/storageAccounts/scan"
WORK_ID = "/subscriptions/s/resourceGroups/st/providers/Microsoft.Storage/storageAccounts/work"
RAW_ID = "/subscriptions/s/resourceGroups/st/providers/Microsoft.Storage/storageAccounts/raw"
ENRICHED_ID = "/subscriptions/s/resourceGroups/st/providers/Microsoft.Storage/storageAccounts/encur"
TENANT = "11111111-1111-1111-1111-111111111111"
ADMINS = "5b0c3a5e-1111-4c3e-9d7a-0a1b2c3d4e5f"
WORKSPACE = "azure-native:synapse:Workspace"
MPE = "pulumi-python:dynamic/synapse:ManagedPrivateEndpoint"


def _workspace(
    *, spark: SparkPoolSettings | None = None, admins: bool = False, lock: bool = False, extra: bool = False
) -> SynapseWorkspace:
    workspace = SynapseWorkspace(
        "syn",
        SynapseWorkspaceArgs(
            baseline=service_baseline(resource_group_name="rg-synapse", lock=lock),
            default_lake_id=WORK_ID,
            default_lake_dfs_endpoint="https://work.dfs.core.windows.net/",
            default_filesystem="synapse",
            tenant_id=TENANT,
            spark=spark or SparkPoolSettings(min_nodes=3, max_nodes=8, auto_pause_minutes=20, node_size="Medium"),
            lakes={"raw": RAW_ID, "enriched": ENRICHED_ID},
            purview_id=PURVIEW_ID,
            purview_ingestion_storage_id=INGESTION_ID,
            sql_admin_group_name="synapse-admins" if admins else None,
            sql_admin_group_object_id=ADMINS if admins else None,
        ),
    )
    if extra:
        workspace.add_linked_service(
            "cosmos", linked_service_name="ls_cosmos", properties={"type": "CosmosDb", "typeProperties": {}}
        )
    return workspace


def test_workspace_is_entra_only_private_and_exfiltration_protected(offline):
    inputs = offline.run(_workspace).one(WORKSPACE).inputs
    assert inputs["azureADOnlyAuthentication"] is True
    assert "sqlAdministratorLogin" not in inputs and "sqlAdministratorLoginPassword" not in inputs
    assert inputs["publicNetworkAccess"] == "Disabled"
    assert inputs["trustedServiceBypassEnabled"] is False
    assert inputs["managedVirtualNetwork"] == "default"
    assert inputs["managedVirtualNetworkSettings"] == {
        "preventDataExfiltration": True,
        "allowedAadTenantIdsForLinking": [TENANT],
        "linkedAccessCheckOnTargetResource": True,
    }
    assert inputs["identity"] == {"type": "SystemAssigned"}
    assert inputs["purviewConfiguration"] == {"purviewResourceId": PURVIEW_ID}
    assert inputs["managedResourceGroupName"] == "rg-adatum-dev-sales-synapse-managed"


def test_default_lake_is_the_workspace_account_with_its_own_managed_endpoint(offline):
    lake = offline.run(_workspace).one(WORKSPACE).inputs["defaultDataLakeStorage"]
    assert lake == {
        "accountUrl": "https://work.dfs.core.windows.net/",
        "filesystem": "synapse",
        "resourceId": WORK_ID,
        "createManagedPrivateEndpoint": True,
    }


def test_spark_pool_runs_3_5_with_autoscale_and_auto_pause(offline):
    pool = offline.run(_workspace).one("azure-native:synapse:BigDataPool").inputs
    assert pool["sparkVersion"] == "3.5"
    assert pool["autoScale"] == {"enabled": True, "minNodeCount": 3, "maxNodeCount": 8}
    assert pool["autoPause"] == {"enabled": True, "delayInMinutes": 20}
    assert (pool["nodeSize"], pool["nodeSizeFamily"]) == ("Medium", "MemoryOptimized")
    assert pool["sessionLevelPackagesEnabled"] is False


def test_spark_pool_installs_nothing_from_pypi_or_conda(offline):
    # With exfiltration protection, pools cannot install from PyPI or Conda (Learn, "Manage libraries for
    # Apache Spark pools"); only uploaded workspace packages work, so no requirements file is declared.
    run = offline.run(_workspace)
    assert run.one(WORKSPACE).inputs["managedVirtualNetworkSettings"]["preventDataExfiltration"] is True
    pool = run.one("azure-native:synapse:BigDataPool").inputs
    assert "libraryRequirements" not in pool
    assert pool["sessionLevelPackagesEnabled"] is False


@pytest.mark.parametrize("version", ["3.4", "3.3", "2.4"])
def test_retired_spark_runtimes_are_refused(offline, version):
    with pytest.raises(ValueError, match=f"Spark {version} is not a supported"):
        offline.run(lambda: _workspace(spark=SparkPoolSettings(spark_version=version)))


def test_private_endpoints_for_sql_serverless_and_dev(offline):
    endpoints = offline.run(_workspace).of_type("azure-native:network:PrivateEndpoint")
    assert sorted(e.inputs["privateLinkServiceConnections"][0]["groupIds"][0] for e in endpoints) == [
        "Dev",
        "Sql",
        "SqlOnDemand",
    ]


def test_diagnostics_on_workspace_and_spark_pool(offline):
    run = offline.run(_workspace)
    names = {s.name for s in run.of_type("azure-native:monitor:DiagnosticSetting")}
    assert names == {"syn-workspace-diag", "syn-spark-diag"}


def test_data_plane_managed_private_endpoints_to_raw_and_enriched(offline):
    run = offline.run(_workspace)
    endpoints = {e.name: e.inputs for e in run.of_type(MPE)}
    assert {name: (e["private_link_resource_id"], e["group_id"]) for name, e in endpoints.items()} == {
        "syn-mpe-lake-raw": (RAW_ID, "dfs"),
        "syn-mpe-lake-enriched": (ENRICHED_ID, "dfs"),
        # Lineage to a Purview closed to public networks needs the account and ingestion endpoints
        # (MicrosoftDocs azure-docs, synapse-analytics/catalog-and-governance/how-to-access-secured-purview-account.md).
        "syn-mpe-purview-account": (PURVIEW_ID, "account"),
        "syn-mpe-purview-ingestion-blob": (INGESTION_ID, "blob"),
        "syn-mpe-purview-ingestion-queue": (INGESTION_ID, "queue"),
    }
    assert endpoints["syn-mpe-lake-raw"]["endpoint_name"] == "mpe-adatum-dev-sales-raw-dfs"
    # The development endpoint is private, so data-plane calls wait for its private endpoint.
    dependencies = run.monitor.options[urn_of(run, "syn-mpe-lake-raw")].dependencies
    assert urn_of(run, "syn-workspace-pe-dev") in dependencies
    if not offline.preview:
        assert endpoints["syn-mpe-lake-raw"]["workspace_name"] == run.one(WORKSPACE).inputs["workspaceName"]


def test_data_plane_calls_wait_until_the_dev_endpoint_resolves(offline):
    run = offline.run(lambda: _workspace(extra=True))
    zone_group = urn_of(run, "syn-workspace-pe-dev-dns")
    # The zone group is the endpoint's child: waiting for the endpoint does not wait for it.
    for name in ("syn-mpe-lake-raw", "syn-mpe-lake-enriched", "syn-ls-cosmos"):
        assert zone_group in run.monitor.options[urn_of(run, name)].dependencies, name


def test_data_plane_calls_wait_for_the_grants_the_caller_declares(offline):
    granted: list[object] = []

    def program() -> SynapseWorkspace:
        def access(principal):
            grant = pulumi.CustomResource("test:index:Grant", "syn-grant", {"principal": principal.principal_id})
            granted.append(principal)
            return [grant]

        return SynapseWorkspace(
            "syn",
            SynapseWorkspaceArgs(
                baseline=service_baseline(resource_group_name="rg-synapse"),
                default_lake_id=WORK_ID,
                default_lake_dfs_endpoint="https://work.dfs.core.windows.net/",
                default_filesystem="synapse",
                tenant_id=TENANT,
                lakes={"raw": RAW_ID},
                access=access,
            ),
        )

    run = offline.run(program)
    assert len(granted) == 1
    grant = urn_of(run, "syn-grant")
    assert grant in run.monitor.options[urn_of(run, "syn-mpe-lake-raw")].dependencies


def test_added_linked_service_goes_to_the_data_plane(offline):
    run = offline.run(lambda: _workspace(extra=True))
    service = run.one("pulumi-python:dynamic/synapse:LinkedService").inputs
    assert service["linked_service_name"] == "ls_cosmos"
    assert service["properties"] == {"type": "CosmosDb", "typeProperties": {}}


def test_entra_admin_group_only_when_configured(offline):
    assert offline.run(_workspace).of_type("azure-native:synapse:WorkspaceAadAdmin") == []
    run = offline.run(lambda: _workspace(admins=True))
    for typ in ("azure-native:synapse:WorkspaceAadAdmin", "azure-native:synapse:WorkspaceSqlAadAdmin"):
        admin = run.one(typ).inputs
        assert (admin["administratorType"], admin["login"], admin["sid"], admin["tenantId"]) == (
            "ActiveDirectory",
            "synapse-admins",
            ADMINS,
            TENANT,
        )


def test_workspace_is_protected_and_locked_outside_dev(offline):
    run = offline.run(lambda: _workspace(lock=True))
    assert run.monitor.options[urn_of(run, "syn-workspace")].protect is True
    assert run.one("azure-native:authorization:ManagementLockByScope").inputs["level"] == "CanNotDelete"


def test_serverless_sql_endpoint_is_the_power_bi_endpoint(offline_update):
    run = offline_update.run(lambda: _workspace().serverless_sql_endpoint)
    name = run.one(WORKSPACE).inputs["workspaceName"]
    assert run.value == f"{name}-ondemand.sql.azuresynapse.net"


def test_lineage_to_purview_without_its_ingestion_storage_is_refused(offline):
    def program() -> SynapseWorkspace:
        return SynapseWorkspace(
            "syn",
            SynapseWorkspaceArgs(
                baseline=service_baseline(),
                default_lake_id=WORK_ID,
                default_lake_dfs_endpoint="https://work.dfs.core.windows.net/",
                default_filesystem="synapse",
                tenant_id=TENANT,
                purview_id=PURVIEW_ID,
            ),
        )

    with pytest.raises(ValueError, match="ingestion storage"):
        offline.run(program)
    assert offline.mocks is not None and offline.mocks.resources == []


def test_workspace_sql_is_audited_to_log_analytics(offline):
    run = offline.run(_workspace)
    deployment = run.one("azure-native:resources:Deployment").inputs
    assert deployment["properties"]["mode"] == "Incremental"
    [setting] = deployment["properties"]["template"]["resources"]
    assert setting["type"] == "Microsoft.Synapse/workspaces/auditingSettings"
    assert setting["apiVersion"] == "2021-06-01"
    assert setting["name"] == f"{run.one(WORKSPACE).inputs['workspaceName']}/default"
    assert setting["properties"]["state"] == "Enabled"
    assert setting["properties"]["isAzureMonitorTargetEnabled"] is True
    assert "BATCH_COMPLETED_GROUP" in setting["properties"]["auditActionsAndGroups"]
    # The records arrive through the workspace's diagnostic setting: allLogs covers SQLSecurityAuditEvents.
    diagnostics = run.one("azure-native:monitor:DiagnosticSetting", "syn-workspace-diag").inputs
    assert {"categoryGroup": "allLogs", "enabled": True} in diagnostics["logs"]
    assert diagnostics["workspaceId"].endswith("/workspaces/log")


def test_workspace_audit_waits_for_the_other_writes_on_the_workspace(offline):
    run = offline.run(lambda: _workspace(admins=True))
    options = next(o for o in run.monitor.options.values() if o.name == "syn-sql-audit")
    for name in ("syn-workspace", "syn-aad-admin", "syn-sql-aad-admin"):
        assert urn_of(run, name) in options.dependencies


def test_plan_flags_a_workspace_audit_that_skips_log_analytics(offline):
    run = offline.run(_workspace)
    deployment = run.one("azure-native:resources:Deployment")
    template = deployment.inputs["properties"]["template"]
    setting = template["resources"][0]
    off = {**setting, "properties": {**setting["properties"], "isAzureMonitorTargetEnabled": False}}
    weakened = {**deployment.inputs, "properties": {"mode": "Incremental", "template": {"resources": [off]}}}
    assert findings([deployment], protects_state=False, locked=set()) == []
    reported = findings([dataclasses.replace(deployment, inputs=weakened)], protects_state=False, locked=set())
    assert [(f.severity, f.rule) for f in reported] == [("high", "synapse-audit")]
