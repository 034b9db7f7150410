"""Diagnostic settings to Log Analytics, with a profile per kind of resource.

Not every resource type exposes the ``allLogs`` category group or any metrics, and Azure rejects a
setting that names one the type lacks, so each component picks the profile its resource supports.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import monitor

from cloudscale.components.baseline.type_facts import declare_type

declare_type(monitor.DiagnosticSetting)


@dataclass(frozen=True)
class DiagnosticProfile:
    log_category_groups: tuple[str, ...] = ("allLogs",)
    log_categories: tuple[str, ...] = ()
    metric_categories: tuple[str, ...] = ("AllMetrics",)
    # Resource-specific tables are cheaper to query and are what Azure recommends where supported.
    dedicated_tables: bool = False


LOGS_AND_METRICS = DiagnosticProfile()
LOGS_AND_METRICS_DEDICATED = DiagnosticProfile(dedicated_tables=True)
LOGS_ONLY = DiagnosticProfile(metric_categories=())
METRICS_ONLY = DiagnosticProfile(log_category_groups=())
STORAGE_ACCOUNT = DiagnosticProfile(log_category_groups=(), metric_categories=("Transaction",))
STORAGE_SERVICE = DiagnosticProfile(metric_categories=("Transaction",))
AUDIT_AND_METRICS = DiagnosticProfile(log_category_groups=("audit",))


def diagnostic_setting(
    parent: pulumi.Resource,
    logical_name: str,
    *,
    resource_uri: pulumi.Input[str],
    workspace_id: pulumi.Input[str],
    profile: DiagnosticProfile = LOGS_AND_METRICS,
    hooks: pulumi.ResourceHookBinding | None = None,
) -> monitor.DiagnosticSetting:
    logs = [{"category_group": group, "enabled": True} for group in profile.log_category_groups]
    logs += [{"category": category, "enabled": True} for category in profile.log_categories]
    metrics = [{"category": category, "enabled": True} for category in profile.metric_categories]
    return monitor.DiagnosticSetting(
        f"{logical_name}-diag",
        name="to-log-analytics",
        resource_uri=resource_uri,
        workspace_id=workspace_id,
        logs=logs or None,
        metrics=metrics or None,
        log_analytics_destination_type="Dedicated" if profile.dedicated_tables else None,
        # An extension resource of a locked resource inherits its lock: these lift it for the delete.
        opts=pulumi.ResourceOptions(parent=parent, hooks=hooks),
    )
