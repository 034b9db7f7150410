"""Azure's delete locks, as the offline engine sees them: which locks stand over each resource.

A ``CanNotDelete`` lock refuses the deletion of the resource it is on, of every child resource under
it, and of every extension resource applied to one of those (Microsoft Learn, "Lock your resources to
protect your infrastructure": "When you apply a lock at a parent scope, all resources within that
scope inherit the same lock", and extension resources "inherit locks from the resource they're
applied to"). Here a resource sits under a lock when the lock's scope is the resource, an ARM
ancestor of it (the parent names a child carries: a container's ``accountName``), or the resource an
extension resource is applied to: a role assignment's ``scope``, a diagnostic setting's
``resourceUri``, and a private endpoint's target, whose private endpoint connection the endpoint's
delete removes (``ScopeLocked``, hashicorp/terraform-provider-azurerm#17478). A delete under a lock
succeeds only when the resource carries the hook that lifts that lock for the moment of the delete
(components/baseline/lock.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cloudscale.components.baseline.lock import LIFT_PREFIX
from cloudscale.stacks.offline.engine import RegisteredOptions

LOCK = "azure-native:authorization:ManagementLockByScope"
# Extension resources and what names the resource each is applied to.
EXTENSION_TARGETS: Mapping[str, str] = {
    "azure-native:authorization:RoleAssignment": "scope",
    "azure-native:monitor:DiagnosticSetting": "resourceUri",
    "azure-native:network:PrivateEndpoint": "privateLinkServiceConnections",
}


@dataclass(frozen=True)
class LockOver:
    """A lock standing over a resource, and whether the resource's delete lifts it."""

    lock: str  # the lock's URN
    locked: str  # the URN of the resource the lock is on
    lifted: bool


def arm_parents(option: RegisteredOptions) -> set[str]:
    """The resources whose names a child carries (``accountName``, ``serverName``, ``vaultName``)."""
    return {
        urn
        for prop, urns in option.property_dependencies.items()
        if prop.endswith("Name") and prop != "resourceGroupName"
        for urn in urns
    }


def holders(urn: str, options: Mapping[str, RegisteredOptions]) -> set[str]:
    """The resource, every ARM ancestor, and for an extension resource what it is applied to (and theirs)."""
    seen: set[str] = set()
    todo = [urn]
    while todo:
        current = todo.pop()
        option = options.get(current)
        if current in seen or option is None:
            continue
        seen.add(current)
        todo += arm_parents(option)
        target = EXTENSION_TARGETS.get(option.typ)
        if target is not None:
            todo += option.property_dependencies.get(target, [])
    return seen


def locks_over(options: Mapping[str, RegisteredOptions]) -> dict[str, list[LockOver]]:
    """For each resource of a run, the CanNotDelete locks that stand over it."""
    locks = {
        urn: locked
        for urn, option in options.items()
        if option.typ == LOCK
        for locked in option.property_dependencies.get("scope", [])[:1]
    }
    by_locked: dict[str, list[str]] = {}
    for lock, locked in locks.items():
        by_locked.setdefault(locked, []).append(lock)
    out: dict[str, list[LockOver]] = {}
    for urn, option in options.items():
        if option.typ == LOCK or not option.custom:
            continue
        over = [
            LockOver(
                lock, holder, f"{LIFT_PREFIX}{options[lock].name.removesuffix('-lock')}" in option.before_delete_hooks
            )
            for holder in sorted(holders(urn, options))
            for lock in by_locked.get(holder, [])
        ]
        if over:
            out[urn] = over
    return out
