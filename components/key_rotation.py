"""A customer-managed key's lifecycle, kept in line with the program through Key Vault's data plane.

azure-native's ``keyvault.Key`` is ARM's ``Keys - Create If Not Exist``: "Creates the first version
of a new key if it does not exist. If it already exists, then the existing key is returned without any
write operations being performed" (Microsoft Learn, REST API Key Vault management, "Keys - Create If
Not Exist"). A rotation policy or an expiry changed in the program after the key exists would
therefore never reach Azure. This resource owns both through the key's data plane, with
``azure-keyvault-keys``: it writes the rotation policy (``update_key_rotation_policy``) and gives the
key's current version an expiry (``update_key_properties``), on create and on every update, so a
changed policy or lifetime is applied on the next ``pulumi up``, and a key created without an expiry
gets one. The rotation policy's ``expiryTime`` applies to versions created after it; the version in
use expires ``expiry_time`` after it was created (Microsoft Learn, "Configure cryptographic key
auto-rotation in Azure Key Vault").

Like the other dynamic providers it holds no state: credentials and client options are read per call
from the module-level ``settings``, which tests replace to point at a local fake of the vault.
The vault is private, so ``pulumi up`` runs from a network that reaches its private endpoint.
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi.dynamic
from azure.core.exceptions import AzureError

from cloudscale.components.baseline.type_facts import declare_type
from cloudscale.components.core.credentials import closing_credential, default_credential

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.keyvault.keys import KeyClient

__all__ = [
    "KeyRotationPolicy",
    "KeyRotationPolicyArgs",
    "KeyRotationPolicyError",
    "RotationPolicyProvider",
    "duration",
    "settings",
]

TOKEN = "pulumi-python:dynamic/keyvault:KeyRotationPolicy"
_DURATION = re.compile(r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<days>\d+)D)?$")


class KeyRotationPolicyError(RuntimeError):
    """A key lifecycle step failed; the message names vault, key and step."""


@dataclass
class VaultSettings:
    credential_factory: Callable[[], TokenCredential] = default_credential
    client_kwargs: dict[str, Any] = field(default_factory=dict)


settings = VaultSettings()


def duration(text: str) -> tuple[int, int, int]:
    """(years, months, days) of an ISO 8601 duration as Key Vault's rotation policies take them (P1Y, P11M,
    P30D, P1Y6M); anything else is refused, naming the value."""
    match = _DURATION.match(text)
    if not match or text == "P":
        raise ValueError(f"{text!r} is not a duration of years, months and days such as P1Y, P11M or P30D")
    return int(match["years"] or 0), int(match["months"] or 0), int(match["days"] or 0)


def expiry_after(created: datetime.datetime, lifetime: str) -> datetime.datetime:
    """``created`` plus ``lifetime``, calendar months and years as Key Vault counts them."""
    years, months, days = duration(lifetime)
    month = created.month - 1 + months + 12 * years
    year, month = created.year + month // 12, month % 12 + 1
    # The 31st of a month that has no 31st becomes the last day of that month.
    day = min(created.day, calendar.monthrange(year, month)[1])
    return created.replace(year=year, month=month, day=day) + datetime.timedelta(days=days)


@contextmanager
def _client(vault_url: str) -> Iterator[KeyClient]:
    # Imported by the provider when it calls the vault: a program that only declares resources (every
    # preview and ``cloudscale plan``) does not load the Key Vault SDK.
    from azure.keyvault.keys import KeyClient

    with (
        closing_credential(settings.credential_factory) as credential,
        KeyClient(vault_url, credential, **settings.client_kwargs) as client,
    ):
        yield client


@contextmanager
def _step(props: dict[str, Any], step: str) -> Iterator[None]:
    try:
        yield
    except AzureError as exc:
        raise KeyRotationPolicyError(
            f"Key Vault {props['vault_url']}: cannot {step} of key '{props['key_name']}': {exc}"
        ) from exc


class RotationPolicyProvider(pulumi.dynamic.ResourceProvider):
    REPLACE_KEYS = ("vault_url", "key_name")
    POLICY_KEYS = ("expiry_time", "rotate_after", "notify_before_expiry")

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        return pulumi.dynamic.CreateResult(
            id_=f"{props['vault_url'].rstrip('/')}/keys/{props['key_name']}", outs=self._apply(props)
        )

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        return pulumi.dynamic.UpdateResult(outs=self._apply(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        replaces = [key for key in self.REPLACE_KEYS if olds.get(key) != news.get(key)]
        changed = [key for key in self.POLICY_KEYS if olds.get(key) != news.get(key)]
        return pulumi.dynamic.DiffResult(changes=bool(replaces or changed), replaces=replaces)

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        with _client(props["vault_url"]) as client, _step(props, "read the rotation policy"):
            policy = client.get_key_rotation_policy(props["key_name"])
            key = client.get_key(props["key_name"])
        # The service spells the action types as it likes ("Rotate", "rotate"); the SDK keeps its spelling.
        triggers = {str(getattr(a.action, "value", a.action)).lower(): a for a in policy.lifetime_actions}
        rotate, notify = triggers.get("rotate"), triggers.get("notify")
        outs = {
            **props,
            "expiry_time": policy.expires_in,
            "rotate_after": rotate.time_after_create if rotate else None,
            "notify_before_expiry": notify.time_before_expiry if notify else None,
            **_version(key),
        }
        return pulumi.dynamic.ReadResult(id_=id_, outs=outs)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to undo: a key always has a rotation policy, and the key outlives this resource (it is
        protected and sits under its vault's lock), so it keeps the last policy it was given."""

    def _apply(self, props: dict[str, Any]) -> dict[str, Any]:
        from azure.keyvault.keys import KeyRotationLifetimeAction, KeyRotationPolicyAction
        from azure.keyvault.keys import KeyRotationPolicy as Policy

        name, lifetime = props["key_name"], props["expiry_time"]
        policy = Policy(
            expires_in=lifetime,
            lifetime_actions=[
                KeyRotationLifetimeAction(KeyRotationPolicyAction.rotate, time_after_create=props["rotate_after"]),
                KeyRotationLifetimeAction(
                    KeyRotationPolicyAction.notify, time_before_expiry=props["notify_before_expiry"]
                ),
            ],
        )
        with _client(props["vault_url"]) as client:
            with _step(props, "write the rotation policy"):
                client.update_key_rotation_policy(name, policy)
            with _step(props, "read the current version"):
                key = client.get_key(name)
            created = key.properties.created_on
            if created is not None:
                expires = expiry_after(created, lifetime)
                if key.properties.expires_on != expires:
                    with _step(props, "set the expiry of the current version"):
                        key = client.update_key_properties(name, key.properties.version, expires_on=expires)
        return {**_outputs(props), **_version(key)}


