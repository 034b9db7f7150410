"""The landing zone's Synapse workspace: Spark 3.5 and serverless SQL, private and Entra-only.

The workspace lives in a managed virtual network with data exfiltration protection, so Spark and
pipelines reach storage only through managed private endpoints. Synapse creates the one to its
default lake itself; the others (raw, enriched-curated, and whatever data services add) are
data-plane objects behind the workspace's development endpoint (reference issue
data-landing-zone#231), declared with ``components.synapse_dataplane``. That endpoint has no public
access either, so ``pulumi up`` must run from a network that resolves and reaches the workspace's
``Dev`` private endpoint. The endpoints stay Pending until the owner of each target approves them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_azure_native import synapse

from cloudscale.components.baseline import LOGS_AND_METRICS, Principal, SecureComponent, ServiceBaseline
from cloudscale.components.baseline.type_facts import (
    KeyEncryption,
    SecurityRule,
    SerialisedWrites,
    declare_type,
    managed_identity_required,
    public_network_access_disabled,
)
from cloudscale.components.core import azure_facts
from cloudscale.components.core.naming import Namer
from cloudscale.components.encryption_key import CustomerManagedKey
from cloudscale.components.purview import lineage_private_endpoints
from cloudscale.components.synapse_auditing import audit_workspace_sql
from cloudscale.components.synapse_dataplane import (
    SynapseLinkedService,
    SynapseLinkedServiceArgs,
    SynapseManagedPrivateEndpoint,
    SynapseManagedPrivateEndpointArgs,
)
from cloudscale.components.synapse_libraries import (
    SynapseWorkspacePackage,
    SynapseWorkspacePackageArgs,
    WorkspacePackage,
)
from cloudscale.components.synapse_role_assignments import (
    SynapseRoleAssignment,
    SynapseRoleAssignmentArgs,
    big_data_pool_scope,
    credential_scope,
    workspace_scope,
)

declare_type(
    synapse.Workspace,
    rules=(
        public_network_access_disabled(),
        SecurityRule("entra-only", "azureADOnlyAuthentication", lambda v: v is True, "SQL authentication is allowed"),
        # Outbound traffic of the managed network reaches only approved tenants, and the workspace
        # cannot be changed to allow more later (Microsoft Learn,
        # synapse-analytics/security/workspace-data-exfiltration-protection).
        SecurityRule(
            "exfiltration-protection",
            "managedVirtualNetworkSettings.preventDataExfiltration",
            lambda v: v is True,
            "data exfiltration protection is off",
        ),
        managed_identity_required(),
    ),
    diagnosable=True,
    stateful=True,
    # The workspace's key encryption key (see ``workspace_encryption``), by name or vault URL.
    customer_managed_key=KeyEncryption(
        "encryption.cmk.key", lambda key: isinstance(key, Mapping) and bool(key.get("keyVaultUrl") or key.get("name"))
    ),
    serialised_writes=(
        SerialisedWrites.of(
            "Synapse workspace",
            (
                synapse.Workspace,
                synapse.WorkspaceAadAdmin,
                synapse.WorkspaceSqlAadAdmin,
                synapse.IpFirewallRule,
                "azure-native:synapse:WorkspaceManagedIdentitySqlControlSetting",
            ),
            name_input="workspaceName",
            source="administrator, firewall and identity settings update the workspace itself, which refuses a "
            "write while it is Updating (409 Conflict)",
        ),
    ),
    # (Microsoft Learn, "Azure Private Endpoint private DNS zone values")
    private_link={
        "Sql": ("privatelink.sql.azuresynapse.net",),
        "SqlOnDemand": ("privatelink.sql.azuresynapse.net",),
        "Dev": ("privatelink.dev.azuresynapse.net",),
    },
    computed_outputs=lambda workspace: {
        "connectivityEndpoints": {
            "dev": f"https://{workspace.name}.dev.azuresynapse.net",
            "sql": f"{workspace.name}.sql.azuresynapse.net",
            "sqlOnDemand": f"{workspace.name}-ondemand.sql.azuresynapse.net",
            "web": f"https://web.azuresynapse.net?workspace={workspace.resource_id}",
        }
    },
)
declare_type(synapse.BigDataPool, diagnosable=True)
# Reviewed: the activation names the workspace's key; the key's own facts are the zone key's.
declare_type(synapse.Key)
declare_type(synapse.WorkspaceSqlAadAdmin)


def synapse_workspace_name(namer: Namer) -> str:
    """The workspace's name, fixed by the naming function before the workspace exists."""
    return namer.name("synapse_workspace")


