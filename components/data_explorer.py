"""Azure Data Explorer: a Kusto cluster and its database for telemetry and log analytics, private and
reached with Entra ID alone.

Azure Data Explorer signs every caller in with Microsoft Entra ID; it has no keys or local users. What
the platform adds: no public network access (a private endpoint only), principals of the cluster's own
tenant only (``trustedExternalTenants`` empty: the service's default trusts every tenant), no outbound
calls from queries (``restrictOutboundNetworkAccess`` with no allowed FQDN), disk and double encryption,
a managed identity, and in prd the zone's customer-managed key (Microsoft Learn, "Security in Azure
Data Explorer", "Allow cross-tenant queries and commands", "Restrict outbound access from your Azure
Data Explorer cluster", "Configure customer-managed keys").
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import kusto

from cloudscale.components.baseline import LOGS_AND_METRICS_DEDICATED, Principal, SecureComponent, ServiceBaseline
from cloudscale.components.baseline.type_facts import (
    KeyEncryption,
    SecurityRule,
    SerialisedWrites,
    declare_type,
    managed_identity_required,
    public_network_access_disabled,
)
from cloudscale.components.core import azure_facts
from cloudscale.components.core.naming import NameRule, declare_name_rule
from cloudscale.components.encryption_key import CustomerManagedKey

# Azure Data Explorer takes only RSA keys of 2048 bits (Microsoft Learn, "Configure customer-managed
# keys", Azure Data Explorer), so it encrypts with a key of its own rather than the zone's.
KEY_SIZE = 2048
# The SKUs the service offers, as the SDK lists them; dev/test SKUs have one instance, no SLA and no
# availability zones.
SKUS = frozenset(sku.value for sku in kusto.AzureSkuName)
DEV_SKU_PREFIX = "Dev(No SLA)_"

# Cluster names: 4-22 lowercase letters and digits, starting with a letter; a public DNS label, so
# globally unique (Microsoft Learn, Microsoft.Kusto clusters ARM template reference).
declare_name_rule("data_explorer_cluster", NameRule("dec", 4, 22, r"[a-z][a-z0-9]{3,21}", "", True, True))

declare_type(
    kusto.Cluster,
    rules=(
        public_network_access_disabled(),
        managed_identity_required(),
        SecurityRule(
            "trusted-tenants",
            "trustedExternalTenants",
            lambda v: v == [],
            "principals of other tenants may query the cluster (the service trusts every tenant by default)",
        ),
        SecurityRule(
            "outbound-restricted",
            "restrictOutboundNetworkAccess",
            lambda v: v == "Enabled",
            "queries may call out to any endpoint",
            severity="medium",
        ),
        SecurityRule("disk-encryption", "enableDiskEncryption", lambda v: v is True, "disk encryption is off"),
    ),
    diagnosable=True,
    stateful=True,
    # The cluster's endpoint, and its ingestion storage's blob, queue and table endpoints (Microsoft
    # Learn, "Azure Private Endpoint private DNS zone values").
    private_link={
        "cluster": (
            "privatelink.{region}.kusto.windows.net",
            "privatelink.blob.core.windows.net",
            "privatelink.queue.core.windows.net",
            "privatelink.table.core.windows.net",
        )
    },
    customer_managed_key=KeyEncryption(
        "keyVaultProperties", lambda v: isinstance(v, Mapping) and bool(v.get("keyName"))
    ),
    # The cluster runs one control operation at a time; a database, script, principal assignment or
    # managed endpoint written while it is Updating fails with 409 Conflict
    # (hashicorp/terraform-provider-azurerm#16471, #18501).
    serialised_writes=(
        SerialisedWrites.of(
            "Data Explorer cluster",
            (
                kusto.Cluster,
                kusto.ReadWriteDatabase,
                kusto.DatabasePrincipalAssignment,
                kusto.ClusterPrincipalAssignment,
                kusto.Script,
                kusto.ManagedPrivateEndpoint,
            ),
            name_input="clusterName",
            source="the cluster runs one control operation at a time: 409 Conflict while it is Updating "
            "(hashicorp/terraform-provider-azurerm#16471, #18501)",
        ),
    ),
    computed_outputs=lambda cluster: {
        "uri": f"https://{cluster.name}.{cluster.inputs.get('location')}.kusto.windows.net",
        "dataIngestionUri": f"https://ingest-{cluster.name}.{cluster.inputs.get('location')}.kusto.windows.net",
    },
)
declare_type(kusto.ReadWriteDatabase, stateful=True)
# Reviewed: database roles, only through the grant methods below.
declare_type(kusto.DatabasePrincipalAssignment)

# Principal types as Azure Data Explorer spells them.
_PRINCIPAL_TYPES = {"ServicePrincipal": "App", "Group": "Group", "User": "User"}
_ASSIGNMENT_NAMESPACE = uuid.UUID("0b8d6f5e-7c2a-4f51-9d43-6a1e2c5b7d90")


@dataclass
class DataExplorerArgs:
    baseline: ServiceBaseline
    # Principals of this tenant alone may sign in; database roles name principals of it.
    tenant_id: pulumi.Input[str]
    purpose: str = "adx"
    database_name: str = "telemetry"
    sku: str = "Standard_E2ads_v5"
    capacity: int = 2
    # Optimized autoscale between ``capacity`` and this many instances; None keeps the capacity fixed.
    autoscale_max: int | None = None
    # How long data is kept, and how much of it stays on the instances' disks for fast queries.
    soft_delete_days: int = 365
    hot_cache_days: int = 31
    # Stop the cluster after days without queries or ingestion (dev clusters).
    auto_stop: bool = False
    # An RSA 2048 key (``EncryptionKeyArgs(key_size=KEY_SIZE)``); None keeps Microsoft-managed keys.
    customer_managed_key: CustomerManagedKey | None = None


class DataExplorer(SecureComponent):
    """A private Azure Data Explorer cluster with one database; grant roles on it with ``grant_read``
    and ``grant_ingest``. ``uri`` and ``ingestion_uri`` are its query and ingestion endpoints."""

    def __init__(self, name: str, args: DataExplorerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        key = args.customer_managed_key
        if key is not None and key.key_size != KEY_SIZE:
            raise ValueError(f"{name}: Azure Data Explorer takes only RSA {KEY_SIZE} keys, not {key.key_size}")
        super().__init__("cloudscale:analytics:DataExplorer", name, args.baseline, opts)
        self.tenant_id = args.tenant_id
        self._create_cluster(name, args)
        self.database_name = args.database_name
        self.database = kusto.ReadWriteDatabase(
            f"{name}-database",
            kind="ReadWrite",
            cluster_name=self.cluster.name,
            database_name=args.database_name,
            resource_group_name=args.baseline.resource_group_name,
            # No location: a database is where its cluster is, and takes no tags.
            soft_delete_period=f"P{args.soft_delete_days}D",
            hot_cache_period=f"P{args.hot_cache_days}D",
            opts=self._child_opts(stateful=True),
        )
        # Each write on the cluster waits for the one before it (declared above).
        self._last_write: pulumi.Resource = self.database
        self._grants: dict[tuple[str, str], kusto.DatabasePrincipalAssignment] = {}
        self.id: pulumi.Output[str] = self.cluster.id
        self.uri: pulumi.Output[str] = self.cluster.uri
        self.ingestion_uri: pulumi.Output[str] = self.cluster.data_ingestion_uri
        self._secure(
            self.cluster,
            logical_name=f"{name}-cluster",
            purpose=args.purpose,
            group_ids=["cluster"],
            diagnostics=LOGS_AND_METRICS_DEDICATED,
        )
        self.register_outputs({"id": self.id, "uri": self.uri, "database_name": self.database_name})

    def _create_cluster(self, name: str, args: DataExplorerArgs) -> None:
        b = args.baseline
        key = args.customer_managed_key
        dev_sku = args.sku.startswith(DEV_SKU_PREFIX)
        identity = self._identity()
        encryption: dict[str, object] = {}
        if key is not None:
            identity = {"type": "SystemAssigned, UserAssigned", "user_assigned_identities": [key.identity_id]}
            # No key version: the cluster follows the key's rotation.
            encryption = {
                "key_vault_properties": {
                    "key_name": key.key_name,
                    "key_vault_uri": key.vault_uri,
                    "user_identity": key.identity_id,
                }
            }
        autoscale = None
        if args.autoscale_max is not None:
            autoscale = {"version": 1, "is_enabled": True, "minimum": args.capacity, "maximum": args.autoscale_max}
        self.cluster_name = b.namer.name("data_explorer_cluster", args.purpose)
        self.cluster = kusto.Cluster(
            f"{name}-cluster",
            cluster_name=self.cluster_name,
            resource_group_name=b.resource_group_name,
            location=b.location,
            sku={"name": args.sku, "tier": "Basic" if dev_sku else "Standard", "capacity": args.capacity},
            optimized_autoscale=autoscale,
            zones=None if dev_sku else azure_facts.zones_for(b.location) or None,
            identity=identity,
            public_network_access="Disabled",
            trusted_external_tenants=[],
            restrict_outbound_network_access="Enabled",
            allowed_fqdn_list=[],
            enable_disk_encryption=True,
            enable_double_encryption=True,
            enable_purge=False,
            enable_streaming_ingest=False,
            enable_auto_stop=args.auto_stop,
            engine_type="V3",
            **encryption,
            tags=self._tags,
            # The cluster must not ask for the key before its identity may use it.
            opts=self._child_opts(stateful=True, depends_on=key.ready if key else ()),
        )
        self.principal = Principal.of_resource(name, self.cluster, identity=identity)

    def grant_read(self, principal: Principal) -> kusto.DatabasePrincipalAssignment:
        """Viewer on the database: query its tables and functions, nothing else."""
        return self._grant(kusto.DatabasePrincipalRole.VIEWER, principal)

    def grant_ingest(self, principal: Principal) -> kusto.DatabasePrincipalAssignment:
        """Ingestor on the database: ingest into its tables, without reading them."""
        return self._grant(kusto.DatabasePrincipalRole.INGESTOR, principal)

    def _grant(self, role: kusto.DatabasePrincipalRole, principal: Principal) -> kusto.DatabasePrincipalAssignment:
        key = (role.value, principal.key)
        if key not in self._grants:
            assignment = kusto.DatabasePrincipalAssignment(
                f"{self._name}-{role.value.lower()}-{principal.key}",
                cluster_name=self.cluster.name,
                database_name=self.database_name,
                resource_group_name=self.baseline.resource_group_name,
                principal_assignment_name=str(
                    uuid.uuid5(_ASSIGNMENT_NAMESPACE, f"{self._scope_key(self._name)}|{role.value}|{principal.key}")
                ),
                principal_id=principal.principal_id,
                principal_type=_PRINCIPAL_TYPES[principal.principal_type],
                role=role,
                tenant_id=self.tenant_id,
                opts=self._child_opts(parent=self.database, depends_on=[self._last_write]),
            )
            self._last_write = assignment
            self._grants[key] = assignment
        return self._grants[key]
