"""A landing zone's customer-managed key: a rotating Key Vault key and the identity its services use it with.

The zone's lakes, Cosmos DB account and SQL server (TDE protector) encrypt their data keys with this one
key through one user-assigned identity that holds "Key Vault Crypto Service Encryption User" on the key
alone. A user-assigned identity, not each service's own: it exists before the services do, so they are
created encrypted (a Cosmos DB account cannot switch to a customer-managed key later without a new
account; Microsoft Learn, "Configure customer-managed keys for your Azure Cosmos DB account"). The
Synapse workspace is the exception: behind the vault's firewall it must use its own system-assigned
identity, granted here through ``grant_use`` once the workspace exists (components/synapse_workspace.py).

Storage, Cosmos DB and SQL name the key without a version and pick up each version Key Vault's rotation
policy creates (Microsoft Learn, "Configure cryptographic key auto-rotation in Azure Key Vault"; storage,
Cosmos DB and SQL TDE document automatic key version updates for versionless key URIs). Synapse does not
re-encrypt with new versions; the lifecycle keeps old versions usable for it (docs/production.md, "Rotation").
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_azure_native import authorization, keyvault

from cloudscale.components.baseline import Principal, SecureComponent, ServiceBaseline, user_assigned_identity
from cloudscale.components.baseline.type_facts import SecurityRule, declare_type
from cloudscale.components.core.roles import BuiltInRole
from cloudscale.components.key_rotation import KeyRotationPolicy, KeyRotationPolicyArgs, expiry_after

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


def _first_expiry() -> int:
    """When the first version expires, in seconds since the epoch: ``KEY_EXPIRY`` from now. Read on create
    only (the key ignores later changes to it), so a plan made a day later does not propose a change."""
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    return int(expiry_after(now, KEY_EXPIRY).timestamp())


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
        # The rotation policy's expiryTime applies to the versions it creates; the first version needs an
        # expiry of its own (Checkov CKV_AZURE_40; Azure Policy "Key Vault keys should have an expiration
        # date", 152b15f7-8e1f-4c1f-ab71-8c010ba5dbc0).
        SecurityRule(
            "key-expiry",
            "properties.attributes.expires",
            lambda v: isinstance(v, (int, float)) and v > 0,
            "the key's first version never expires",
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
    # Grants on the key to a service's own identity (Synapse's system-assigned one).
    grant_use: Callable[[str, Principal], authorization.RoleAssignment]
    key_size: int = KEY_SIZE
    # Whether the key is RSA-HSM: a second key a service needs in the zone's vault follows the zone's.
    hsm: bool = False


@dataclass
class EncryptionKeyArgs:
    baseline: ServiceBaseline
    # The zone's vault, which must have soft delete and purge protection (checked in the config), and
    # a Premium SKU for an HSM-backed key.
    vault_name: pulumi.Input[str]
    vault_uri: pulumi.Input[str]
    purpose: str = "data"
    # RSA-HSM (the key never leaves the vault's HSMs) instead of a software-protected RSA key.
    hsm: bool = False
    # What a data-plane call to the vault waits for: its private endpoint and that endpoint's DNS zone group.
    vault_reachable: Sequence[pulumi.Resource] = ()
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
                "kty": "RSA-HSM" if args.hsm else "RSA",
                "key_size": args.key_size,
                "key_ops": list(KEY_OPERATIONS),
                # The first version expires like every later one (the rotation policy's expiryTime applies
                # only to versions it creates).
                "attributes": {"enabled": True, "exportable": False, "expires": _first_expiry()},
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
            # ARM creates a key only if none exists and never updates one, so what changes later, the
            # rotation policy and the expiry, is written by ``self.rotation`` instead.
            opts=self._child_opts(
                stateful=True, ignore_changes=["properties.rotationPolicy", "properties.attributes.expires"]
            ),
        )
        self.rotation = self._keep_lifecycle(name, args)
        self.identity_resource, principal = user_assigned_identity(
            self,
            f"{name}-identity",
            identity_name=b.namer.name("user_assigned_identity", args.purpose),
            resource_group_name=b.resource_group_name,
            location=b.location,
            tags=b.tags,
        )
        grant = self.grant_use(f"{name}-key", principal)
        self.customer_managed_key = CustomerManagedKey(
            key_name=self.key_name,
            vault_uri=pulumi.Output.from_input(args.vault_uri),
            key_uri=self.key.key_uri,
            identity_id=self.identity_resource.id,
            ready=(grant,),
            grant_use=self.grant_use,
            key_size=args.key_size,
            hsm=args.hsm,
        )
        self.register_outputs({"key_uri": self.key.key_uri, "identity_id": self.identity_resource.id})

    def _keep_lifecycle(self, name: str, args: EncryptionKeyArgs) -> KeyRotationPolicy:
        """The rotation policy and the current version's expiry, written through the vault's data plane."""
        return KeyRotationPolicy(
            f"{name}-rotation",
            KeyRotationPolicyArgs(
                vault_url=args.vault_uri,
                key_name=self.key.name,
                expiry_time=KEY_EXPIRY,
                rotate_after=ROTATE_AFTER,
                notify_before_expiry=NOTIFY_BEFORE_EXPIRY,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.vault_reachable) or None),
        )

    def grant_use(self, logical_name: str, principal: Principal) -> authorization.RoleAssignment:
        """Wrap and unwrap with this key and nothing else: scoped to the key, not the vault."""
        return self._grant_on(
            self.key,
            logical_name=logical_name,
            role=BuiltInRole.KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER,
            principal=principal,
        )
