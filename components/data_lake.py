"""One data lake storage account: private, Entra-only, with recovery, lifecycle tiering and containers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_azure_native import authorization, storage

from cloudscale.components.baseline import STORAGE_ACCOUNT, STORAGE_SERVICE, Principal, SecureComponent, ServiceBaseline
from cloudscale.components.baseline.type_facts import (
    KeyEncryption,
    SecurityRule,
    SerialisedWrites,
    accept_finding,
    declare_type,
    managed_identity_required,
    public_network_access_disabled,
)
from cloudscale.components.core.roles import BuiltInRole
from cloudscale.components.encryption_key import CustomerManagedKey

# A lake's network rules let Azure's own logging and metrics through, and no trusted service.
LAKE_BYPASS = "Logging, Metrics"
# The Archive tier does not exist for zone-redundant accounts (ZRS, GZRS, RA-GZRS).
ZONE_REDUNDANT_SKUS = frozenset({"Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS"})


declare_type(
    storage.StorageAccount,
    rules=(
        public_network_access_disabled(),
        SecurityRule("tls", "minimumTlsVersion", lambda v: v == "TLS1_2", "minimum TLS is below 1.2"),
        SecurityRule("shared-key", "allowSharedKeyAccess", lambda v: not v, "shared key access is on"),
        # What Azure Policy's built-in "Storage accounts should allow access from trusted Microsoft
        # services" (c9d007d0-c057-4772-b18c-01e546713bcd) audits; Azure bypasses for them when no
        # bypass is given. Accounts that refuse it say why (accepted findings).
        SecurityRule(
            "trusted-services",
            "networkRuleSet.bypass",
            lambda v: v is None or "AzureServices" in str(v),
            "trusted Microsoft services cannot bypass the network rules",
            severity="medium",
        ),
        managed_identity_required(),
    ),
    diagnosable=True,
    stateful=True,
    # Only the lakes (ADLS Gen2, hierarchical namespace on) hold the platform's data; their key is named
    # by keySource and keyVaultProperties (see ``encryption`` below).
    customer_managed_key=KeyEncryption(
        "encryption",
        lambda e: (
            isinstance(e, Mapping)
            and str(e.get("keySource", "")).lower() == "microsoft.keyvault"
            and isinstance(e.get("keyVaultProperties"), Mapping)
            and bool(e["keyVaultProperties"].get("keyName"))
        ),
        applies=lambda inputs: inputs.get("isHnsEnabled") is True,
    ),
    serialised_writes=(
        SerialisedWrites.of(
            "storage account",
            (
                storage.StorageAccount,
                storage.BlobServiceProperties,
                storage.FileServiceProperties,
                storage.QueueServiceProperties,
                storage.TableServiceProperties,
                storage.ManagementPolicy,
            ),
            name_input="accountName",
            source="the account's settings are written under its exclusive lock: 409 "
            "StorageAccountOperationInProgress (Microsoft Learn, Storage Resource Provider error codes)",
        ),
    ),
    # One zone per storage service (Microsoft Learn, "Azure Private Endpoint private DNS zone values").
    private_link={
        service: (f"privatelink.{service}.core.windows.net",)
        for service in ("blob", "dfs", "file", "queue", "table", "web")
    },
    computed_outputs=lambda account: {
        "primaryEndpoints": {
            service: f"https://{account.name}.{service}.core.windows.net/"
            for service in ("blob", "dfs", "file", "queue", "table", "web")
        }
    },
)
# Reviewed: settings and containers of an account, behind its network rules and Entra-only access.
for _child in (storage.BlobServiceProperties, storage.ManagementPolicy):
    declare_type(_child)
# A container holds the data: outside dev it is protected, and the account's CanNotDelete lock covers it,
# as a lock applies to every child resource of its scope (Microsoft Learn, "Lock your resources to
# protect your infrastructure"), so it needs no lock of its own.
declare_type(storage.BlobContainer, stateful=True)


@dataclass(frozen=True)
class ResourceInstanceAccess:
    """One Azure resource admitted to the account's public endpoint by its identity, not its network.

    A resource-instance rule names one resource by tenant id and full resource id (no wildcards here);
    the resource's role assignments still decide what it may read. The rule is matched against the
    caller's id, so it may name a resource that a later step of the same deployment creates: the
    reference lakes even list wildcard ids that name no resource at all
    (Azure/data-landing-zone on GitHub, ``infra/modules/services/storage.bicep``).
    """

    tenant_id: pulumi.Input[str]
    resource_id: pulumi.Input[str]


@dataclass(frozen=True)
class AddressAdmission:
    """Public IPv4 addresses or ranges a service delivers from, admitted by IP rule, and why.

    For a service that can reach the lake by neither a private endpoint nor a resource-instance rule:
    Microsoft Graph Data Connect's copy delivers from an Azure integration runtime outside any managed
    VNet, as a service principal, and "requires you to allow list IP addresses" (Microsoft Learn,
    "Managed private endpoints in Microsoft Graph Data Connect", learn.microsoft.com/graph/
    managed-private-endpoints-overview).
    """

    addresses: tuple[str, ...]
    reason: str


# Each admitted address set and why, so the plan accepts exactly these rules and nothing broader.
_ADMITTED_ADDRESSES: dict[frozenset[str], str] = {}


def network_access(
    admitted: Sequence[ResourceInstanceAccess], addresses: AddressAdmission | None = None
) -> tuple[str, dict[str, Any]]:
    """``publicNetworkAccess`` and the network rule set for a lake that admits ``admitted``.

    Without admitted instances the public endpoint is off and every consumer arrives over a (managed)
    private endpoint. Serverless SQL (also behind Power BI) and Purview scans cannot: they "use
    multi-tenant infrastructure that is not deployed into the managed virtual network" and reach storage
    through its public endpoint, admitted only by resource-instance rules, which Azure evaluates only
    while public access is enabled from selected networks (MicrosoftDocs azure-docs,
    synapse-analytics/security/connect-to-a-secure-storage-account.md and
    storage/common/storage-network-security-resource-instances.md). The endpoint then still denies by
    default, has no IP or VNet rule, and lets no trusted service bypass it beyond logs and metrics.
    """
    # No trusted-service bypass: AzureServices would admit every instance of every trusted service.
    rules: dict[str, Any] = {"default_action": "Deny", "bypass": LAKE_BYPASS}
    if not admitted and not (addresses and addresses.addresses):
        return "Disabled", rules
    ip_rules = []
    if addresses is not None and addresses.addresses:
        _ADMITTED_ADDRESSES[frozenset(addresses.addresses)] = addresses.reason
        ip_rules = [{"i_p_address_or_range": address, "action": "Allow"} for address in addresses.addresses]
    rules.update(
        ip_rules=ip_rules,
        virtual_network_rules=[],
        resource_access_rules=[
            {"tenant_id": instance.tenant_id, "resource_id": instance.resource_id} for instance in admitted
        ],
    )
    return "Enabled", rules


def admits_only_resource_instances(inputs: Mapping[str, Any]) -> str | None:
    """Why a lake's enabled public endpoint is accepted, or ``None`` when it admits more than
    ``network_access`` would: default Allow, a trusted-services bypass, IP or VNet rules, or a
    wildcard or tenant-less instance stay a high finding."""
    rules = inputs.get("networkRuleSet") or {}
    admitted = rules.get("resourceAccessRules") or []
    if inputs.get("publicNetworkAccess") != "Enabled" or rules.get("defaultAction") != "Deny":
        return None
    # Azure bypasses for trusted services when no bypass is given.
    if "AzureServices" in str(rules.get("bypass", "AzureServices")):
        return None
    addresses = frozenset(str(rule.get("iPAddressOrRange")) for rule in rules.get("ipRules") or [])
    if addresses and addresses not in _ADMITTED_ADDRESSES:
        return None
    if rules.get("virtualNetworkRules") or not (admitted or addresses):
        return None
    if any("*" in str(rule.get("resourceId", "*")) or not rule.get("tenantId") for rule in admitted):
        return None
    reasons = []
    if admitted:
        ids = [str(rule["resourceId"]) for rule in admitted]
        kinds = sorted({"/".join(i.split("/")[-3:-1]) if i.startswith("/") else "unknown until deployed" for i in ids})
        reasons.append(
            f"public endpoint admits only {len(ids)} resource instance(s) ({', '.join(kinds)}): serverless SQL "
            "and Purview scans do not run in a managed VNet (connect-to-a-secure-storage-account.md)"
        )
    if addresses:
        reasons.append(f"it admits {len(addresses)} IP rule(s): {_ADMITTED_ADDRESSES[addresses]}")
    return "; ".join(reasons)


accept_finding(storage.StorageAccount, rule="public-network-access", reason=admits_only_resource_instances)


def _no_trusted_service_bypass(inputs: Mapping[str, Any]) -> str | None:
    """Why a lake lets no trusted service bypass its network rules, or ``None`` for other accounts."""
    rules = inputs.get("networkRuleSet") or {}
    if rules.get("bypass") != LAKE_BYPASS or rules.get("defaultAction") != "Deny":
        return None
    return (
        "no trusted-service bypass: every consumer reaches the lake over a private endpoint or a "
        "resource-instance rule, and AzureServices would admit every instance of every trusted service"
    )


accept_finding(storage.StorageAccount, rule="trusted-services", reason=_no_trusted_service_bypass)


@dataclass
class DataLakeArgs:
    baseline: ServiceBaseline
    # Short and stable: it is part of the account's globally unique name (raw, encur, work, ext).
    purpose: str
    # ADLS Gen2 for the analytics layers; the external drop account is plain blob storage.
    hierarchical_namespace: bool = True
    sku: str = "Standard_ZRS"
    containers: Sequence[str] = ()
    cool_after_days: int = 90
    archive_after_days: int = 365
    soft_delete_days: int = 14
    # Services that only reach storage through its public endpoint (see ``network_access``).
    resource_instances: Sequence[ResourceInstanceAccess] = ()
    # A service that reaches it only from public addresses (see ``AddressAdmission``).
    addresses: AddressAdmission | None = None
    # The zone's key; None keeps Microsoft-managed keys.
    customer_managed_key: CustomerManagedKey | None = None


def encryption(key: CustomerManagedKey | None) -> dict[str, Any]:
    """The account's ``encryption``: infrastructure encryption always, and the zone's key when given.

    With a key, the account wraps its data keys with it through the zone's user-assigned identity, and
    names the key without a version so it follows the key's rotation (Microsoft Learn, "Configure
    customer-managed keys in the same tenant for a new storage account": ``keySource``
    ``Microsoft.Keyvault``, ``keyVaultProperties`` without ``keyVersion``, ``identity.userAssignedIdentity``).
    """
    settings: dict[str, Any] = {
        "key_source": "Microsoft.Storage",
        "require_infrastructure_encryption": True,
        "services": {
            "blob": {"enabled": True, "key_type": "Account"},
            "file": {"enabled": True, "key_type": "Account"},
        },
    }
    if key is not None:
        settings.update(
            key_source="Microsoft.Keyvault",
            key_vault_properties={"key_name": key.key_name, "key_vault_uri": key.vault_uri},
            encryption_identity={"encryption_user_assigned_identity": key.identity_id},
        )
    return settings


def lifecycle_rule(args: DataLakeArgs) -> dict[str, Any]:
    """Tier blobs to Cool, then to the coldest tier the account's redundancy offers, by age."""
    # On zone-redundant accounts the Cold tier (online, like Cool but cheaper to keep) replaces Archive.
    coldest = "tier_to_cold" if args.sku in ZONE_REDUNDANT_SKUS else "tier_to_archive"
    actions: dict[str, Any] = {
        "base_blob": {
            "tier_to_cool": {"days_after_modification_greater_than": args.cool_after_days},
            coldest: {"days_after_modification_greater_than": args.archive_after_days},
        },
        "snapshot": {
            "tier_to_cool": {"days_after_creation_greater_than": args.cool_after_days},
            coldest: {"days_after_creation_greater_than": args.archive_after_days},
        },
    }
    if not args.hierarchical_namespace:
        # Only a flat namespace keeps versions (see the blob service below).
        actions["version"] = {
            "tier_to_cool": {"days_after_creation_greater_than": args.cool_after_days},
            coldest: {"days_after_creation_greater_than": args.archive_after_days},
        }
    return {
        "name": "tier-by-age",
        "type": "Lifecycle",
        "enabled": True,
        "definition": {"filters": {"blob_types": ["blockBlob"]}, "actions": actions},
    }