def synapse_workspace_id(resource_group_id: pulumi.Input[str], workspace_name: str) -> pulumi.Output[str]:
    """The ARM id the workspace will have, for resources that must name it before it exists.

    Its default lake is one: the workspace is created after the lake, yet the lake's resource-instance
    rule must already admit the workspace for serverless SQL to read it.
    """
    return pulumi.Output.from_input(resource_group_id).apply(
        lambda group: f"{group}/providers/Microsoft.Synapse/workspaces/{workspace_name}"
    )


@dataclass(frozen=True)
class SparkPoolSettings:
    spark_version: str = "3.5"
    node_size: str = "Small"
    min_nodes: int = 3
    max_nodes: int = 10
    auto_pause_minutes: int = 15


@dataclass
class SynapseWorkspaceArgs:
    baseline: ServiceBaseline
    # The workspace lake (HNS) and the filesystem Synapse keeps its own files in; it must exist first.
    default_lake_id: pulumi.Input[str]
    default_lake_dfs_endpoint: pulumi.Input[str]
    default_filesystem: str
    # Tenant whose resources managed private endpoints may target, with exfiltration protection on.
    tenant_id: pulumi.Input[str]
    spark: SparkPoolSettings = field(default_factory=SparkPoolSettings)
    # Further lakes the workspace reads, by key -> storage account id; each gets a managed dfs endpoint.
    lakes: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # Lineage goes to Purview through private endpoints on the account and on its ingestion storage.
    purview_id: pulumi.Input[str] | None = None
    purview_ingestion_storage_id: pulumi.Input[str] | None = None
    # An Entra group that administers the SQL pools; the deploying identity is admin otherwise.
    sql_admin_group_name: str | None = None
    sql_admin_group_object_id: str | None = None
    # Resources the workspace waits for, such as its default filesystem.
    after: Sequence[pulumi.Resource] = ()
    # Workspace packages (wheels) the Spark pool installs, e.g. the data products' functions.
    packages: Sequence[WorkspacePackage] = ()
    # The role assignments the workspace's identity needs, declared by the caller as soon as the
    # identity exists: managed private endpoints and linked services act as that identity, so they are
    # ordered after the grants.
    access: Callable[[Principal], Sequence[pulumi.Resource]] | None = None
    # The zone's key; None keeps Microsoft-managed keys. Only chosen when the workspace is created.
    customer_managed_key: CustomerManagedKey | None = None


def workspace_encryption(key: CustomerManagedKey | None) -> dict[str, object]:
    """The workspace's encryption with the zone's key when there is one.

    The key is reached as the workspace's own system-assigned identity: the zone's vault is behind a
    firewall, and "a User-assigned Managed Identity cannot be configured to access customer-managed key
    when Azure Key Vault is behind a firewall" (Microsoft Learn, "Encryption for Azure Synapse Analytics
    workspaces", MicrosoftDocs azure-docs articles/synapse-analytics/security/workspaces-encryption.md).
    That identity exists only once the workspace does, so the workspace is created "Pending", granted
    on the key, then activated (``_activate_customer_managed_key``).
    """
    if key is None:
        return {}
    return {
        "encryption": {
            "cmk": {
                "key": {"name": key.key_name, "key_vault_url": key.key_uri},
                "kek_identity": {"use_system_assigned_identity": True},
            }
        },
    }


def _require_supported_spark(spark: SparkPoolSettings) -> None:
    if spark.spark_version not in azure_facts.SUPPORTED_SPARK_VERSIONS:
        raise ValueError(
            f"Spark {spark.spark_version} is not a supported Synapse runtime; use one of "
            f"{', '.join(sorted(azure_facts.SUPPORTED_SPARK_VERSIONS))}"
        )


