"""Cosmos DB for NoSQL with the analytical store on: HTAP for the customer-service apps, with no ETL.

Microsoft now steers new HTAP projects to Cosmos DB mirroring in Fabric and calls Synapse Link
"not for new projects" (https://learn.microsoft.com/azure/cosmos-db/synapse-link). The seed scenario
is built on Synapse Link and the landing zone ships Synapse, so we keep it; everything it needs is
also what mirroring needs (continuous backup, Entra-only access), so moving to mirroring later
changes consumers, not this account.

Access is Entra-only: local (key) auth is off, and so are key-based metadata writes. Reading the
analytical store with a managed identity needs a custom data-plane role with ``readAnalytics``,
which ``grant_analytics_read`` creates once per account.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import cosmosdb

from cloudscale.components.baseline import (
    DiagnosticProfile,
    Principal,
    SecureComponent,
    ServiceBaseline,
    identity_block,
)
from cloudscale.components.baseline.type_facts import (
    KeyEncryption,
    SecurityRule,
    declare_type,
    managed_identity_required,
    public_network_access_disabled,
)
from cloudscale.components.core.roles import COSMOS_BUILT_IN_DATA_CONTRIBUTOR, COSMOS_BUILT_IN_DATA_READER
from cloudscale.components.encryption_key import CustomerManagedKey

# Cosmos DB supports resource-specific tables; its one metric category is "Requests", not AllMetrics.
COSMOS_DIAGNOSTICS = DiagnosticProfile(metric_categories=("Requests",), dedicated_tables=True)

# What a Synapse Link reader needs and nothing more: container metadata and the analytical store.
ANALYTICS_READER_ACTIONS = (
    "Microsoft.DocumentDB/databaseAccounts/readMetadata",
    "Microsoft.DocumentDB/databaseAccounts/readAnalytics",
)

_DATA_PLANE_NAMESPACE = uuid.UUID("0b7a51c4-6f4e-4d4b-9a57-3c1e2f8d9a21")

# Microsoft's defaults for bounded staleness, used only when that level is chosen.
_BOUNDED_STALENESS = {"max_staleness_prefix": 100_000, "max_interval_in_seconds": 300}


declare_type(
    cosmosdb.DatabaseAccount,
    customer_managed_key=KeyEncryption("keyVaultKeyUri", bool),
    rules=(
        public_network_access_disabled(),
        SecurityRule("tls", "minimalTlsVersion", lambda v: v == "Tls12", "minimum TLS is below 1.2"),
        SecurityRule("local-auth", "disableLocalAuth", lambda v: v is True, "key authentication is on"),
        # Continuous backup restores to any point in its window; periodic backup only through a support
        # request (Microsoft Learn, cosmos-db/continuous-backup-restore-introduction).
        SecurityRule(
            "continuous-backup",
            "backupPolicy.type",
            lambda v: v == "Continuous",
            "backup is periodic: no point-in-time restore",
        ),
        managed_identity_required(),
    ),
    computed_outputs=lambda account: {"documentEndpoint": f"https://{account.name}.documents.azure.com:443/"},
    diagnosable=True,
    stateful=True,
    # (Microsoft Learn, "Azure Private Endpoint private DNS zone values")
    private_link={
        "Sql": ("privatelink.documents.azure.com",),
        "Analytical": ("privatelink.analytics.cosmos.azure.com",),
    },
)
# Reviewed: databases and containers live inside the account's network and RBAC boundary.
for _child in (cosmosdb.SqlResourceSqlRoleAssignment, cosmosdb.SqlResourceSqlRoleDefinition):
    declare_type(_child)
# They hold the data: outside dev they are protected, and the account's CanNotDelete lock covers them
# (a lock applies to every child of its scope: Microsoft Learn, "Lock your resources to protect your
# infrastructure").
for _child in (cosmosdb.SqlResourceSqlDatabase, cosmosdb.SqlResourceSqlContainer):
    declare_type(_child, stateful=True)


@dataclass
class CosmosContainer:
    name: str
    partition_key: str
    # -1 keeps items in the analytical store forever; n > 0 expires them n seconds after their last write.
    analytical_ttl_seconds: int = -1
    # None leaves transactional TTL off; -1 turns it on with no default expiry.
    default_ttl_seconds: int | None = None


@dataclass
class CosmosAccountArgs:
    baseline: ServiceBaseline
    database_name: str
    containers: Sequence[CosmosContainer]
    purpose: str = "care"
    # Fixed when the analytical store is first enabled; FullFidelity keeps every property's type.
    schema_type: str = "WellDefined"
    backup_tier: str = "Continuous7Days"
    consistency: str = "Session"
    zone_redundant: bool = False
    # Shared by the database's containers, which suits a handful of containers with uneven traffic.
    autoscale_max_throughput: int = 1000
    # The zone's key; None keeps service-managed keys. Only set when the account is created.
    customer_managed_key: CustomerManagedKey | None = None


def key_encryption(key: CustomerManagedKey | None) -> dict[str, object]:
    """The account's key settings: the identity and the versionless key URI, when the zone has a key.

    An account with continuous backup takes a customer-managed key at creation only through a
    user-assigned identity named as its default identity, ``UserAssignedIdentity=<id>`` (Microsoft Learn,
    "Configure customer-managed keys for your Azure Cosmos DB account": continuous backup and
    ``defaultIdentity``); a key URI without a version follows the key's rotation. The account reaches
    the zone's vault, whose public access is off, as a trusted Microsoft service, which that page says
    suffices (MicrosoftDocs azure-databases-docs
    articles/cosmos-db/how-to-setup-customer-managed-keys.md), although Key Vault's trusted-services
    table does not list Cosmos DB (MicrosoftDocs azure-security-docs
    articles/key-vault/general/overview-vnet-service-endpoints.md); the stack's operator actions ask
    for that to be verified on the first deployment.
    """
    if key is None:
        return {"identity": identity_block()}
    return {
        "identity": {"type": "SystemAssigned,UserAssigned", "user_assigned_identities": [key.identity_id]},
        "key_vault_key_uri": key.key_uri,
        "default_identity": key.identity_id.apply(lambda identity_id: f"UserAssignedIdentity={identity_id}"),
    }


class CosmosAccount(SecureComponent):
    def __init__(self, name: str, args: CosmosAccountArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cloudscale:data:CosmosAccount", name, args.baseline, opts)
        b = args.baseline
        self.account_name = b.namer.name("cosmos_account", args.purpose)
        self.database_name = args.database_name
        self._create_account(name, args)
        self.id: pulumi.Output[str] = self.account.id
        self.endpoint: pulumi.Output[str] = self.account.document_endpoint
        self._secure(
            self.account,
            logical_name=f"{name}-account",
            purpose=args.purpose,
            group_ids=["Sql", "Analytical"],
            diagnostics=COSMOS_DIAGNOSTICS,
        )
        self.database = cosmosdb.SqlResourceSqlDatabase(
            f"{name}-database",
            account_name=self.account.name,
            resource_group_name=b.resource_group_name,
            database_name=args.database_name,
            resource={"id": args.database_name},
            options={"autoscale_settings": {"max_throughput": args.autoscale_max_throughput}},
            opts=self._child_opts(stateful=True, parent=self.account),
        )
        self.containers = {container.name: self._container(name, b, container) for container in args.containers}
        self._analytics_reader: cosmosdb.SqlResourceSqlRoleDefinition | None = None
        self.register_outputs(
            {
                "id": self.id,
                "account_name": self.account_name,
                "endpoint": self.endpoint,
                "database_name": self.database_name,
            }
        )

    def _create_account(self, name: str, args: CosmosAccountArgs) -> None:
        b = args.baseline
        consistency: dict[str, object] = {"default_consistency_level": args.consistency}
        if args.consistency == "BoundedStaleness":
            consistency.update(_BOUNDED_STALENESS)
        self.account = cosmosdb.DatabaseAccount(
            f"{name}-account",
            account_name=self.account_name,
            resource_group_name=b.resource_group_name,
            location=b.location,
            kind="GlobalDocumentDB",
            database_account_offer_type="Standard",
            locations=[{"location_name": b.location, "failover_priority": 0, "is_zone_redundant": args.zone_redundant}],
            consistency_policy=consistency,
            enable_analytical_storage=True,
            analytical_storage_configuration={"schema_type": args.schema_type},
            backup_policy={"type": "Continuous", "continuous_mode_properties": {"tier": args.backup_tier}},
            disable_local_auth=True,
            disable_key_based_metadata_write_access=True,
            public_network_access="Disabled",
            network_acl_bypass="None",
            minimal_tls_version="Tls12",
            enable_automatic_failover=True,
            enable_free_tier=False,
            **key_encryption(args.customer_managed_key),
            tags=self._tags,
            opts=self._child_opts(
                stateful=True, depends_on=args.customer_managed_key.ready if args.customer_managed_key else ()
            ),
        )

    def _container(self, name: str, b: ServiceBaseline, container: CosmosContainer) -> cosmosdb.SqlResourceSqlContainer:
        resource: dict[str, object] = {
            "id": container.name,
            "partition_key": {"paths": [container.partition_key], "kind": "Hash", "version": 2},
            "analytical_storage_ttl": container.analytical_ttl_seconds,
        }
        if container.default_ttl_seconds is not None:
            resource["default_ttl"] = container.default_ttl_seconds
        return cosmosdb.SqlResourceSqlContainer(
            f"{name}-container-{container.name}",
            account_name=self.account.name,
            resource_group_name=b.resource_group_name,
            # The literal name, with an explicit dependency: the database's name output is its own.
            database_name=self.database_name,
            container_name=container.name,
            resource=resource,
            opts=self._child_opts(stateful=True, parent=self.database, depends_on=[self.database]),
        )

    def _data_plane_guid(self, *parts: str) -> str:
        return str(uuid.uuid5(_DATA_PLANE_NAMESPACE, "|".join((self._scope_key(self._name), *parts))))

    def _data_plane_scope(self, database: str | None) -> pulumi.Output[str]:
        return self.id.apply(lambda account_id: f"{account_id}/dbs/{database}" if database else account_id)

    def _assign(
        self, role: str, role_definition_id: pulumi.Input[str], principal: Principal, database: str | None
    ) -> cosmosdb.SqlResourceSqlRoleAssignment:
        return cosmosdb.SqlResourceSqlRoleAssignment(
            f"{self._name}-data-{role}-{principal.key}{'-' + database if database else ''}",
            role_assignment_id=self._data_plane_guid("assignment", role, principal.key, database or "/"),
            account_name=self.account.name,
            resource_group_name=self.baseline.resource_group_name,
            role_definition_id=role_definition_id,
            principal_id=principal.principal_id,
            scope=self._data_plane_scope(database),
            # A child of the account, under its lock: the assignment's delete lifts it.
            opts=self._child_opts(parent=self.account, under=self.account),
        )

    def _built_in(self, role_guid: str) -> pulumi.Output[str]:
        return self.id.apply(lambda account_id: f"{account_id}/sqlRoleDefinitions/{role_guid}")

    def grant_data_read(
        self, principal: Principal, database: str | None = None
    ) -> cosmosdb.SqlResourceSqlRoleAssignment:
        """Built-in Data Reader: point reads, queries and the change feed of the transactional store."""
        return self._assign("reader", self._built_in(COSMOS_BUILT_IN_DATA_READER), principal, database)

    def grant_data_write(
        self, principal: Principal, database: str | None = None
    ) -> cosmosdb.SqlResourceSqlRoleAssignment:
        """Built-in Data Contributor: item reads and writes, for the customer-service applications."""
        return self._assign("contributor", self._built_in(COSMOS_BUILT_IN_DATA_CONTRIBUTOR), principal, database)

    def grant_analytics_read(
        self, principal: Principal, database: str | None = None
    ) -> cosmosdb.SqlResourceSqlRoleAssignment:
        """Analytical-store reads only, which is all Synapse Link needs (no transactional reads)."""
        if self._analytics_reader is None:
            self._analytics_reader = cosmosdb.SqlResourceSqlRoleDefinition(
                f"{self._name}-analytics-reader",
                role_definition_id=self._data_plane_guid("definition", "analytics-reader"),
                role_name="cloudscale analytical store reader",
                type="CustomRole",
                account_name=self.account.name,
                resource_group_name=self.baseline.resource_group_name,
                assignable_scopes=[self.id],
                permissions=[{"data_actions": list(ANALYTICS_READER_ACTIONS)}],
                opts=self._child_opts(parent=self.account),
            )
        return self._assign("analytics", self._analytics_reader.id, principal, database)