def secure_storage_services(
    component: SecureComponent,
    account: storage.StorageAccount,
    *,
    logical_name: str,
    services: Sequence[str],
    after: Sequence[pulumi.CustomResource] = (),
) -> None:
    """Logs and transactions of the account's blob or file service: Azure Monitor has them on each
    service sub-resource, not on the account, so each gets its own diagnostic setting."""
    for service in services:
        component._secure_sub_resource(
            account,
            logical_name=f"{logical_name}-{service}",
            diagnostics=STORAGE_SERVICE,
            sub_resource=f"{service}Services/default",
            after=after,
        )


class DataLake(SecureComponent):
    def __init__(self, name: str, args: DataLakeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cloudscale:storage:DataLake", name, args.baseline, opts)
        self.account_name = args.baseline.namer.name("storage_account", args.purpose)
        self.hierarchical_namespace = args.hierarchical_namespace
        self._create_account(name, args)
        self.id: pulumi.Output[str] = self.account.id
        self.dfs_endpoint: pulumi.Output[str] = self.account.primary_endpoints.dfs
        self.blob_endpoint: pulumi.Output[str] = self.account.primary_endpoints.blob
        self._configure_blob_service(name, args)
        self._create_containers(name, args)
        self._secure(
            self.account,
            logical_name=f"{name}-account",
            purpose=args.purpose,
            group_ids=["blob", "dfs"] if args.hierarchical_namespace else ["blob"],
            diagnostics=STORAGE_ACCOUNT,
        )
        # Waiting for the blob service properties keeps the two writes to blobServices/default apart.
        # The setting keeps the logical name it was first deployed with (``<lake>-blob-service-diag``): a
        # new one would make Pulumi create the replacement, then delete the old one, and both have the same
        # Azure name on the same scope, so that delete would remove the setting just written.
        self._secure_sub_resource(
            self.account,
            logical_name=f"{name}-blob-service",
            diagnostics=STORAGE_SERVICE,
            sub_resource="blobServices/default",
            after=(self.blob_service,),
        )
        self.register_outputs(
            {
                "id": self.id,
                "account_name": self.account_name,
                "dfs_endpoint": self.dfs_endpoint,
                "containers": list(self.containers),
            }
        )

    def _create_account(self, name: str, args: DataLakeArgs) -> None:
        b = args.baseline
        public_network_access, network_rule_set = network_access(args.resource_instances, args.addresses)
        self._grants: dict[tuple[BuiltInRole, str, str], authorization.RoleAssignment] = {}
        key = args.customer_managed_key
        identity = self._identity()
        if key is not None:
            identity = {"type": "SystemAssigned,UserAssigned", "user_assigned_identities": [key.identity_id]}
        self.account = storage.StorageAccount(
            f"{name}-account",
            account_name=self.account_name,
            resource_group_name=b.resource_group_name,
            location=b.location,
            kind="StorageV2",
            sku={"name": args.sku},
            access_tier="Hot",
            is_hns_enabled=args.hierarchical_namespace,
            identity=identity,
            allow_shared_key_access=False,
            default_to_o_auth_authentication=True,
            allow_blob_public_access=False,
            allow_cross_tenant_replication=False,
            # Server-side copies may only come from accounts reached over private link.
            allowed_copy_scope="PrivateLink",
            public_network_access=public_network_access,
            minimum_tls_version="TLS1_2",
            enable_https_traffic_only=True,
            is_local_user_enabled=False,
            is_sftp_enabled=False,
            enable_nfs_v3=False,
            network_rule_set=network_rule_set,
            encryption=encryption(key),
            tags=self._tags,
            # The account must not ask for the key before its identity may use it.
            opts=self._child_opts(stateful=True, depends_on=key.ready if key else ()),
        )

    def _configure_blob_service(self, name: str, args: DataLakeArgs) -> None:
        """Soft delete (and, on flat accounts, versioning), then the lifecycle policy."""
        b = args.baseline
        recovery: dict[str, Any] = {
            "delete_retention_policy": {"enabled": True, "days": args.soft_delete_days},
            "container_delete_retention_policy": {"enabled": True, "days": args.soft_delete_days},
        }
        if not args.hierarchical_namespace:
            # Versioning and the change feed are not supported with a hierarchical namespace, so only
            # the flat external account gets them; the HNS layers rely on blob and container soft delete.
            recovery["is_versioning_enabled"] = True
            recovery["change_feed"] = {"enabled": True, "retention_in_days": args.soft_delete_days}
        self.blob_service = storage.BlobServiceProperties(
            f"{name}-blob-service",
            account_name=self.account.name,
            resource_group_name=b.resource_group_name,
            blob_services_name="default",
            **recovery,
            opts=self._child_opts(),
        )
        self.lifecycle = storage.ManagementPolicy(
            f"{name}-lifecycle",
            account_name=self.account.name,
            resource_group_name=b.resource_group_name,
            management_policy_name="default",
            policy={"rules": [lifecycle_rule(args)]},
            # Storage writes the account's settings one at a time under an exclusive lock; a second one
            # meanwhile fails with 409 StorageAccountOperationInProgress (Microsoft Learn, Storage
            # Resource Provider error codes).
            opts=self._child_opts(depends_on=[self.blob_service]),
        )

    def _create_containers(self, name: str, args: DataLakeArgs) -> None:
        self.containers: dict[str, storage.BlobContainer] = {
            container: storage.BlobContainer(
                f"{name}-{container}",
                container_name=container,
                account_name=self.account.name,
                resource_group_name=args.baseline.resource_group_name,
                public_access="None",
                opts=self._child_opts(stateful=True),
            )
            for container in args.containers
        }

    def _scope(self, container: str | None) -> tuple[pulumi.CustomResource, str]:
        if container is None:
            return self.account, "account"
        if container not in self.containers:
            raise KeyError(f"{self.account_name} has no container {container!r}; it has {', '.join(self.containers)}")
        return self.containers[container], container

    def grant_read(self, principal: Principal, container: str | None = None) -> authorization.RoleAssignment:
        """Storage Blob Data Reader on one container, or on the whole account when none is named."""
        return self._grant(BuiltInRole.STORAGE_BLOB_DATA_READER, principal, container)

    def grant_write(self, principal: Principal, container: str | None = None) -> authorization.RoleAssignment:
        """Storage Blob Data Contributor on one container, or on the whole account when none is named."""
        return self._grant(BuiltInRole.STORAGE_BLOB_DATA_CONTRIBUTOR, principal, container)

    def _grant(self, role: BuiltInRole, principal: Principal, container: str | None) -> authorization.RoleAssignment:
        resource, label = self._scope(container)
        # Idempotent: Azure rejects a second assignment of one role to one principal at one scope
        # (RoleAssignmentExists), and grants by intent may be asked for by more than one caller.
        key = (role, principal.key, label)
        if key not in self._grants:
            self._grants[key] = self._grant_on(
                resource, logical_name=f"{self._name}-{label}", role=role, principal=principal, under=self.account
            )
        return self._grants[key]
