"""The secure-service interface every service component takes, modelled on Azure Verified Modules.

A component receives one ``ServiceBaseline`` (where it lives, its names, its private endpoints,
diagnostics, lock, identity and tags) and calls ``_secure(...)`` once per resource, or
``_secure_sub_resource(...)`` for a sub-resource that has no resource of its own (a storage account's
blob service) and ``_private_endpoints(...)`` for an endpoint whose target is not a resource of the
program (Purview's ingestion storage). Components create private endpoints, diagnostic settings and
locks only through these methods (a test scans the components to keep it so), and ``_secure()`` tells
the type registry (``type_facts``) what it was told, so the platform's checks know the type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_azure_native import authorization, monitor, network, resources

from cloudscale.components.baseline.access import Principal, grant
from cloudscale.components.baseline.diagnostics import DiagnosticProfile, diagnostic_setting
from cloudscale.components.baseline.identity import identity_block
from cloudscale.components.baseline.lock import LockWindow, delete_lock
from cloudscale.components.baseline.private_endpoint import PrivateEndpointPlacement, private_endpoint
from cloudscale.components.baseline.soft_delete import SoftDeletePolicy
from cloudscale.components.baseline.type_facts import declare_type, registry
from cloudscale.components.core.naming import Namer
from cloudscale.components.core.roles import BuiltInRole

declare_type(monitor.PrivateLinkScopedResource)
# Reviewed: a resource group holds nothing itself; its resources are checked one by one. Declared with
# the library, not the stacks that create the groups, so the policy pack knows it without a program.
declare_type(resources.ResourceGroup)


@dataclass
class ServiceBaseline:
    namer: Namer
    resource_group_name: pulumi.Input[str]
    location: str
    tags: Mapping[str, str] = field(default_factory=dict)
    private_endpoints: PrivateEndpointPlacement | None = None
    log_analytics_workspace_id: pulumi.Input[str] | None = None
    # Outside dev, stateful resources get both ``protect`` and a CanNotDelete lock.
    lock: bool = False
    # The platform's Azure Monitor Private Link Scope: monitoring resources with public ingestion off
    # receive agent and SDK telemetry only once they are scoped into it.
    monitor_private_link_scope_id: pulumi.Input[str] | None = None
    # Purge protection and recovery of soft-deleted names (Key Vault); protected unless told otherwise.
    soft_delete: SoftDeletePolicy = field(default_factory=SoftDeletePolicy)


class SecureComponent(pulumi.ComponentResource):
    """Base class of every service component; gives children the baseline in one call."""

    def __init__(self, token: str, name: str, baseline: ServiceBaseline, opts: pulumi.ResourceOptions | None) -> None:
        super().__init__(token, name, None, opts)
        self._name = name
        self.baseline = baseline
        # The delete lock of each resource ``secure()`` locks, by the resource's identity.
        self._lock_windows: dict[int, LockWindow] = {}

    @property
    def _tags(self) -> dict[str, str]:
        return dict(self.baseline.tags)

    def _child_opts(
        self,
        *,
        stateful: bool = False,
        parent: pulumi.Resource | None = None,
        depends_on: Sequence[pulumi.Resource] = (),
        ignore_changes: Sequence[str] = (),
        under: pulumi.Resource | None = None,
    ) -> pulumi.ResourceOptions:
        """Options for a child; ``under`` names a locked resource it sits under, whose lock its delete lifts."""
        return pulumi.ResourceOptions(
            parent=parent or self,
            protect=self.baseline.lock and stateful,
            depends_on=list(depends_on) or None,
            ignore_changes=list(ignore_changes) or None,
            hooks=self._lock_hooks(under) if under is not None else None,
        )

    def _lock_hooks(self, resource: pulumi.Resource) -> pulumi.ResourceHookBinding | None:
        """The hooks that lift ``resource``'s delete lock for a delete under it; None if it has no lock."""
        window = self._lock_windows.get(id(resource))
        return window.bind() if window is not None else None

    def _scope_key(self, logical_name: str) -> str:
        """Unique per platform, zone and resource, so assignment GUIDs never collide across stacks."""
        n = self.baseline.namer
        return f"{n.seed}|{n.prefix}|{n.environment}|{n.zone}|{logical_name}"

    def _identity(self) -> dict[str, object]:
        return identity_block()

    def _secure(
        self,
        resource: pulumi.CustomResource,
        *,
        logical_name: str,
        purpose: str,
        group_ids: Sequence[str] = (),
        diagnostics: DiagnosticProfile | None = None,
    ) -> dict[str, pulumi.Resource]:
        """Private endpoints, diagnostics and lock for one resource of the program.

        The endpoints' DNS zones and whether the resource holds data (so it is locked where the baseline
        locks) come from its type's declaration (``declare_type``), not from the caller. Returns what was
        made by kind: ``pe:<groupId>`` and ``dns:<groupId>`` (the endpoint's DNS zone group),
        ``diagnostics``, ``lock``.
        """
        registry().note_secured(resource, diagnostics=diagnostics is not None)
        facts = registry().get(resource)
        b = self.baseline
        created: dict[str, pulumi.Resource] = {}
        window = None
        if facts is not None and facts.stateful and b.lock:
            # Before the endpoints and the diagnostic setting, which lift the lock for their own deletes.
            window = self._lock_windows[id(resource)] = LockWindow(logical_name)
        if group_ids:
            endpoints = self._private_endpoints(
                resource.id,
                target_type=resource,
                logical_name=logical_name,
                purpose=purpose,
                group_ids=group_ids,
                hooks=window.bind() if window is not None else None,
            )
            for group_id, (endpoint, zone_group) in endpoints.items():
                created[f"pe:{group_id}"] = endpoint
                # Callers of the service through the endpoint wait for this, not the endpoint alone.
                created[f"dns:{group_id}"] = zone_group
        if diagnostics is not None:
            setting = self._secure_sub_resource(resource, logical_name=logical_name, diagnostics=diagnostics)
            if setting is not None:
                created["diagnostics"] = setting
        if window is not None:
            created["lock"] = delete_lock(
                self, logical_name, scope=resource.id, lock_name=b.namer.name("lock", purpose), window=window
            )
        return created

    def _private_endpoints(
        self,
        target_id: pulumi.Input[str],
        *,
        target_type: Any,
        logical_name: str,
        purpose: str,
        group_ids: Sequence[str],
        hooks: pulumi.ResourceHookBinding | None = None,
    ) -> dict[str, tuple[network.PrivateEndpoint, network.PrivateDnsZoneGroup]]:
        """One private endpoint and its DNS zone group per group id of the target, a resource of
        ``target_type`` (an SDK class, an instance of one, or a type token) whose declaration names the
        group's DNS zones; ``hooks`` lift the target's lock while an endpoint is deleted."""
        b = self.baseline
        if b.private_endpoints is None:
            raise ValueError(f"{logical_name}: private endpoints requested but no placement was given")
        return {
            group_id: private_endpoint(
                self,
                f"{logical_name}-pe-{group_id.lower()}",
                endpoint_name=b.namer.name("private_endpoint", f"{purpose}-{group_id.lower()}"),
                target_id=target_id,
                target_type=target_type,
                group_id=group_id,
                placement=b.private_endpoints,
                resource_group_name=b.resource_group_name,
                location=b.location,
                tags=b.tags,
                hooks=hooks,
            )
            for group_id in group_ids
        }

    def _secure_sub_resource(
        self,
        resource: pulumi.CustomResource,
        *,
        logical_name: str,
        diagnostics: DiagnosticProfile,
        sub_resource: str = "",
        after: Sequence[pulumi.CustomResource] = (),
    ) -> monitor.DiagnosticSetting | None:
        """Send ``resource`` or one of its sub-resources (``blobServices/default``, ``databases/master``)
        to Log Analytics; ``None`` when the baseline has no workspace. ``after`` are writes to the same
        sub-resource that the setting must not race."""
        workspace_id = self.baseline.log_analytics_workspace_id
        if workspace_id is None:
            return None
        resource_uri: pulumi.Input[str] = resource.id
        if sub_resource or after:
            # Reading the other writes' ids makes the setting wait for them, as the ids only exist after.
            resource_uri = pulumi.Output.all(resource.id, *[r.id for r in after]).apply(
                lambda ids: f"{ids[0]}/{sub_resource}" if sub_resource else ids[0]
            )
        return diagnostic_setting(
            self,
            logical_name,
            resource_uri=resource_uri,
            workspace_id=workspace_id,
            profile=diagnostics,
            hooks=self._lock_hooks(resource),
        )

    def _join_monitor_scope(self, resource: pulumi.CustomResource, *, logical_name: str, resource_name: str) -> None:
        """Scope a Log Analytics workspace or Application Insights component into the platform's AMPLS."""
        scope_id = self.baseline.monitor_private_link_scope_id
        if scope_id is None:
            return
        parts = pulumi.Output.from_input(scope_id).apply(lambda value: value.split("/"))
        monitor.PrivateLinkScopedResource(
            f"{logical_name}-ampls",
            name=resource_name,
            # ARM ids read /subscriptions/<s>/resourceGroups/<group>/providers/<namespace>/<type>/<name>.
            resource_group_name=parts.apply(lambda p: p[4]),
            scope_name=parts.apply(lambda p: p[-1]),
            linked_resource_id=resource.id,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _grant_on(
        self,
        resource: pulumi.CustomResource,
        *,
        logical_name: str,
        role: BuiltInRole,
        principal: Principal,
        scope: pulumi.Input[str] | None = None,
        scope_suffix: str = "",
        under: pulumi.Resource | None = None,
    ) -> authorization.RoleAssignment:
        """A role assignment on ``resource`` (or ``scope``); ``under`` is the locked resource holding it
        when that is not ``resource`` itself (a container's account)."""
        return grant(
            self,
            f"{logical_name}{'-' + scope_suffix if scope_suffix else ''}",
            scope=scope if scope is not None else resource.id,
            scope_key=self._scope_key(f"{logical_name}|{scope_suffix}"),
            role=role,
            principal=principal,
            hooks=self._lock_hooks(under or resource),
        )
