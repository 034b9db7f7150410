"""Delete locks: a second guard, after ``protect``, for stateful resources outside dev.

A ``CanNotDelete`` lock refuses the deletion of its resource, of every child resource and of every
extension resource applied to it: role assignments at its scope, diagnostic settings (Microsoft Learn,
"Lock your resources to protect your infrastructure": lock inheritance, extension resources, and
"Considerations before applying your locks"); deleting a private endpoint whose target is locked also
fails with ``ScopeLocked``, since it deletes the target's private endpoint connection
(hashicorp/terraform-provider-azurerm#17478). So that routine changes are not refused, the resources
a component declares under its own lock (diagnostic settings, private endpoints, role assignments,
Cosmos DB data-plane role assignments, Spark pools) carry ``before_delete``/``after_delete`` resource
hooks that lift the lock for the moment of the delete and put it back, with the same name, level and
notes. Data is never among them: deleting a container, a database, a key or the store itself is
refused while the lock stands, and the lock is kept in Azure even when Pulumi drops it
(``retain_on_delete``), so removing a data store from the program does not remove its guard.

Deleting a data store on purpose therefore takes a person, twice: ``pulumi state unprotect`` and
removing the lock (``az lock delete --name <lock> --resource <id>``). Delete hooks run in the program:
``pulumi destroy`` needs ``--run-program`` for them (the ``ResourceHookBinding`` contract).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pulumi
from pulumi_azure_native import authorization

from cloudscale.components.baseline.type_facts import declare_type
from cloudscale.components.core.credentials import closing_credential, default_credential

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.mgmt.resource.locks import ManagementLockClient

declare_type(authorization.ManagementLockByScope)

LEVEL = "CanNotDelete"
LOCK_NOTES = (
    "Keeps this data store from being deleted. Deployments lift it for a moment to delete what sits under "
    "it that holds no data (role assignments, diagnostic settings, private endpoints) and put it back. To "
    "delete the data store itself, unprotect it in the cloudscale stack (pulumi state unprotect) and remove "
    "this lock; removing the resource from the program leaves the lock in place."
)
LIFT_PREFIX = "lift-lock-"
RESTORE_PREFIX = "restore-lock-"


@dataclass
class LockSettings:
    credential_factory: Callable[[], TokenCredential] = default_credential
    base_url: str | None = None
    """None means public Azure's ARM endpoint."""
    client_kwargs: dict[str, Any] = field(default_factory=dict)


settings = LockSettings()


def _subscription(scope: str) -> str:
    parts = scope.strip("/").split("/")
    if len(parts) < 2 or parts[0].lower() != "subscriptions":
        raise ValueError(f"lock scope {scope!r} is not an ARM id under a subscription")
    return parts[1]


@contextmanager
def _client(scope: str) -> Iterator[ManagementLockClient]:
    # Imported when a hook first runs: a program that only declares resources never loads it.
    from azure.mgmt.resource.locks import ManagementLockClient

    kwargs: dict[str, Any] = dict(settings.client_kwargs)
    if settings.base_url is not None:
        kwargs["base_url"] = settings.base_url
    with (
        closing_credential(settings.credential_factory) as credential,
        ManagementLockClient(credential, _subscription(scope), **kwargs) as client,
    ):
        yield client


class LockWindow:
    """Lifts one lock while deletes under it run, and restores it when the last of them has finished.

    Deletes under one lock may run at once; the lock comes off with the first and goes back with the
    last, and only if it was there to begin with. ``key`` names the locked resource, unique in the
    program: the hooks' names derive from it, and a deleted resource's state names its hooks.
    """

    def __init__(self, key: str) -> None:
        self.key = key
        self.scope: str | None = None
        self.lock_name: str | None = None
        self._guard = threading.Lock()
        self._running = 0
        self._lifted = False
        self.lift_hook = pulumi.ResourceHook(f"{LIFT_PREFIX}{key}", self._before_delete)
        self.restore_hook = pulumi.ResourceHook(f"{RESTORE_PREFIX}{key}", self._after_delete)
        self.error_hook = pulumi.ErrorHook(f"{RESTORE_PREFIX}{key}-on-error", self._on_error)

    def bind(self) -> pulumi.ResourceHookBinding:
        return pulumi.ResourceHookBinding(
            before_delete=[self.lift_hook], after_delete=[self.restore_hook], on_error=[self.error_hook]
        )

    def configure(self, scope: pulumi.Input[str], lock_name: str) -> None:
        self.lock_name = lock_name
        pulumi.Output.from_input(scope).apply(self._set_scope)

    def _set_scope(self, scope: str | None) -> None:
        self.scope = scope

    def lift(self) -> None:
        with self._guard:
            self._running += 1
            if self._running > 1 or self.scope is None or self.lock_name is None:
                return
            from azure.core.exceptions import ResourceNotFoundError

            with _client(self.scope) as client:
                try:
                    client.management_locks.get_by_scope(self.scope, self.lock_name)
                except ResourceNotFoundError:
                    return
                pulumi.log.info(f"lifting lock {self.lock_name} on {self.scope} for a delete under it")
                client.management_locks.delete_by_scope(self.scope, self.lock_name)
                self._lifted = True

    def restore(self) -> None:
        with self._guard:
            self._running = max(self._running - 1, 0)
            if self._running or not self._lifted or self.scope is None or self.lock_name is None:
                return
            with _client(self.scope) as client:
                client.management_locks.create_or_update_by_scope(
                    self.scope, self.lock_name, {"level": LEVEL, "notes": LOCK_NOTES}
                )
            self._lifted = False
            pulumi.log.info(f"restored lock {self.lock_name} on {self.scope}")

    def _before_delete(self, _args: pulumi.ResourceHookArgs) -> None:
        self.lift()

    def _after_delete(self, _args: pulumi.ResourceHookArgs) -> None:
        self.restore()

    def _on_error(self, args: pulumi.ErrorHookArgs) -> bool:
        # A failed delete never reaches its after_delete hook: put the lock back here, and do not retry.
        if args.failed_operation == "delete":
            self.restore()
        return False


def delete_lock(
    parent: pulumi.Resource, logical_name: str, *, scope: pulumi.Input[str], lock_name: str, window: LockWindow
) -> authorization.ManagementLockByScope:
    window.configure(scope, lock_name)
    return authorization.ManagementLockByScope(
        f"{logical_name}-lock",
        lock_name=lock_name,
        scope=scope,
        level=LEVEL,
        notes=LOCK_NOTES,
        # Dropped from the program, the lock stays on the resource in Azure: a data store removed from
        # the program is not deleted by accident either.
        opts=pulumi.ResourceOptions(parent=parent, retain_on_delete=True),
    )
