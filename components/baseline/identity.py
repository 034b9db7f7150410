"""Managed identities: system-assigned by default, user-assigned where several resources share one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
from pulumi_azure_native import managedidentity

from cloudscale.components.baseline.access import Principal


def identity_block(user_assigned_ids: Sequence[pulumi.Input[str]] = ()) -> dict[str, object]:
    """The ``identity`` input shared by azure-native resources."""
    if not user_assigned_ids:
        return {"type": "SystemAssigned"}
    return {
        "type": "SystemAssigned,UserAssigned",
        "user_assigned_identities": list(user_assigned_ids),
    }


def user_assigned_identity(
    parent: pulumi.Resource,
    logical_name: str,
    *,
    identity_name: str,
    resource_group_name: pulumi.Input[str],
    location: str,
    tags: Mapping[str, str],
) -> tuple[managedidentity.UserAssignedIdentity, Principal]:
    identity = managedidentity.UserAssignedIdentity(
        logical_name,
        resource_name_=identity_name,
        resource_group_name=resource_group_name,
        location=location,
        tags=dict(tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return identity, Principal(logical_name, identity.principal_id)
