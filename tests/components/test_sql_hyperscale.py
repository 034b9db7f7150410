"""The ERP database: Hyperscale behind an Entra-only, private, audited logical server."""

from __future__ import annotations

import dataclasses

import pytest

from cloudscale.components.core.tags import platform_tags
from cloudscale.components.sql_hyperscale import SqlHyperscale, SqlHyperscaleArgs
from cloudscale.stacks.offline.findings import findings

from .support import WORKSPACE_ID, service_baseline, zone_id

ADMIN_GROUP_ID = "5b0c3a5e-1111-4c3e-9d7a-0a1b2c3d4e5f"
SQL_ZONE = "privatelink.database.windows.net"


def _erp(*, lock: bool = False, **overrides) -> SqlHyperscale:
    settings = {
        "sku": "HS_Gen5",
        "vcores": 4,
        "high_availability_replicas": 1,
        "zone_redundant": True,
        "backup_storage_redundancy": "Zone",
        "short_term_retention_days": 14,
        **overrides,
    }
    return SqlHyperscale(
        "erp",
        SqlHyperscaleArgs(
            baseline=service_baseline(environment="tst", tags=platform_tags("tst", "sales"), lock=lock),
            tenant_id="tenant-id",
            admin_group_name="adatum-erp-dba",
            admin_group_object_id=ADMIN_GROUP_ID,
            database_name="erp",
            **settings,
        ),
    )


