"""Azure SQL Database Hyperscale behind a logical server that only accepts Microsoft Entra sign-ins.

The ERP database of the seed scenario. Nothing here creates or stores a SQL password: the server is
created with an Entra admin group and Entra-only authentication, so the service-generated SQL admin
can never sign in. Applications (the landing zone's Data Factory among them) connect with managed
identities that the Entra admin adds to the database as contained users, see ``contained_user_sql``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import sql

from cloudscale.components.baseline import DiagnosticProfile, SecureComponent, ServiceBaseline, identity_block
from cloudscale.components.baseline.type_facts import (
    KeyEncryption,
    SecurityRule,
    SerialisedWrites,
    declare_type,
    managed_identity_required,
    public_network_access_disabled,
)
from cloudscale.components.core import azure_facts
from cloudscale.components.encryption_key import CustomerManagedKey

# The server-level audit trail: Azure Monitor only receives it through a diagnostic setting on the
# master database (Microsoft.Sql auditing API docs), DevOps audit being Microsoft support's actions.
SERVER_AUDIT = DiagnosticProfile(
    log_category_groups=(),
    log_categories=("SQLSecurityAuditEvents", "DevOpsOperationsAudit"),
    metric_categories=(),
)
# SQL databases expose these metric categories, not AllMetrics, and log to AzureDiagnostics only.
SQL_DATABASE = DiagnosticProfile(metric_categories=("Basic", "InstanceAndAppAdvanced"))

# Audit records kept for at least 90 days, as security reviews ask; with a Log Analytics target the
# retention is the workspace's (Microsoft Learn, "Auditing for Azure SQL Database and Azure Synapse
# Analytics", auditing-overview: "Log Analytics ... retention").
MIN_AUDIT_RETENTION_DAYS = 90

# What the portal's "enable auditing" records: every sign-in, successful or not, and every batch.
AUDIT_ACTION_GROUPS = (
    "SUCCESSFUL_DATABASE_AUTHENTICATION_GROUP",
    "FAILED_DATABASE_AUTHENTICATION_GROUP",
    "BATCH_COMPLETED_GROUP",
)


declare_type(
    sql.Server,
    rules=(
        public_network_access_disabled(),
        SecurityRule("tls", "minimalTlsVersion", lambda v: v in ("1.2", "1.3"), "minimum TLS is below 1.2"),
        SecurityRule(
            "entra-only",
            "administrators.azureADOnlyAuthentication",
            lambda v: v is True,
            "SQL authentication is allowed",
        ),
        managed_identity_required(),
    ),
    computed_outputs=lambda server: {"fullyQualifiedDomainName": f"{server.name}.database.windows.net"},
    stateful=True,
    # The TDE protector is a Key Vault key: ``keyId`` on the server (``tde_protector`` below), or an
    # EncryptionProtector of type AzureKeyVault for it (Microsoft Learn,
    # azure-sql/database/transparent-data-encryption-byok-overview).
    customer_managed_key=KeyEncryption("keyId", bool),
    serialised_writes=(
        SerialisedWrites.of(
            "SQL server auditing",
            (sql.ServerBlobAuditingPolicy, sql.ExtendedServerBlobAuditingPolicy),
            name_input="serverName",
            source="both set the server's one auditing policy: 409 ServerBlobAuditingPolicyInProgress",
        ),
        SerialisedWrites.of(
            "SQL server Defender settings",
            (sql.ServerSecurityAlertPolicy, sql.SqlVulnerabilityAssessmentsSetting, sql.ServerVulnerabilityAssessment),
            name_input="serverName",
            source="vulnerability assessment runs on Microsoft Defender for SQL, which must be on first "
            "(Microsoft Learn, SQL vulnerability assessment express configuration)",
        ),
    ),
    # (Microsoft Learn, "Azure Private Endpoint private DNS zone values")
    private_link={"sqlServer": ("privatelink.database.windows.net",)},
)
# Auditing to Log Analytics (Microsoft Learn, "Auditing for Azure SQL Database and Azure Synapse
# Analytics"): on, and with the Azure Monitor target, without which the master diagnostic setting gets nothing.
declare_type(
    sql.ExtendedServerBlobAuditingPolicy,
    rules=(
        SecurityRule("sql-audit", "state", lambda v: v == "Enabled", "server auditing is off"),
        SecurityRule(
            "sql-audit",
            "isAzureMonitorTargetEnabled",
            lambda v: v is True,
            "server audit records do not reach Log Analytics",
        ),
    ),
)
# Microsoft Defender for SQL's threat detection (Microsoft Learn, "Configure Advanced Threat Protection
# for Azure SQL Database"): on, with every alert type; who is told is checked in the config
# (securityContacts), since ARM takes any list of addresses.
declare_type(
    sql.ServerSecurityAlertPolicy,
    rules=(
        SecurityRule("sql-threat-detection", "state", lambda v: v == "Enabled", "threat detection is off"),
        SecurityRule(
            "sql-threat-detection",
            "disabledAlerts",
            lambda v: not v,
            "some threat-detection alert types are disabled",
        ),
    ),
)
declare_type(sql.Database, diagnosable=True, stateful=True)
# Reviewed: a server's TDE protector only names the key that encrypts the server; the platform sets it
# on the server itself, and the customer-managed key rule counts either.
declare_type(
    sql.EncryptionProtector,
    customer_managed_key=KeyEncryption(
        "serverKeyType",
        lambda kind: kind == "AzureKeyVault",
        parent_type="azure-native:sql:Server",
        name_input="serverName",
    ),
)
# Reviewed: the database, and the server's vulnerability assessment, Entra-only and backup settings.
for _child in (
    sql.Database,
    sql.ServerAzureADOnlyAuthentication,
    sql.SqlVulnerabilityAssessmentsSetting,
    sql.BackupShortTermRetentionPolicy,
):
    declare_type(_child)


@dataclass
class SqlHyperscaleArgs:
    baseline: ServiceBaseline
    tenant_id: pulumi.Input[str]
    # The Entra group whose members administer the server; its object id is the admin's SID.
    admin_group_name: str
    admin_group_object_id: str
    purpose: str = "erp"
    database_name: str = "erp"
    # A Hyperscale SKU name from azure_facts.HYPERSCALE_SKUS; the family follows from it.
    sku: str = "HS_Gen5"
    vcores: int = 2
    # Serverless (HS_S_Gen5) only: the floor the database scales down to.
    min_vcores: float | None = None
    high_availability_replicas: int = 1
    # Callers validate the region has zones (stacks/config/checks.py does); Azure would reject it late.
    zone_redundant: bool = False
    backup_storage_redundancy: str = "Zone"
    short_term_retention_days: int = 7
    # The zone's key as TDE protector; None keeps the service-managed one.
    customer_managed_key: CustomerManagedKey | None = None
    # Who receives Defender for SQL's threat alerts: these addresses and, when set, the subscription's
    # admins and owners (emailAccountAdmins).
    alert_emails: Sequence[str] = ()
    alert_account_admins: bool = True
    # The audit trail goes only to the baseline's Log Analytics workspace, so its retention is the
    # workspace's: the caller passes that retention, and it must be at least MIN_AUDIT_RETENTION_DAYS.
    audit_retention_days: int = 90


def tde_protector(key: CustomerManagedKey | None) -> dict[str, object]:
    """The server's identity, and its TDE protector when the zone has a key.

    A server created with ``keyId`` and a user-assigned ``primaryUserAssignedIdentityId`` starts with the
    customer-managed protector; a key URI without a version follows the key's rotation (Microsoft Learn,
    "Create server configured with user-assigned managed identity and customer-managed TDE" and
    "Identity and key management for TDE with customer-managed keys": versionless keys). Restricted
    outbound networking does not cover Key Vault calls, which only reach storage and SQL targets
    ("Outbound firewall rules for Azure SQL Database" lists the features it limits).
    """
    if key is None:
        return {"identity": identity_block()}
    return {
        "identity": {"type": "SystemAssigned,UserAssigned", "user_assigned_identities": [key.identity_id]},
        "primary_user_assigned_identity_id": key.identity_id,
        "key_id": key.key_uri,
    }


class SqlHyperscale(SecureComponent):
    def __init__(self, name: str, args: SqlHyperscaleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        if args.sku not in azure_facts.HYPERSCALE_SKUS:
            raise ValueError(f"{name}: {args.sku!r} is not a Hyperscale SKU ({', '.join(azure_facts.HYPERSCALE_SKUS)})")
        if args.baseline.log_analytics_workspace_id is None:
            raise ValueError(f"{name}: auditing goes to Log Analytics, so the baseline needs a workspace id")
        if args.audit_retention_days < MIN_AUDIT_RETENTION_DAYS:
            raise ValueError(
                f"{name}: the audit trail lives in the Log Analytics workspace, whose retention "
                f"({args.audit_retention_days} days) is below {MIN_AUDIT_RETENTION_DAYS} days"
            )
        super().__init__("cloudscale:data:SqlHyperscale", name, args.baseline, opts)
        b = args.baseline
        self.server_name = b.namer.name("sql_server", args.purpose)
        self.database_name = args.database_name
        self._create_server(name, args)
        self._audit(name, b)
        self._defender(name, args)
        self.database = self._database(name, args)
        self.database_id: pulumi.Output[str] = self.database.id
        self.register_outputs(
            {
                "server_id": self.server_id,
                "server_name": self.server_name,
                "fqdn": self.fqdn,
                "database_id": self.database_id,
                "database_name": self.database_name,
            }
        )

    def _create_server(self, name: str, args: SqlHyperscaleArgs) -> None:
        """The Entra-only logical server, its private endpoint, and the setting that keeps it Entra-only."""
        b = args.baseline
        self.server = sql.Server(
            f"{name}-server",
            server_name=self.server_name,
            resource_group_name=b.resource_group_name,
            location=b.location,
            version="12.0",
            # Honoured only at creation; ServerAzureADOnlyAuthentication below keeps Entra-only enforced after.
            administrators={
                "administrator_type": "ActiveDirectory",
                "azure_ad_only_authentication": True,
                "login": args.admin_group_name,
                "sid": args.admin_group_object_id,
                "principal_type": "Group",
                "tenant_id": args.tenant_id,
            },
            minimal_tls_version="1.2",
            public_network_access="Disabled",
            # The server makes no outbound calls the ERP needs, so nothing can exfiltrate through it.
            restrict_outbound_network_access="Enabled",
            **tde_protector(args.customer_managed_key),
            tags=self._tags,
            opts=self._child_opts(
                stateful=True, depends_on=args.customer_managed_key.ready if args.customer_managed_key else ()
            ),
        )
        self.server_id: pulumi.Output[str] = self.server.id
        self.fqdn: pulumi.Output[str] = self.server.fully_qualified_domain_name
        self._secure(
            self.server,
            logical_name=f"{name}-server",
            purpose=args.purpose,
            group_ids=["sqlServer"],
        )
        self.entra_only = sql.ServerAzureADOnlyAuthentication(
            f"{name}-entra-only",
            authentication_name="Default",
            azure_ad_only_authentication=True,
            server_name=self.server.name,
            resource_group_name=b.resource_group_name,
            opts=self._child_opts(parent=self.server),
        )

    def _audit(self, name: str, b: ServiceBaseline) -> None:
        # Never None: the constructor refuses a baseline without a workspace.
        master_audit = self._secure_sub_resource(
            self.server, logical_name=f"{name}-master-audit", diagnostics=SERVER_AUDIT, sub_resource="databases/master"
        )
        self.audit_policy = sql.ExtendedServerBlobAuditingPolicy(
            f"{name}-audit",
            blob_auditing_policy_name="default",
            server_name=self.server.name,
            resource_group_name=b.resource_group_name,
            state="Enabled",
            is_azure_monitor_target_enabled=True,
            is_devops_audit_enabled=True,
            audit_actions_and_groups=list(AUDIT_ACTION_GROUPS),
            # Audit records must have somewhere to go from the moment auditing is switched on.
            opts=self._child_opts(parent=self.server, depends_on=[master_audit] if master_audit else []),
        )

    def _defender(self, name: str, args: SqlHyperscaleArgs) -> None:
        b = args.baseline
        # The server-level policy covers every database on the server (Microsoft Learn, "Configure
        # Advanced Threat Protection for Azure SQL Database"); an empty disabledAlerts keeps every
        # alert type on (SQL injection, anomalous access, data exfiltration, unsafe action, brute force).
        self.threat_detection = sql.ServerSecurityAlertPolicy(
            f"{name}-threat-detection",
            security_alert_policy_name="Default",
            server_name=self.server.name,
            resource_group_name=b.resource_group_name,
            state="Enabled",
            disabled_alerts=[],
            email_account_admins=args.alert_account_admins,
            email_addresses=list(args.alert_emails),
            opts=self._child_opts(parent=self.server),
        )
        # The express configuration keeps scan results inside the service: no storage account, no keys.
        self.vulnerability_assessment = sql.SqlVulnerabilityAssessmentsSetting(
            f"{name}-vulnerability-assessment",
            vulnerability_assessment_name="default",
            server_name=self.server.name,
            resource_group_name=b.resource_group_name,
            state="Enabled",
            opts=self._child_opts(parent=self.server, depends_on=[self.threat_detection]),
        )

    def _database(self, name: str, args: SqlHyperscaleArgs) -> sql.Database:
        b = args.baseline
        family, _ = azure_facts.HYPERSCALE_SKUS[args.sku]
        serverless = args.sku.startswith("HS_S_")
        database = sql.Database(
            f"{name}-database",
            database_name=args.database_name,
            server_name=self.server.name,
            resource_group_name=b.resource_group_name,
            location=b.location,
            sku={"name": args.sku, "tier": "Hyperscale", "family": family, "capacity": args.vcores},
            high_availability_replica_count=args.high_availability_replicas,
            zone_redundant=args.zone_redundant,
            requested_backup_storage_redundancy=args.backup_storage_redundancy,
            min_capacity=args.min_vcores if serverless else None,
            # Hyperscale serverless publishes no auto-pause range (resource-limits-vcore-single-databases,
            # Microsoft Learn), so pausing stays off.
            auto_pause_delay=-1 if serverless else None,
            tags=self._tags,
            opts=self._child_opts(stateful=True, parent=self.server),
        )
        self._secure(
            database,
            logical_name=f"{name}-database",
            purpose=f"{args.purpose}-db",
            diagnostics=SQL_DATABASE,
        )
        self.short_term_retention = sql.BackupShortTermRetentionPolicy(
            f"{name}-short-term-retention",
            policy_name="default",
            database_name=args.database_name,
            server_name=self.server_name,
            resource_group_name=b.resource_group_name,
            retention_days=args.short_term_retention_days,
            opts=self._child_opts(parent=database, depends_on=[database]),
        )
        return database

    def contained_user_sql(self, principal_name: str, roles: Sequence[str] = ("db_datareader",)) -> str:
        """T-SQL a member of the Entra admin group runs in the database to let a managed identity in.

        Database users are data-plane objects ARM cannot create. Run it once, connected to
        ``<fqdn>`` / the database with an Entra token (``sqlcmd -G`` or Azure Data Studio), from a
        network that reaches the private endpoint. ``principal_name`` is the identity's display name:
        for a system-assigned identity, the name of the resource (e.g. the Data Factory).
        """
        user = principal_name.replace("]", "]]")
        lines = [f"CREATE USER [{user}] FROM EXTERNAL PROVIDER;"]
        lines += [f"ALTER ROLE [{role}] ADD MEMBER [{user}];" for role in roles]
        return "\n".join(lines)
