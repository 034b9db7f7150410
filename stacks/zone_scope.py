"""What every zone composition shares: its namer, tags, resource groups and service baselines."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import authorization, resources

from cloudscale.components.baseline import PrivateEndpointPlacement, ServiceBaseline, SoftDeletePolicy
from cloudscale.components.core import Namer, merge_tags, platform_tags
from cloudscale.stacks.config import PlatformConfig


@dataclass
class ZoneScope:
    config: PlatformConfig
    zone: str
    parent: pulumi.Resource | None = None
    # Landing zones scope their monitoring into the management zone's Azure Monitor Private Link Scope.
    monitor_private_link_scope_id: pulumi.Input[str] | None = None
    _groups: dict[str, resources.ResourceGroup] = field(default_factory=dict)

    @property
    def namer(self) -> Namer:
        c = self.config
        return Namer(c.prefix, c.environment, self.zone, c.name_seed)

    @property
    def location(self) -> str:
        return self.config.location

    def tags(self, component: str | None = None) -> dict[str, str]:
        # User tags win over platform defaults, except the ones cost reports and policies key on.
        defaults = platform_tags(self.config.environment, self.zone, component)
        return merge_tags(defaults, self.config.tags, {"Environment": self.config.environment, "Zone": self.zone})

    def resource_group(self, purpose: str) -> resources.ResourceGroup:
        if purpose not in self._groups:
            self._groups[purpose] = resources.ResourceGroup(
                f"{self.zone}-rg-{purpose}",
                resource_group_name=self.namer.name("resource_group", purpose),
                location=self.location,
                tags=self.tags(purpose),
                opts=pulumi.ResourceOptions(parent=self.parent),
            )
        return self._groups[purpose]

    def baseline(
        self,
        group: resources.ResourceGroup,
        *,
        component: str,
        placement: PrivateEndpointPlacement | None,
        log_analytics_workspace_id: pulumi.Input[str] | None,
    ) -> ServiceBaseline:
        return ServiceBaseline(
            namer=self.namer,
            resource_group_name=group.name,
            location=self.location,
            tags=self.tags(component),
            private_endpoints=placement,
            log_analytics_workspace_id=log_analytics_workspace_id,
            lock=self.config.protects_state,
            monitor_private_link_scope_id=self.monitor_private_link_scope_id,
            soft_delete=SoftDeletePolicy(
                purge_protection=self.config.purge_protection, recover_deleted=self.config.soft_delete.recover_deleted
            ),
        )

    def opts(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self.parent)


def tenant_id() -> pulumi.Output[str]:
    return authorization.get_client_config_output().tenant_id
