"""A landing zone's customer-managed key: a rotating Key Vault key and the identity its services use it with.

The zone's lakes, Cosmos DB account, SQL server (TDE protector) and Synapse workspace encrypt their
data keys with this one key, each through one user-assigned identity that holds "Key Vault Crypto
Service Encryption User" on the key alone. A user-assigned identity, not each service's own: it exists
before the services do, so they are created encrypted (Cosmos DB and a Synapse workspace cannot switch
to a customer-managed key later without a new account or an activation step; Microsoft Learn,
"Configure customer-managed keys for your Azure Cosmos DB account" and "Encryption for Azure Synapse
Analytics workspaces": a workspace whose key identity is user-assigned needs no activation).

Services name the key without a version, so each picks up the version Key Vault's rotation policy
creates (Microsoft Learn, "Configure cryptographic key auto-rotation in Azure Key Vault"; storage,
Cosmos DB and SQL TDE document automatic key version updates for versionless key URIs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_azure_native import keyvault

from cloudscale.components.baseline import SecureComponent, ServiceBaseline, user_assigned_identity
from cloudscale.components.baseline.type_facts import SecurityRule, declare_type
from cloudscale.components.core.roles import BuiltInRole

# RSA 3072: stronger than the 2048 default, and the largest size every consumer takes. SQL TDE and
# Synapse accept RSA keys of 2048 and 3072 bits only (Microsoft Learn, "Azure SQL transparent data
# encryption with customer-managed key": requirements for configuring the TDE protector).
KEY_SIZE = 3072
# What Key Vault creates for RSA keys (Microsoft Learn, "About keys": RSA 2048, 3072 and 4096); a service
# that takes fewer sizes gets a key of its own size (Azure Data Explorer takes only 2048).
RSA_KEY_SIZES = (2048, 3072, 4096)
# Each version lives a year; a new one is made after eleven months, and the vault's event grid
# notification fires a month before expiry in case rotation failed (Microsoft Learn, "Configure
# cryptographic key auto-rotation in Azure Key Vault": the expiry must be at least 28 days and
# rotation at least 7 days before it).
KEY_EXPIRY = "P1Y"
ROTATE_AFTER = "P11M"
NOTIFY_BEFORE_EXPIRY = "P30D"
# Only what wrapping a data encryption key needs.
KEY_OPERATIONS = ("wrapKey", "unwrapKey")


def _rotates(actions: Any) -> bool:
    return isinstance(actions, list) and any(
        isinstance(a, Mapping) and (a.get("action") or {}).get("type") == "rotate" for a in actions
    )


def _key_uri(key: Mapping[str, Any]) -> str:
    return f"https://{key.get('vaultName')}.vault.azure.net/keys/{key.get('keyName')}"


declare_type(
    keyvault.Key,
    rules=(
        SecurityRule(
            "key-rotation",
            "properties.rotationPolicy.lifetimeActions",
            _rotates,
            "the key has no rotation policy that rotates it",
        ),
    ),
    computed_outputs=lambda key: {
        "keyUri": _key_uri(key.inputs),
        "keyUriWithVersion": f"{_key_uri(key.inputs)}/{key.guid('version').replace('-', '')}",
    },
    # Deleting the key makes everything it encrypts unreadable: it is protected like the data itself.
    stateful=True,
)


@dataclass(frozen=True)
class CustomerManagedKey:
    """What a service needs to encrypt with the zone's key."""

    key_name: str
    # https://<vault>.vault.azure.net/
    vault_uri: pulumi.Output[str]
    # https://<vault>.vault.azure.net/keys/<name>, without a version, so rotation needs no change here.
    key_uri: pulumi.Output[str]
    identity_id: pulumi.Output[str]
    # The identity's role on the key: a service created before it exists cannot reach the key.
    ready: Sequence[pulumi.Resource]
    key_size: int = KEY_SIZE


@dataclass
class EncryptionKeyArgs:
    baseline: ServiceBaseline
    # The zone's vault, which must have soft delete and purge protection (checked in the config).
    vault_name: pulumi.Input[str]
    vault_uri: pulumi.Input[str]
    purpose: str = "data"
    key_size: int = KEY_SIZE


class EncryptionKey(SecureComponent):
    def __init__(self, name: str, args: EncryptionKeyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        if args.key_size not in RSA_KEY_SIZES:
            raise ValueError(f"{name}: key_size {args.key_size} is not an RSA size Key Vault creates ({RSA_KEY_SIZES})")
        super().__init__("cloudscale:security:EncryptionKey", name, args.baseline, opts)
        b = args.baseline
        self.key_name = b.namer.name("key_vault_key", args.purpose)
        self.key = keyvault.Key(
            f"{name}-key",
            key_name=self.key_name,
            vault_name=args.vault_name,
            resource_group_name=b.resource_group_name,
            properties={
                "kty": "RSA",
                "key_size": args.key_size,
                "key_ops": list(KEY_OPERATIONS),
                "attributes": {"enabled": True, "exportable": False},
                "rotation_policy": {
                    "attributes": {"expiry_time": KEY_EXPIRY},
                    "lifetime_actions": [
                        {"action": {"type": "rotate"}, "trigger": {"time_after_create": ROTATE_AFTER}},
                        {"action": {"type": "notify"}, "trigger": {"time_before_expiry": NOTIFY_BEFORE_EXPIRY}},
                    ],
                },
            },
            tags=self._tags,
            # The vault's delete lock covers its keys; ``protect`` keeps Pulumi from deleting this one.
            opts=self._child_opts(stateful=True),
        )
        self.identity_resource, principal = user_assigned_identity(
            self,
            f"{name}-identity",
            identity_name=b.namer.name("user_assigned_identity", args.purpose),
            resource_group_name=b.resource_group_name,
            location=b.location,
            tags=b.tags,
        )
        # Scoped to the key, not the vault: the identity can wrap and unwrap with this key and nothing else.
        grant = self._grant_on(
            self.key,
            logical_name=f"{name}-key",
            role=BuiltInRole.KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER,
            principal=principal,
        )
        self.customer_managed_key = CustomerManagedKey(
            key_name=self.key_name,
            vault_uri=pulumi.Output.from_input(args.vault_uri),
            key_uri=self.key.key_uri,
            identity_id=self.identity_resource.id,
            ready=(grant,),
            key_size=args.key_size,
        )
        self.register_outputs({"key_uri": self.key.key_uri, "identity_id": self.identity_resource.id})
