"""Managed identities: system-assigned on services, user-assigned where several resources share one."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
from pulumi_azure_native import managedidentity

from cloudscale.components.baseline.access import Principal
from cloudscale.components.baseline.type_facts import declare_type

declare_type(managedidentity.UserAssignedIdentity)


def identity_block() -> dict[str, object]:
    """The ``identity`` input shared by azure-native resources: a system-assigned identity.

    User-assigned identities on services come with a caller that needs them (customer-managed keys).
    Their wire shape differs per service: the identity type enum is "SystemAssigned,UserAssigned" for
    storage but "SystemAssigned, UserAssigned" for container registries, and the ids go as a list to
    most services but as a map keyed by id to registries and Data Factory.
    """
    return {"type": "SystemAssigned"}


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