def _version(key: Any) -> dict[str, Any]:
    expires = key.properties.expires_on
    return {"version": key.properties.version, "expires_on": expires.isoformat() if expires else None}


def _outputs(props: dict[str, Any]) -> dict[str, Any]:
    return {key: props.get(key) for key in (*RotationPolicyProvider.REPLACE_KEYS, *RotationPolicyProvider.POLICY_KEYS)}


@dataclass
class KeyRotationPolicyArgs:
    # https://<vault>.vault.azure.net/
    vault_url: pulumi.Input[str]
    key_name: pulumi.Input[str]
    # ISO 8601 durations: each version's lifetime, when a new version is made, when Event Grid is told.
    expiry_time: str
    rotate_after: str
    notify_before_expiry: str


class KeyRotationPolicy(pulumi.dynamic.Resource, module="keyvault", name="KeyRotationPolicy"):
    """A key's rotation policy and its current version's expiry, as the program declares them."""

    version: pulumi.Output[str]
    expires_on: pulumi.Output[str]

    def __init__(self, name: str, args: KeyRotationPolicyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        for value in (args.expiry_time, args.rotate_after, args.notify_before_expiry):
            duration(value)
        props: dict[str, Any] = {
            "vault_url": args.vault_url,
            "key_name": args.key_name,
            "expiry_time": args.expiry_time,
            "rotate_after": args.rotate_after,
            "notify_before_expiry": args.notify_before_expiry,
            "version": None,
            "expires_on": None,
        }
        super().__init__(RotationPolicyProvider(), name, props, opts)


# Reviewed: the policy carries no network or identity settings; the key's own rules (rotation, expiry,
# HSM) are declared with the key.
declare_type(TOKEN)