class SynapseWorkspace(SecureComponent):
    def __init__(self, name: str, args: SynapseWorkspaceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        if args.purview_id is not None and args.purview_ingestion_storage_id is None:
            raise ValueError(f"{name}: lineage to a private Purview needs its ingestion storage id as well")
        super().__init__("cloudscale:analytics:SynapseWorkspace", name, args.baseline, opts)
        _require_supported_spark(args.spark)
        self.workspace_name = synapse_workspace_name(args.baseline.namer)
        self._create_workspace(name, args)
        self._secure_workspace(name)
        self._create_spark_pool(name, args)
        admins: list[pulumi.Resource] = []
        if args.sql_admin_group_name and args.sql_admin_group_object_id:
            admins = self._create_sql_admins(name, args, args.sql_admin_group_name, args.sql_admin_group_object_id)
        self.sql_audit = audit_workspace_sql(
            self,
            name,
            workspace=self.workspace,
            workspace_name=self.workspace_name,
            resource_group_name=args.baseline.resource_group_name,
            after=admins,
        )
        self._create_managed_private_endpoints(args)
        self.register_outputs(
            {
                "id": self.id,
                "workspace_name": self.workspace_name,
                "serverless_sql_endpoint": self.serverless_sql_endpoint,
            }
        )

    def _create_workspace(self, name: str, args: SynapseWorkspaceArgs) -> None:
        b = args.baseline
        identity = self._identity()
        self.workspace = synapse.Workspace(
            f"{name}-workspace",
            workspace_name=self.workspace_name,
            resource_group_name=b.resource_group_name,
            location=b.location,
            identity=identity,
            **workspace_encryption(args.customer_managed_key),
            default_data_lake_storage={
                "account_url": args.default_lake_dfs_endpoint,
                "filesystem": args.default_filesystem,
                "resource_id": args.default_lake_id,
                # Synapse creates this managed private endpoint itself. It is approved automatically only
                # if the identity that creates the Spark pool (the deploying identity) may approve private
                # endpoint connections on the lake, for example as its Owner or Storage Account
                # Contributor; otherwise it stays Pending until the storage owner approves it (MicrosoftDocs
                # azure-docs, synapse-analytics/security/connect-to-a-secure-storage-account.md).
                "create_managed_private_endpoint": True,
            },
            # Both can only be chosen when the workspace is created.
            managed_virtual_network="default",
            managed_virtual_network_settings={
                "prevent_data_exfiltration": True,
                "allowed_aad_tenant_ids_for_linking": [args.tenant_id],
                "linked_access_check_on_target_resource": True,
            },
            managed_resource_group_name=b.namer.name("resource_group", "synapse-managed"),
            # Entra-only: no SQL administrator login or password exists anywhere.
            azure_ad_only_authentication=True,
            public_network_access="Disabled",
            trusted_service_bypass_enabled=False,
            purview_configuration={"purview_resource_id": args.purview_id} if args.purview_id is not None else None,
            tags=self._tags,
            opts=self._child_opts(stateful=True, depends_on=args.after),
        )
        self.id: pulumi.Output[str] = self.workspace.id
        self.principal = Principal.of_resource(f"{name}-workspace", self.workspace, identity=identity)
        # What uses the workspace waits for its activation, when it has a customer-managed key.
        self.activated: list[pulumi.Resource] = (
            self._activate_customer_managed_key(name, args, args.customer_managed_key)
            if args.customer_managed_key
            else []
        )
        self.access_grants: list[pulumi.Resource] = list(args.access(self.principal)) if args.access else []
        self._run_grants: dict[str, list[SynapseRoleAssignment]] = {}
        # What Power BI connects to (through the VNet data gateway, since public access is off).
        self.serverless_sql_endpoint: pulumi.Output[str] = self.workspace.connectivity_endpoints.apply(
            lambda endpoints: endpoints["sqlOnDemand"]
        )

    def _activate_customer_managed_key(
        self, name: str, args: SynapseWorkspaceArgs, key: CustomerManagedKey
    ) -> list[pulumi.Resource]:
        """Grant the workspace's identity on the key, then activate the workspace with it.

        Microsoft Learn, "Encryption for Azure Synapse Analytics workspaces" (MicrosoftDocs azure-docs
        articles/synapse-analytics/security/workspaces-encryption.md, "Workspace activation"): the
        workspace's managed identity needs Get, Wrap Key and Unwrap Key on the key before activation,
        which "Key Vault Crypto Service Encryption User" gives on an RBAC vault;
        until activation succeeds the workspace stays "Pending" and most of it cannot be used ("you can
        only create a new dedicated SQL pool once activation succeeds"). Activation is the workspace's
        key entry (``Microsoft.Synapse/workspaces/keys``) with ``isActiveCMK`` true, azure-native's
        ``synapse.Key``. The vault must have purge protection, which the config requires with
        customer-managed keys.
        """
        grant = key.grant_use(f"{name}-workspace-key", self.principal)
        activation = synapse.Key(
            f"{name}-key-activation",
            key_name=key.key_name,
            workspace_name=self.workspace.name,
            resource_group_name=args.baseline.resource_group_name,
            key_vault_url=key.key_uri,
            is_active_cmk=True,
            opts=self._child_opts(depends_on=[grant]),
        )
        return [activation]

    def _secure_workspace(self, name: str) -> None:
        created = self._secure(
            self.workspace,
            logical_name=f"{name}-workspace",
            purpose="synw",
            group_ids=["Sql", "SqlOnDemand", "Dev"],
            diagnostics=LOGS_AND_METRICS,
        )
        # Data-plane calls go to the development endpoint, so they wait until its name resolves to the
        # private endpoint: the DNS zone group, which the endpoint alone does not cover (it is a child).
        self._dev_endpoint_ready: list[pulumi.Resource] = [
            self.workspace,
            created["pe:Dev"],
            created["dns:Dev"],
            *self.activated,
            *self.access_grants,
        ]

    def _create_spark_pool(self, name: str, args: SynapseWorkspaceArgs) -> None:
        b = args.baseline
        spark = args.spark
        # Uploaded through the development endpoint before the pool, which names them by where the
        # service keeps them ("customLibraries", azure-native synapse.BigDataPool).
        self.packages = [
            SynapseWorkspacePackage(
                f"{name}-package-{package.file_name.split('-', 1)[0]}",
                SynapseWorkspacePackageArgs(workspace_name=self.workspace.name, package=package),
                opts=self.data_plane_opts(),
            )
            for package in args.packages
        ]
        self.spark_pool = synapse.BigDataPool(
            f"{name}-spark",
            big_data_pool_name=b.namer.name("synapse_spark_pool", "spark"),
            workspace_name=self.workspace.name,
            resource_group_name=b.resource_group_name,
            location=b.location,
            spark_version=spark.spark_version,
            node_size=spark.node_size,
            node_size_family="MemoryOptimized",
            auto_scale={"enabled": True, "min_node_count": spark.min_nodes, "max_node_count": spark.max_nodes},
            auto_pause={"enabled": True, "delay_in_minutes": spark.auto_pause_minutes},
            # With data exfiltration protection on, a pool cannot install from PyPI or Conda: "Installing
            # packages from external repositories like PyPI, Conda-Forge, or the default Conda channels
            # isn't supported within data exfiltration protection enabled workspaces" (Learn, "Manage
            # libraries for Apache Spark pools", MicrosoftDocs azure-docs synapse-analytics/spark/
            # apache-spark-manage-pool-packages.md). So no library_requirements and no session packages
            # here: libraries are workspace packages (uploaded wheels), which the pipelines deploy.
            session_level_packages_enabled=False,
            custom_libraries=[
                synapse.LibraryInfoArgs(
                    name=package.library_name,
                    container_name=package.container_name,
                    path=package.path,
                    type=package.library_type,
                )
                for package in self.packages
            ]
            or None,
            tags=self._tags,
            # A child of the workspace, under its lock: removing or replacing the pool lifts it.
            opts=self._child_opts(depends_on=[*self.activated, *self.packages], under=self.workspace),
        )
        self._secure(self.spark_pool, logical_name=f"{name}-spark", purpose="spark", diagnostics=LOGS_AND_METRICS)

    def _create_sql_admins(
        self, name: str, args: SynapseWorkspaceArgs, group_name: str, group_object_id: str
    ) -> list[pulumi.Resource]:
        admin: dict[str, Any] = {
            "workspace_name": self.workspace.name,
            "resource_group_name": args.baseline.resource_group_name,
            "administrator_type": "ActiveDirectory",
            "login": group_name,
            "sid": group_object_id,
            "tenant_id": args.tenant_id,
        }
        workspace_admin = synapse.WorkspaceAadAdmin(
            f"{name}-aad-admin", **admin, opts=self._child_opts(depends_on=self.activated)
        )
        # Both write the workspace's administrator settings, so one waits for the other.
        sql_admin = synapse.WorkspaceSqlAadAdmin(
            f"{name}-sql-aad-admin", **admin, opts=self._child_opts(depends_on=[workspace_admin])
        )
        return [workspace_admin, sql_admin]

    def _create_managed_private_endpoints(self, args: SynapseWorkspaceArgs) -> None:
        namer = args.baseline.namer
        self.managed_private_endpoints: dict[str, pulumi.Resource] = {
            key: self.add_managed_private_endpoint(
                f"lake-{key}",
                endpoint_name=namer.name("managed_private_endpoint", f"{key}-dfs"),
                target_id=account_id,
                group_id="dfs",
            )
            for key, account_id in args.lakes.items()
        }
        if args.purview_id is not None and args.purview_ingestion_storage_id is not None:
            for label, (target_id, group_id) in lineage_private_endpoints(
                args.purview_id, args.purview_ingestion_storage_id
            ).items():
                self.managed_private_endpoints[f"purview-{label}"] = self.add_managed_private_endpoint(
                    f"purview-{label}",
                    endpoint_name=namer.name("managed_private_endpoint", f"purview-{label}"),
                    target_id=target_id,
                    group_id=group_id,
                )

    def data_plane_opts(self, after: Sequence[pulumi.Resource] = ()) -> pulumi.ResourceOptions:
        """Options for a child that talks to the development endpoint: it waits until that is reachable."""
        return self._child_opts(depends_on=[*self._dev_endpoint_ready, *after])

    def grant_run_notebooks(self, principal: Principal) -> list[SynapseRoleAssignment]:
        """Synapse RBAC for another service (a factory) to run the workspace's notebooks on its Spark pool.

        What running a published notebook takes (Microsoft Learn, "Understand the roles required to
        perform common tasks in Synapse" and "Synapse RBAC roles", MicrosoftDocs azure-docs
        synapse-analytics/security/synapse-workspace-understand-what-role-you-need.md and
        synapse-workspace-synapse-rbac-roles.md): Synapse Artifact User on the workspace to read the
        published notebook; Synapse Compute Operator on the Spark pool to submit it ("Submit Spark
        jobs and notebooks"); and Synapse Credential User on the workspace system identity credential,
        since the run acts as the workspace's identity ("Requires additional use credential
        permissions on the workspace system identity to run pipelines"). Nothing wider, such as
        Synapse Contributor or Administrator. Idempotent per principal.
        """
        if principal.key in self._run_grants:
            return self._run_grants[principal.key]
        pool = self.spark_pool.name
        scopes: dict[str, tuple[str, pulumi.Input[str]]] = {
            "artifact-user": ("Synapse Artifact User", self.workspace.name.apply(workspace_scope)),
            "compute-operator": (
                "Synapse Compute Operator",
                pulumi.Output.all(self.workspace.name, pool).apply(lambda names: big_data_pool_scope(*names)),
            ),
            "credential-user": ("Synapse Credential User", self.workspace.name.apply(credential_scope)),
        }
        grants = [
            SynapseRoleAssignment(
                f"{self._name}-rbac-{label}-{principal.key}",
                SynapseRoleAssignmentArgs(
                    workspace_name=self.workspace.name,
                    role_name=role,
                    principal_id=principal.principal_id,
                    scope=scope,
                ),
                opts=self.data_plane_opts(after=[self.spark_pool]),
            )
            for label, (role, scope) in scopes.items()
        ]
        self._run_grants[principal.key] = grants
        return grants

    def add_managed_private_endpoint(
        self, logical_name: str, *, endpoint_name: str, target_id: pulumi.Input[str], group_id: str
    ) -> SynapseManagedPrivateEndpoint:
        """A managed private endpoint in the workspace's managed VNet; Pending until the target approves."""
        return SynapseManagedPrivateEndpoint(
            f"{self._name}-mpe-{logical_name}",
            SynapseManagedPrivateEndpointArgs(
                workspace_name=self.workspace.name,
                endpoint_name=endpoint_name,
                private_link_resource_id=target_id,
                group_id=group_id,
            ),
            opts=self._child_opts(depends_on=self._dev_endpoint_ready),
        )

    def add_linked_service(
        self, logical_name: str, *, linked_service_name: str, properties: dict[str, Any]
    ) -> SynapseLinkedService:
        """A workspace linked service from its JSON ``properties`` body, sent to the service verbatim."""
        return SynapseLinkedService(
            f"{self._name}-ls-{logical_name}",
            SynapseLinkedServiceArgs(
                workspace_name=self.workspace.name, linked_service_name=linked_service_name, properties=properties
            ),
            opts=self._child_opts(depends_on=self._dev_endpoint_ready),
        )