def _walk(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def test_server_accepts_only_entra_sign_ins_and_has_no_password(offline):
    run = offline.run(_erp)
    server = run.one("azure-native:sql:Server")
    assert server.inputs["administrators"] == {
        "administratorType": "ActiveDirectory",
        "azureADOnlyAuthentication": True,
        "login": "adatum-erp-dba",
        "sid": ADMIN_GROUP_ID,
        "principalType": "Group",
        "tenantId": "tenant-id",
    }
    keys = {key.lower() for resource in run.resources for key in _walk(resource.inputs)}
    assert not any("password" in key for key in keys)
    assert "administratorlogin" not in keys
    entra_only = run.one("azure-native:sql:ServerAzureADOnlyAuthentication")
    assert entra_only.inputs["azureADOnlyAuthentication"] is True
    assert entra_only.inputs["authenticationName"] == "Default"


def test_server_is_private_with_tls_12_and_a_managed_identity(offline):
    run = offline.run(_erp)
    server = run.one("azure-native:sql:Server").inputs
    assert server["publicNetworkAccess"] == "Disabled"
    assert server["minimalTlsVersion"] == "1.2"
    assert server["restrictOutboundNetworkAccess"] == "Enabled"
    assert server["identity"] == {"type": "SystemAssigned"}
    endpoint = run.one("azure-native:network:PrivateEndpoint")
    assert endpoint.inputs["privateLinkServiceConnections"][0]["groupIds"] == ["sqlServer"]
    zone_group = run.one("azure-native:network:PrivateDnsZoneGroup")
    assert [c["privateDnsZoneId"] for c in zone_group.inputs["privateDnsZoneConfigs"]] == [zone_id(SQL_ZONE)]


def test_server_audit_goes_to_log_analytics_through_the_master_database(offline):
    run = offline.run(_erp)
    audit = run.one("azure-native:sql:ExtendedServerBlobAuditingPolicy").inputs
    assert audit["state"] == "Enabled"
    assert audit["isAzureMonitorTargetEnabled"] is True
    assert audit["isDevopsAuditEnabled"] is True
    assert "storageEndpoint" not in audit and "storageAccountAccessKey" not in audit
    assert "SUCCESSFUL_DATABASE_AUTHENTICATION_GROUP" in audit["auditActionsAndGroups"]
    master = run.one("azure-native:monitor:DiagnosticSetting", "erp-master-audit-diag")
    assert master.inputs["workspaceId"] == WORKSPACE_ID
    assert [log["category"] for log in master.inputs["logs"]] == ["SQLSecurityAuditEvents", "DevOpsOperationsAudit"]
    options = next(o for o in run.monitor.options.values() if o.name == "erp-audit")
    assert any(dep.endswith("::erp-master-audit-diag") for dep in options.dependencies)


def test_master_audit_setting_targets_the_master_database(offline_update):
    run = offline_update.run(_erp)
    server_id = run.mocks.ids[("azure-native:sql:Server", "erp-server")]
    master = run.one("azure-native:monitor:DiagnosticSetting", "erp-master-audit-diag")
    assert master.inputs["resourceUri"] == f"{server_id}/databases/master"


def test_threat_detection_and_express_vulnerability_assessment_are_on(offline):
    run = offline.run(_erp)
    alerts = run.one("azure-native:sql:ServerSecurityAlertPolicy").inputs
    assert alerts["state"] == "Enabled"
    assessment = run.one("azure-native:sql:SqlVulnerabilityAssessmentsSetting").inputs
    assert assessment["state"] == "Enabled"
    assert assessment["vulnerabilityAssessmentName"] == "default"
    # The express configuration has no storage account, hence no key to leak.
    assert run.of_type("azure-native:sql:ServerVulnerabilityAssessment") == []


def test_threat_alerts_of_every_type_go_to_the_security_contacts_and_admins(offline):
    run = offline.run(lambda: _erp(alert_emails=["secops@adatum.example"], alert_account_admins=True))
    alerts = run.one("azure-native:sql:ServerSecurityAlertPolicy").inputs
    assert alerts["disabledAlerts"] == []
    assert alerts["emailAddresses"] == ["secops@adatum.example"]
    assert alerts["emailAccountAdmins"] is True
    assert [f for f in findings(run.resources, protects_state=False, locked=set()) if f.severity != "accepted"] == []


def test_plan_flags_disabled_alert_types_and_audit_that_skips_log_analytics(offline):
    run = offline.run(_erp)
    alerts = run.one("azure-native:sql:ServerSecurityAlertPolicy")
    audit = run.one("azure-native:sql:ExtendedServerBlobAuditingPolicy")
    weakened = [
        dataclasses.replace(alerts, inputs={**alerts.inputs, "disabledAlerts": ["Brute_Force"]}),
        dataclasses.replace(audit, inputs={**audit.inputs, "isAzureMonitorTargetEnabled": False}),
    ]
    reported = {(f.rule, f.resource) for f in findings(weakened, protects_state=False, locked=set())}
    assert reported == {("sql-threat-detection", "erp-threat-detection"), ("sql-audit", "erp-audit")}


@pytest.mark.parametrize("days", [30, 89])
def test_an_audit_retention_below_90_days_is_refused_before_anything_is_registered(offline, days):
    with pytest.raises(ValueError, match=f"retention \\({days} days\\) is below 90 days"):
        offline.run(lambda: _erp(audit_retention_days=days))
    assert offline.mocks is not None
    assert offline.mocks.resources == []


def test_database_is_hyperscale_with_the_configured_capacity_and_resilience(offline):
    run = offline.run(_erp)
    database = run.one("azure-native:sql:Database").inputs
    assert database["sku"] == {"name": "HS_Gen5", "tier": "Hyperscale", "family": "Gen5", "capacity": 4}
    assert database["highAvailabilityReplicaCount"] == 1
    assert database["zoneRedundant"] is True
    assert database["requestedBackupStorageRedundancy"] == "Zone"
    assert "minCapacity" not in database and "autoPauseDelay" not in database
    retention = run.one("azure-native:sql:BackupShortTermRetentionPolicy").inputs
    assert retention["policyName"] == "default"
    assert retention["retentionDays"] == 14
    assert retention["databaseName"] == "erp"


def test_serverless_hyperscale_gets_a_floor_and_never_pauses(offline):
    run = offline.run(
        lambda: _erp(
            sku="HS_S_Gen5",
            vcores=8,
            min_vcores=1.0,
            zone_redundant=False,
            high_availability_replicas=0,
            backup_storage_redundancy="Local",
        )
    )
    database = run.one("azure-native:sql:Database").inputs
    assert database["sku"] == {"name": "HS_S_Gen5", "tier": "Hyperscale", "family": "Gen5", "capacity": 8}
    assert database["minCapacity"] == 1.0
    assert database["autoPauseDelay"] == -1
    assert database["zoneRedundant"] is False
    assert database["highAvailabilityReplicaCount"] == 0
    assert database["requestedBackupStorageRedundancy"] == "Local"


def test_premium_series_uses_its_hardware_family(offline):
    run = offline.run(lambda: _erp(sku="HS_PRMS", vcores=128, zone_redundant=False))
    assert run.one("azure-native:sql:Database").inputs["sku"]["family"] == "8IM"


def test_database_diagnostics_use_the_metric_categories_sql_supports(offline):
    run = offline.run(_erp)
    setting = run.one("azure-native:monitor:DiagnosticSetting", "erp-database-diag").inputs
    assert setting["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]
    assert [m["category"] for m in setting["metrics"]] == ["Basic", "InstanceAndAppAdvanced"]


def test_server_and_database_are_protected_and_locked_outside_dev(offline):
    run = offline.run(lambda: _erp(lock=True))
    protected = {o.name for o in run.monitor.options.values() if o.protect}
    assert {"erp-server", "erp-database"} <= protected
    locks = {r.name for r in run.of_type("azure-native:authorization:ManagementLockByScope")}
    assert locks == {"erp-server-lock", "erp-database-lock"}


def test_nothing_is_protected_or_locked_in_dev(offline):
    run = offline.run(_erp)
    assert not any(o.protect for o in run.monitor.options.values())
    assert run.of_type("azure-native:authorization:ManagementLockByScope") == []


def test_a_sku_that_is_not_hyperscale_is_refused_before_anything_is_registered(offline):
    with pytest.raises(ValueError, match="GP_Gen5"):
        offline.run(lambda: _erp(sku="GP_Gen5"))
    assert offline.mocks is not None
    assert offline.mocks.resources == []


def test_contained_user_script_creates_the_identity_as_a_database_user(offline):
    scripts = []
    offline.run(lambda: scripts.append(_erp().contained_user_sql("adf-adatum-tst-sales-integration")))
    assert scripts == [
        "CREATE USER [adf-adatum-tst-sales-integration] FROM EXTERNAL PROVIDER;\n"
        "ALTER ROLE [db_datareader] ADD MEMBER [adf-adatum-tst-sales-integration];"
    ]
