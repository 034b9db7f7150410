"""Azure Machine Learning workspace for the retention-prediction scenario, private end to end.

The workspace brings its own storage account, Key Vault and workspace-based Application Insights,
and uses either the management zone's container registry or a private one of its own. Its computes
live in an AML-managed virtual network whose outbound traffic is limited to the approved private
endpoints and FQDNs, so the workspace needs no subnet of the landing zone. Data is reached through
identity-based datastores: no account key or SAS token is ever stored in the workspace.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import applicationinsights, authorization, storage
from pulumi_azure_native import machinelearningservices as ml

from cloudscale.components.baseline import (
    LOGS_AND_METRICS_DEDICATED,
    STORAGE_ACCOUNT,
    Principal,
    SecureComponent,
    ServiceBaseline,
)
from cloudscale.components.baseline.type_facts import (
    accept_finding,
    declare_type,
    managed_identity_required,
    public_network_access_disabled,
    tag,
)
from cloudscale.components.container_registry import ContainerRegistry, ContainerRegistryArgs
from cloudscale.components.core.roles import BuiltInRole
from cloudscale.components.data_lake import secure_storage_services
from cloudscale.components.key_vault import KeyVault, KeyVaultArgs

# Scale to zero after two idle minutes: a retention model trains in batches, not continuously.
IDLE_BEFORE_SCALE_DOWN = "PT2M"


declare_type(
    ml.Workspace,
    rules=(public_network_access_disabled(), managed_identity_required()),
    diagnosable=True,
    stateful=True,
    # (Microsoft Learn, "Azure Private Endpoint private DNS zone values")
    private_link={"amlworkspace": ("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net")},
)
# Workspace-based Application Insights stores its telemetry in Log Analytics already; a diagnostic
# setting to the same workspace would only duplicate it (Azure Monitor documents this).
declare_type(
    applicationinsights.Component,
    diagnosable=True,
    diagnostics_not_needed=lambda inputs: bool(inputs.get("workspaceResourceId")),
    computed_outputs=lambda component: {
        "connectionString": f"InstrumentationKey={component.guid('ikey')}",
        "instrumentationKey": component.guid("ikey"),
    },
)
declare_type(ml.Compute)
declare_type(ml.Datastore)
declare_type(ml.CodeContainer)
declare_type(ml.CodeVersion)
# Reviewed: code files in a private container of the workspace's own (private, identity-only) account.
declare_type(storage.Blob)
# The container the workspace's code assets are uploaded to, in the workspace's storage account.
CODE_CONTAINER = "code"
accept_finding(
    storage.StorageAccount,
    rule="shared-key",
    reason="Azure ML's workspace store still needs shared key for its file share",
    when=lambda inputs: tag(inputs, "Component") == "machine_learning",
)


@dataclass(frozen=True)
class LakeDatastore:
    """An ADLS Gen2 filesystem registered as an identity-based datastore."""

    name: str
    account_name: pulumi.Input[str]
    filesystem: str


@dataclass(frozen=True)
class OutboundPrivateEndpoint:
    """A private endpoint the managed network creates from the workspace to a resource outside it."""

    name: str
    resource_id: pulumi.Input[str]
    subresource: str
    # Names the target resource: endpoints to one resource (dfs and blob of a lake) share its one
    # approval grant, as Azure refuses a second assignment of a role to a principal on one scope.
    target: str


@dataclass(frozen=True)
class CodeAsset:
    """Training code registered as a versioned Azure ML code asset, for jobs to reference by id."""

    name: str
    version: str
    files: Mapping[str, str] = field(default_factory=dict)
    """File name inside the asset -> local path of its content."""
    description: str = ""


@dataclass
class MachineLearningArgs:
    baseline: ServiceBaseline
    tenant_id: pulumi.Input[str]
    purpose: str = "churn"
    # None creates a private Premium registry for the workspace; an id reuses that registry.
    container_registry_id: pulumi.Input[str] | None = None
    isolation_mode: str = "AllowOnlyApprovedOutbound"
    # Only used with AllowOnlyApprovedOutbound; with internet outbound every FQDN is reachable anyway.
    allowed_outbound_fqdns: Sequence[str] = ()
    outbound_private_endpoints: Sequence[OutboundPrivateEndpoint] = ()
    datastores: Sequence[LakeDatastore] = ()
    cluster_vm_size: str = "Standard_DS3_v2"
    cluster_max_nodes: int = 4
    storage_sku: str = "Standard_ZRS"
    code_assets: Sequence[CodeAsset] = ()


class MachineLearningWorkspace(SecureComponent):
    def __init__(self, name: str, args: MachineLearningArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        b = args.baseline
        if b.log_analytics_workspace_id is None:
            raise ValueError(f"{name}: workspace-based Application Insights needs the baseline's Log Analytics id")
        super().__init__("cloudscale:data:MachineLearningWorkspace", name, args.baseline, opts)
        self.storage = self._storage(name, args)
        self.key_vault = KeyVault(
            f"{name}-kv",
            KeyVaultArgs(baseline=b, tenant_id=args.tenant_id, purpose=args.purpose),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.application_insights = self._application_insights(name, args, b.log_analytics_workspace_id)
        self.registry: ContainerRegistry | None = None
        self.registry_id: pulumi.Input[str]
        if args.container_registry_id is None:
            self.registry = ContainerRegistry(
                f"{name}-registry",
                ContainerRegistryArgs(baseline=b, purpose=args.purpose),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.registry_id = self.registry.id
        else:
            self.registry_id = args.container_registry_id

        self.workspace_name = b.namer.name("machine_learning_workspace", args.purpose)
        self.compute_name = b.namer.name("machine_learning_compute", "cpu")
        self._create_workspace(name, args)
        approvals = self._grant_network_approvals(name, args)
        # The managed network is provisioned with the first compute, and its private endpoints are
        # approved then: the cluster waits until the workspace may approve them.
        self.cluster, self.compute_principal = self._cluster(name, args, after=approvals)
        self.datastores = {store.name: self._datastore(name, b, store) for store in args.datastores}
        self._grant_dependencies(name)
        self.code_versions = self._code_assets(name, args)
        self._job_submitters: dict[str, authorization.RoleAssignment] = {}
        self.register_outputs(
            {
                "id": self.id,
                "workspace_name": self.workspace_name,
                "compute_name": self.compute_name,
                "storage_account_id": self.storage.id,
                "key_vault_id": self.key_vault.id,
                "registry_id": self.registry_id,
            }
        )

    def _application_insights(
        self, name: str, args: MachineLearningArgs, log_analytics_workspace_id: pulumi.Input[str]
    ) -> applicationinsights.Component:
        b = args.baseline
        component = applicationinsights.Component(
            f"{name}-appi",
            resource_name_=b.namer.name("application_insights", args.purpose),
            resource_group_name=b.resource_group_name,
            location=b.location,
            kind="web",
            application_type="web",
            workspace_resource_id=log_analytics_workspace_id,
            ingestion_mode="LogAnalytics",
            public_network_access_for_ingestion="Disabled",
            public_network_access_for_query="Disabled",
            disable_local_auth=True,
            tags=self._tags,
            # No diagnostic setting: a workspace-based component's telemetry already lands in Log Analytics.
            opts=self._child_opts(),
        )
        # Public ingestion is off, so SDK and agent telemetry arrives only through the platform's AMPLS.
        self._join_monitor_scope(
            component,
            logical_name=f"{name}-appi",
            resource_name=b.namer.name("application_insights", args.purpose),
        )
        return component

    def _create_workspace(self, name: str, args: MachineLearningArgs) -> None:
        b = args.baseline
        # Deleting a workspace soft-deletes it for 14 days, and its name cannot be reused until then or
        # until it is permanently deleted ("Workspace soft deletion", learn.microsoft.com/azure/
        # machine-learning/concept-soft-delete). azure-native's Workspace has no input for either (no
        # soft-delete or recover flag; its delete sends no forceToPurge), so a dev platform that is
        # destroyed and recreated purges the workspace itself: docs/beyond-up.md, "Destroying and recreating dev".
        identity = self._identity()
        self.workspace = ml.Workspace(
            f"{name}-workspace",
            workspace_name=self.workspace_name,
            resource_group_name=b.resource_group_name,
            location=b.location,
            kind="Default",
            sku={"name": "Basic", "tier": "Basic"},
            identity=identity,
            storage_account=self.storage.id,
            key_vault=self.key_vault.id,
            application_insights=self.application_insights.id,
            container_registry=self.registry_id,
            public_network_access="Disabled",
            allow_public_access_when_behind_vnet=False,
            hbi_workspace=True,
            v1_legacy_mode=False,
            # The workspace's own datastores authenticate with identities, never the account key.
            system_datastores_auth_mode="Identity",
            managed_network=self._managed_network(args),
            # The registry is private, so images are built on the cluster inside the managed network.
            image_build_compute=self.compute_name,
            tags=self._tags,
            opts=self._child_opts(stateful=True),
        )
        self.id: pulumi.Output[str] = self.workspace.id
        self.principal = Principal.of_resource(f"{name}-workspace", self.workspace, identity=identity)
        self._secure(
            self.workspace,
            logical_name=f"{name}-workspace",
            purpose=args.purpose,
            group_ids=["amlworkspace"],
            diagnostics=LOGS_AND_METRICS_DEDICATED,
        )

    def _storage(self, name: str, args: MachineLearningArgs) -> storage.StorageAccount:
        b = args.baseline
        account = storage.StorageAccount(
            f"{name}-storage",
            account_name=b.namer.name("storage_account", args.purpose),
            resource_group_name=b.resource_group_name,
            location=b.location,
            kind="StorageV2",
            sku={"name": args.storage_sku},
            access_tier="Hot",
            # AML's own datastores are flat blob containers and an Azure Files share (code snapshots,
            # notebooks); the lakes, not this account, are where hierarchical namespace belongs.
            is_hns_enabled=False,
            # Kept on only because AML still needs the account key for the Azure Files share its
            # computes mount, and running with shared keys off is a preview (how-to-disable-local-
            # auth-storage). Everything else uses Entra: system_datastores_auth_mode is "Identity"
            # and the portal defaults to OAuth. Turn this off once that mode is generally available.
            allow_shared_key_access=True,
            default_to_o_auth_authentication=True,
            allow_blob_public_access=False,
            allow_cross_tenant_replication=False,
            enable_https_traffic_only=True,
            minimum_tls_version="TLS1_2",
            public_network_access="Disabled",
            network_rule_set={"default_action": "Deny", "bypass": "AzureServices"},
            encryption={
                "key_source": "Microsoft.Storage",
                "require_infrastructure_encryption": True,
                "services": {"blob": {"enabled": True}, "file": {"enabled": True}},
            },
            identity=self._identity(),
            tags=self._tags,
            opts=self._child_opts(stateful=True),
        )
        self._secure(
            account,
            logical_name=f"{name}-storage",
            purpose=args.purpose,
            group_ids=["blob", "file"],
            diagnostics=STORAGE_ACCOUNT,
        )
        secure_storage_services(self, account, logical_name=f"{name}-storage", services=("blob", "file"))
        return account

    @staticmethod
    def _managed_network(args: MachineLearningArgs) -> ml.ManagedNetworkSettingsArgs:
        # AML adds the rules for its own storage, Key Vault and registry; these are the extra ones.
        rules: dict[str, ml.PrivateEndpointOutboundRuleArgs | ml.FqdnOutboundRuleArgs] = {
            endpoint.name: ml.PrivateEndpointOutboundRuleArgs(
                type="PrivateEndpoint",
                category="UserDefined",
                destination=ml.PrivateEndpointDestinationArgs(
                    service_resource_id=endpoint.resource_id, subresource_target=endpoint.subresource
                ),
            )
            for endpoint in args.outbound_private_endpoints
        }
        approved_only = args.isolation_mode == "AllowOnlyApprovedOutbound"
        fqdns = list(args.allowed_outbound_fqdns) if approved_only else []
        for fqdn in fqdns:
            rules[f"fqdn-{re.sub(r'[^A-Za-z0-9]+', '-', fqdn).strip('-')}"] = ml.FqdnOutboundRuleArgs(
                type="FQDN", category="UserDefined", destination=fqdn
            )
        return ml.ManagedNetworkSettingsArgs(
            isolation_mode=args.isolation_mode,
            outbound_rules=rules or None,
            # FQDN rules are enforced by an AML-managed Azure Firewall, which exists only when needed.
            firewall_sku="Standard" if fqdns else None,
        )

    def _grant_network_approvals(self, name: str, args: MachineLearningArgs) -> list[pulumi.Resource]:
        """Let the workspace approve its managed network's private endpoints on every target.

        The managed network's outbound rules become private endpoints on the workspace's storage, Key
        Vault and registry and on each user-defined target (the lakes). Each stays pending unless the
        workspace identity holds "Azure AI Enterprise Network Connection Approver" on the target
        (azure-ai-docs, machine-learning/how-to-managed-network.md); Azure no longer grants it itself.
        """
        targets: dict[str, pulumi.Input[str]] = {
            "storage": self.storage.id,
            "kv": self.key_vault.id,
            "registry": self.registry_id,
        }
        for endpoint in args.outbound_private_endpoints:
            targets.setdefault(f"outbound-{endpoint.target}", endpoint.resource_id)
        return [
            self._grant_on(
                self.workspace,
                logical_name=f"{name}-{label}",
                role=BuiltInRole.AI_NETWORK_CONNECTION_APPROVER,
                principal=self.principal,
                scope=target_id,
            )
            for label, target_id in targets.items()
        ]

    def _cluster(
        self, name: str, args: MachineLearningArgs, after: Sequence[pulumi.Resource]
    ) -> tuple[ml.Compute, Principal]:
        b = args.baseline
        identity = self._identity()
        cluster = ml.Compute(
            f"{name}-cpu",
            compute_name=self.compute_name,
            workspace_name=self.workspace_name,
            resource_group_name=b.resource_group_name,
            location=b.location,
            identity=identity,
            properties=ml.AmlComputeArgs(
                compute_type="AmlCompute",
                description="CPU cluster for retention-model training and image builds",
                disable_local_auth=True,
                properties=ml.AmlComputePropertiesArgs(
                    vm_size=args.cluster_vm_size,
                    vm_priority="Dedicated",
                    os_type="Linux",
                    scale_settings=ml.ScaleSettingsArgs(
                        min_node_count=0,
                        max_node_count=args.cluster_max_nodes,
                        node_idle_time_before_scale_down=IDLE_BEFORE_SCALE_DOWN,
                    ),
                    enable_node_public_ip=False,
                    remote_login_port_public_access="Disabled",
                ),
            ),
            tags=self._tags,
            opts=self._child_opts(parent=self.workspace, depends_on=[self.workspace, *after]),
        )
        return cluster, Principal.of_resource(f"{name}-cpu", cluster, identity=identity)

    def _datastore(self, name: str, b: ServiceBaseline, store: LakeDatastore) -> ml.Datastore:
        return ml.Datastore(
            f"{name}-datastore-{store.name}",
            name=store.name,
            workspace_name=self.workspace_name,
            resource_group_name=b.resource_group_name,
            properties=ml.AzureDataLakeGen2DatastoreArgs(
                datastore_type="AzureDataLakeGen2",
                account_name=store.account_name,
                filesystem=store.filesystem,
                endpoint="core.windows.net",
                protocol="https",
                # No credentials: jobs use the caller's or the compute's identity, the studio the workspace's.
                credentials=ml.NoneDatastoreCredentialsArgs(credentials_type="None"),
                service_data_access_auth_identity="WorkspaceSystemAssignedIdentity",
            ),
            opts=self._child_opts(parent=self.workspace, depends_on=[self.workspace]),
        )

    def grant_submit_jobs(self, principal: Principal) -> authorization.RoleAssignment:
        """Let another service's identity (a factory, a Synapse workspace) submit and follow jobs.

        A pipeline's Web activity PUTs a command job to ``{workspace}/jobs/{name}`` and polls it under
        its service's managed identity. "AzureML Data Scientist" is the built-in role for that: every
        workspace action but creating compute and changing the workspace or its roles (Microsoft
        Learn, "Azure built-in roles for AI + machine learning"; "Manage roles in your workspace").
        Idempotent per principal.
        """
        if principal.key not in self._job_submitters:
            self._job_submitters[principal.key] = self._grant_on(
                self.workspace,
                logical_name=f"{self._name}-workspace",
                role=BuiltInRole.AZUREML_DATA_SCIENTIST,
                principal=principal,
            )
        return self._job_submitters[principal.key]

    def _code_assets(self, name: str, args: MachineLearningArgs) -> dict[str, ml.CodeVersion]:
        """Upload each asset's files to the workspace's storage and register them as ``name:version``.

        Logical names leave the version out, so a new version replaces the old one in place of adding a
        resource. A command job names its code by the id of a code version (Azure ML REST "Jobs - Create Or
        Update": ``codeId``, "ARM resource ID of the code asset"); the version's ``codeUri`` is the
        blob folder the files are in, which the workspace and its cluster read with their identities.
        """
        if not args.code_assets:
            return {}
        b = args.baseline
        container = storage.BlobContainer(
            f"{name}-code",
            account_name=self.storage.name,
            resource_group_name=b.resource_group_name,
            container_name=CODE_CONTAINER,
            public_access="None",
            # A container is stateful by type; protected like the workspace's other stores where locked.
            opts=self._child_opts(parent=self.storage, stateful=True),
        )
        return {
            f"{asset.name}:{asset.version}": self._code_asset(name, b, container, asset) for asset in args.code_assets
        }

    def _code_asset(
        self, name: str, b: ServiceBaseline, container: storage.BlobContainer, asset: CodeAsset
    ) -> ml.CodeVersion:
        folder = f"{asset.name}/{asset.version}"
        blobs = [
            storage.Blob(
                f"{name}-code-{asset.name}-{file_name}",
                account_name=self.storage.name,
                resource_group_name=b.resource_group_name,
                container_name=container.name,
                blob_name=f"{folder}/{file_name}",
                type="Block",
                source=pulumi.FileAsset(path),
                opts=self._child_opts(parent=container),
            )
            for file_name, path in sorted(asset.files.items())
        ]
        registered = ml.CodeContainer(
            f"{name}-code-{asset.name}",
            name=asset.name,
            workspace_name=self.workspace_name,
            resource_group_name=b.resource_group_name,
            properties=ml.CodeContainerPropertiesArgs(description=asset.description or None),
            opts=self._child_opts(parent=self.workspace, depends_on=[self.workspace]),
        )
        return ml.CodeVersion(
            f"{name}-code-{asset.name}-version",
            name=asset.name,
            version=asset.version,
            workspace_name=self.workspace_name,
            resource_group_name=b.resource_group_name,
            properties=ml.CodeVersionPropertiesArgs(
                code_uri=self.storage.name.apply(
                    lambda account: f"https://{account}.blob.core.windows.net/{CODE_CONTAINER}/{folder}"
                ),
                description=asset.description or None,
                is_anonymous=False,
            ),
            opts=self._child_opts(parent=registered, depends_on=[registered, *blobs]),
        )

    def _grant_dependencies(self, name: str) -> None:
        """The data-plane roles the workspace and its cluster need, since every store is reached with identities."""
        for principal in (self.principal, self.compute_principal):
            self._grant_on(
                self.storage,
                logical_name=f"{name}-storage",
                role=BuiltInRole.STORAGE_BLOB_DATA_CONTRIBUTOR,
                principal=principal,
            )
        self.key_vault.grant_secrets_manage(self.principal)
        # The workspace pushes the images it builds; the cluster only pulls them.
        registry_roles = ((BuiltInRole.ACR_PUSH, self.principal), (BuiltInRole.ACR_PULL, self.compute_principal))
        for role, principal in registry_roles:
            self._grant_on(
                self.workspace,
                logical_name=f"{name}-registry",
                role=role,
                principal=principal,
                scope=self.registry_id,
            )
