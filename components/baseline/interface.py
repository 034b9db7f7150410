"""The secure-service interface every service component takes, modelled on Azure Verified Modules.

A component receives one ``ServiceBaseline`` (where it lives, its names, its private endpoints,
diagnostics, lock, extra role assignments, identity and tags) and calls ``secure(...)`` once per
resource. The security baseline is therefore applied here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import monitor

from cloudscale.components.baseline.access import Principal, grant
from cloudscale.components.baseline.diagnostics import DiagnosticProfile, diagnostic_setting
from cloudscale.components.baseline.identity import identity_block
from cloudscale.components.baseline.lock import delete_lock
from cloudscale.components.baseline.private_endpoint import PrivateEndpointPlacement, resolvable_private_endpoint
from cloudscale.components.baseline.soft_delete import SoftDeletePolicy
from cloudscale.components.core.naming import Namer
from cloudscale.components.core.roles import BuiltInRole


@dataclass(frozen=True)
class RoleGrant:
    role: BuiltInRole
    principal: Principal


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
    role_assignments: Sequence[RoleGrant] = ()
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

    @property
    def tags(self) -> dict[str, str]:
        return dict(self.baseline.tags)

    def child_opts(
        self,
        *,
        stateful: bool = False,
        parent: pulumi.Resource | None = None,
        depends_on: Sequence[pulumi.Resource] = (),
        ignore_changes: Sequence[str] = (),
    ) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(
            parent=parent or self,
            protect=self.baseline.lock and stateful,
            depends_on=list(depends_on) or None,
            ignore_changes=list(ignore_changes) or None,
        )

    def scope_key(self, logical_name: str) -> str:
        """Unique per platform, zone and resource, so assignment GUIDs never collide across stacks."""
        n = self.baseline.namer
        return f"{n.seed}|{n.prefix}|{n.environment}|{n.zone}|{logical_name}"

    def identity(self) -> dict[str, object]:
        return identity_block()

    def secure(
        self,
        resource: pulumi.CustomResource,
        *,
        logical_name: str,
        purpose: str,
        service: str | None = None,
        group_ids: Sequence[str] = (),
        diagnostics: DiagnosticProfile | None = None,
        stateful: bool = False,
    ) -> dict[str, pulumi.Resource]:
        """Private endpoints, diagnostics, lock and the caller's extra role assignments.

        Returns what was made by kind: ``pe:<groupId>`` and ``dns:<groupId>`` (the endpoint's DNS zone
        group), ``diagnostics``, ``lock``.
        """
        b = self.baseline
        created: dict[str, pulumi.Resource] = {}
        if group_ids:
            if b.private_endpoints is None or service is None:
                raise ValueError(f"{logical_name}: private endpoints requested but no placement was given")
            for group_id in group_ids:
                endpoint, zone_group = resolvable_private_endpoint(
                    self,
                    f"{logical_name}-pe-{group_id.lower()}",
                    endpoint_name=b.namer.name("private_endpoint", f"{purpose}-{group_id.lower()}"),
                    target_id=resource.id,
                    service=service,
                    group_id=group_id,
                    placement=b.private_endpoints,
                    resource_group_name=b.resource_group_name,
                    location=b.location,
                    tags=b.tags,
                )
                created[f"pe:{group_id}"] = endpoint
                # Callers of the service through the endpoint wait for this, not the endpoint alone.
                created[f"dns:{group_id}"] = zone_group
        if diagnostics is not None and b.log_analytics_workspace_id is not None:
            created["diagnostics"] = diagnostic_setting(
                self,
                logical_name,
                resource_uri=resource.id,
                workspace_id=b.log_analytics_workspace_id,
                profile=diagnostics,
            )
        if stateful and b.lock:
            created["lock"] = delete_lock(
                self, logical_name, scope=resource.id, lock_name=b.namer.name("lock", purpose)
            )
        for role_grant in b.role_assignments:
            grant(
                self,
                logical_name,
                scope=resource.id,
                scope_key=self.scope_key(logical_name),
                role=role_grant.role,
                principal=role_grant.principal,
            )
        return created

    def join_monitor_scope(self, resource: pulumi.CustomResource, *, logical_name: str, resource_name: str) -> None:
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

    def grant_on(
        self,
        resource: pulumi.CustomResource,
        *,
        logical_name: str,
        role: BuiltInRole,
        principal: Principal,
        scope: pulumi.Input[str] | None = None,
        scope_suffix: str = "",
    ) -> pulumi.Resource:
        return grant(
            self,
            f"{logical_name}{'-' + scope_suffix if scope_suffix else ''}",
            scope=scope if scope is not None else resource.id,
            scope_key=self.scope_key(f"{logical_name}|{scope_suffix}"),
            role=role,
            principal=principal,
        )
