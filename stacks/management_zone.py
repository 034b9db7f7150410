"""The data management landing zone (DMLZ)."""

from __future__ import annotations

import pulumi

from components.baseline import ServiceBaseline
from components.log_analytics import LogAnalytics, LogAnalyticsArgs
from stacks.config import PlatformConfig
from stacks.contract import ZoneContract
from stacks.zone_scope import ZoneScope

ZONE = "mgmt"


def deploy_management_zone(config: PlatformConfig) -> ZoneContract:
    scope = ZoneScope(config, ZONE)
    monitoring_group = scope.resource_group("monitoring")
    monitoring = LogAnalytics(
        f"{ZONE}-monitoring",
        LogAnalyticsArgs(
            baseline=ServiceBaseline(scope.namer, monitoring_group.name, config.location, scope.tags("monitoring")),
            retention_days=config.management.log_retention_days,
        ),
    )
    empty = pulumi.Output.from_input("")
    return ZoneContract(
        hub_vnet_id=empty,
        hub_vnet_name=empty,
        hub_resource_group_name=empty,
        firewall_private_ip=empty,
        dns_servers=pulumi.Output.from_input([]),
        private_dns_zone_ids=pulumi.Output.from_input({}),
        purview_id=empty,
        purview_principal_id=empty,
        log_analytics_workspace_id=monitoring.id,
        key_vault_id=empty,
        container_registry_id=empty,
    )
