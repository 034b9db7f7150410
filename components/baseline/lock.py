"""Delete locks: a second guard, after ``protect``, for stateful resources outside dev."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization

from cloudscale.components.baseline.type_facts import declare_type

declare_type(authorization.ManagementLockByScope)


def delete_lock(
    parent: pulumi.Resource, logical_name: str, *, scope: pulumi.Input[str], lock_name: str
) -> authorization.ManagementLockByScope:
    return authorization.ManagementLockByScope(
        f"{logical_name}-lock",
        lock_name=lock_name,
        scope=scope,
        level="CanNotDelete",
        notes="Stateful platform resource; remove the lock through cloudscale config, not the portal.",
        opts=pulumi.ResourceOptions(parent=parent),
    )
