"""Role assignments by intent: components expose ``grant_read(principal)`` and friends on top of this."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_azure_native import authorization

from cloudscale.components.baseline.type_facts import declare_type
from cloudscale.components.core.roles import BuiltInRole


class MissingIdentityError(ValueError):
    """Access was granted to a resource that has no identity to grant it to."""


# Reviewed: assignments are only made through ``grant``, which takes a role from the least-privilege list.
declare_type(authorization.RoleAssignment)

_ASSIGNMENT_NAMESPACE = uuid.UUID("6f1c1f0e-4d8e-4a55-9a36-0c1e5a7d2b10")


@dataclass(frozen=True)
class Principal:
    """Who gets access.

    ``key`` is a stable label for the principal, unique within the platform (``"finance-readers"``):
    role assignments take their logical names and GUIDs from it, because an identity's object id is
    unknown until the identity exists. Changing it replaces the principal's assignments.
    ``principal_id`` is the Entra object id; ``principal_type`` is ``ServicePrincipal`` (managed
    identities and applications), ``Group`` or ``User``."""

    key: str
    principal_id: pulumi.Input[str]
    principal_type: str = "ServicePrincipal"

    @staticmethod
    def of_resource(
        key: str, resource: pulumi.CustomResource, *, identity: pulumi.Input[Mapping[str, Any]] | None
    ) -> Principal:
        """The system-assigned identity of an azure-native resource, given the ``identity`` it was declared with.

        A resource declared without one would otherwise hand every role assignment a principal id of
        None, which only Azure rejects, at deploy time. So that fails here, naming the resource; and
        when Azure's answer carries no principal id, the assignment fails naming it too.
        """
        declared = f"{type(resource).__name__} {key!r}"
        if identity is None or (isinstance(identity, Mapping) and "SystemAssigned" not in str(identity.get("type"))):
            raise MissingIdentityError(
                f"{declared} was declared without a system-assigned identity (identity={identity!r}); "
                "declare it with identity={'type': 'SystemAssigned'} before granting it access"
            )

        def principal_id(output: Any) -> str | None:
            found = getattr(output, "principal_id", None) if output is not None else None
            # A preview knows no principal id of a resource it has yet to create; an update must.
            if not found and not pulumi.runtime.is_dry_run():
                raise MissingIdentityError(
                    f"{declared}: Azure returned no system-assigned principal id; its role assignments cannot be made"
                )
            return str(found) if found else None

        return Principal(key, resource.identity.apply(principal_id))  # type: ignore[attr-defined]

    @staticmethod
    def group(key: str, object_id: str) -> Principal:
        return Principal(key, object_id, "Group")


def role_definition_id(scope: pulumi.Input[str], role: BuiltInRole) -> pulumi.Output[str]:
    # The subscription comes from the scope itself, so no client-config lookup is needed and
    # cross-subscription scopes (a hub in another subscription) resolve to the right role id.
    def to_definition(scope_id: str) -> str:
        subscription = "/".join(scope_id.split("/")[:3])
        return f"{subscription}/providers/Microsoft.Authorization/roleDefinitions/{role.value}"

    return pulumi.Output.from_input(scope).apply(to_definition)


def assignment_guid(scope_key: str, role: BuiltInRole, principal: Principal) -> str:
    return str(uuid.uuid5(_ASSIGNMENT_NAMESPACE, f"{scope_key}|{role.value}|{principal.key}"))


def grant(
    parent: pulumi.Resource,
    logical_name: str,
    *,
    scope: pulumi.Input[str],
    scope_key: str,
    role: BuiltInRole,
    principal: Principal,
    hooks: pulumi.ResourceHookBinding | None = None,
) -> authorization.RoleAssignment:
    """One least-privilege assignment. ``scope_key`` must be unique per platform and scope; ``hooks`` lift
    a delete lock over the scope while the assignment is deleted (baseline/lock.py)."""
    return authorization.RoleAssignment(
        f"{logical_name}-{role.name.lower().replace('_', '-')}-{principal.key}",
        role_assignment_name=assignment_guid(scope_key, role, principal),
        scope=scope,
        role_definition_id=role_definition_id(scope, role),
        principal_id=principal.principal_id,
        principal_type=principal.principal_type,
        description=f"cloudscale: {role.name} for {principal.key}",
        opts=pulumi.ResourceOptions(parent=parent, hooks=hooks),
    )
