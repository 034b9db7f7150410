"""Key Vault with RBAC, no public network path, and purge protection wherever the baseline keeps it."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import authorization, keyvault

from cloudscale.components.baseline import LOGS_AND_METRICS, Principal, SecureComponent, ServiceBaseline
from cloudscale.components.baseline.type_facts import (
    SecurityRule,
    accept_finding,
    declare_type,
    public_network_access_disabled,
    tag,
)
from cloudscale.components.core.roles import BuiltInRole

declare_type(
    keyvault.Vault,
    rules=(
        public_network_access_disabled("properties.publicNetworkAccess"),
        SecurityRule(
            "purge-protection", "properties.enablePurgeProtection", lambda v: v is True, "purge protection is off"
        ),
        # The platform's promise is that a private endpoint is the only way in (the lakes, Cosmos DB,
        # Synapse and the registry grant no bypass); AzureServices admits every trusted service.
        SecurityRule(
            "trusted-services-bypass",
            "properties.networkAcls.bypass",
            lambda v: v == "None",
            "trusted Microsoft services bypass the network rules",
            severity="medium",
        ),
    ),
    diagnosable=True,
    stateful=True,
    # (Microsoft Learn, "Azure Private Endpoint private DNS zone values")
    private_link={"vault": ("privatelink.vaultcore.azure.net",)},
    computed_outputs=lambda vault: {
        "properties": {**vault.inputs.get("properties", {}), "vaultUri": f"https://{vault.name}.vault.azure.net/"}
    },
)
# Dev's vaults are created without purge protection on purpose, by cloudscale:softDelete.purgeProtection.
# The Environment tag is a platform tag no user tag overrides; in tst and prd the finding stays high.
accept_finding(
    keyvault.Vault,
    rule="purge-protection",
    reason="dev creates its vaults without purge protection (cloudscale:softDelete.purgeProtection) so a destroyed "
    "dev platform can be purged and recreated under the same names; tst and prd keep it",
    when=lambda inputs: tag(inputs, "Environment") == "dev",
)


# Purview reads its scan credentials from the governance vault, Azure ML its workspace's secrets, and
# services that encrypt with a customer-managed key read their key, as trusted services (Microsoft
# Learn, "Network security for Azure Key Vault": trusted services list; customer-managed keys require
# "allow trusted Microsoft services").
accept_finding(
    keyvault.Vault,
    rule="trusted-services-bypass",
    reason="services that read the vault on a resource's behalf (Purview's scan credentials, Azure ML's workspace, "
    "customer-managed keys) reach it as trusted Microsoft services, not over the private endpoint; RBAC still "
    "decides what each may read",
    when=lambda inputs: inputs.get("properties", {}).get("networkAcls", {}).get("bypass") == "AzureServices",
)


@dataclass
class KeyVaultArgs:
    baseline: ServiceBaseline
    tenant_id: pulumi.Input[str]
    purpose: str = "kv"
    soft_delete_retention_days: int = 90
    sku: str = "standard"


class KeyVault(SecureComponent):
    def __init__(self, name: str, args: KeyVaultArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cloudscale:security:KeyVault", name, args.baseline, opts)
        b = args.baseline
        self.vault_name = b.namer.name("key_vault", args.purpose)
        self.vault = keyvault.Vault(
            f"{name}-vault",
            vault_name=self.vault_name,
            resource_group_name=b.resource_group_name,
            location=b.location,
            properties={
                "tenant_id": args.tenant_id,
                "sku": {"family": "A", "name": args.sku},
                "enable_rbac_authorization": True,
                "enable_soft_delete": True,
                "soft_delete_retention_in_days": args.soft_delete_retention_days,
                # Purge protection and create mode come from the baseline's soft-delete policy: see
                # components/baseline/soft_delete.py for what Azure does with a deleted vault's name.
                **b.soft_delete.key_vault_properties(),
                "public_network_access": "Disabled",
                "network_acls": {"default_action": "Deny", "bypass": "AzureServices"},
                "enabled_for_deployment": False,
                "enabled_for_disk_encryption": False,
                "enabled_for_template_deployment": False,
            },
            tags=self._tags,
            # The create mode only matters on create; a later switch back to "default" is not a change.
            opts=self._child_opts(stateful=True, ignore_changes=["properties.createMode"]),
        )
        self.id: pulumi.Output[str] = self.vault.id
        # https://<name>.vault.azure.net/, which Azure returns once the vault exists.
        self.uri: pulumi.Output[str] = self.vault.properties.vault_uri
        created = self._secure(
            self.vault,
            logical_name=f"{name}-vault",
            purpose=args.purpose,
            group_ids=["vault"],
            diagnostics=LOGS_AND_METRICS,
        )
        # A data-plane call (a key's rotation policy) reaches the vault only through its endpoint, once
        # the vault's name resolves to it.
        self.reachable: list[pulumi.Resource] = [created[kind] for kind in ("pe:vault", "dns:vault") if kind in created]
        self.register_outputs({"id": self.id, "vault_name": self.vault_name})

    def grant_secrets_read(self, principal: Principal) -> authorization.RoleAssignment:
        """Key Vault Secrets User on this vault: read secret values, nothing else (no keys, no certificates)."""
        return self._grant_on(
            self.vault, logical_name=f"{self._name}-vault", role=BuiltInRole.KEY_VAULT_SECRETS_USER, principal=principal
        )

    def grant_secrets_manage(self, principal: Principal) -> authorization.RoleAssignment:
        """Key Vault Secrets Officer on this vault: create, rotate and delete secrets (an operator or a
        rotation job), still without access to keys or certificates."""
        return self._grant_on(
            self.vault,
            logical_name=f"{self._name}-vault",
            role=BuiltInRole.KEY_VAULT_SECRETS_OFFICER,
            principal=principal,
        )
