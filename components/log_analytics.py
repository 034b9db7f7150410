"""Log Analytics workspace, optionally behind an Azure Monitor Private Link Scope."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import monitor, operationalinsights

from cloudscale.components.baseline import AUDIT_AND_METRICS, SecureComponent, ServiceBaseline
from cloudscale.components.baseline.type_facts import SecurityRule, accept_finding, declare_type

# Azure Policy's built-in "Log Analytics workspaces should block log ingestion and querying from public
# networks" (6c53d030-cc64-46f0-906d-2bc061cd1334): ingestion always is private here, querying may be public.
declare_type(
    operationalinsights.Workspace,
    rules=(
        SecurityRule(
            "public-network-access",
            "publicNetworkAccessForIngestion",
            lambda v: v == "Disabled",
            "logs can be ingested from public networks",
        ),
        SecurityRule(
            "public-query",
            "publicNetworkAccessForQuery",
            lambda v: v == "Disabled",
            "logs can be queried from public networks",
            severity="medium",
        ),
    ),
    computed_outputs=lambda workspace: {"customerId": workspace.guid("customer")},
    diagnosable=True,
    stateful=True,
)
accept_finding(
    operationalinsights.Workspace,
    rule="public-query",
    reason="operators query from the portal with Entra ID and resource-context RBAC (local auth is off); "
    "ingestion stays private (LogAnalyticsArgs.public_query)",
    when=lambda inputs: inputs.get("features", {}).get("disableLocalAuth") is True,
)
# An Azure Monitor Private Link Scope's one endpoint registers in the monitoring zones and in blob storage
# (the agents' solution packs) (Microsoft Learn, "Azure Private Endpoint private DNS zone values").
declare_type(
    monitor.PrivateLinkScope,
    private_link={
        "azuremonitor": (
            "privatelink.monitor.azure.com",
            "privatelink.oms.opinsights.azure.com",
            "privatelink.ods.opinsights.azure.com",
            "privatelink.agentsvc.azure-automation.net",
            "privatelink.blob.core.windows.net",
        )
    },
)


@dataclass
class LogAnalyticsArgs:
    baseline: ServiceBaseline
    retention_days: int = 90
    # Operators query from the portal; ingestion only ever comes over Private Link or the Azure backbone.
    public_query: bool = True
    # A Private Link Scope serves one DNS domain, so only the management zone creates one.
    private_link_scope: bool = False


class LogAnalytics(SecureComponent):
    def __init__(self, name: str, args: LogAnalyticsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cloudscale:monitoring:LogAnalytics", name, args.baseline, opts)
        b = args.baseline
        workspace_name = b.namer.name("log_analytics")
        self.workspace = operationalinsights.Workspace(
            f"{name}-workspace",
            workspace_name=workspace_name,
            resource_group_name=b.resource_group_name,
            location=b.location,
            sku={"name": "PerGB2018"},
            retention_in_days=args.retention_days,
            public_network_access_for_ingestion="Disabled",
            public_network_access_for_query="Enabled" if args.public_query else "Disabled",
            features={"enable_log_access_using_only_resource_permissions": True, "disable_local_auth": True},
            tags=self._tags,
            opts=self._child_opts(stateful=True),
        )
        self.id: pulumi.Output[str] = self.workspace.id
        # The workspace's own audit log goes to itself: who queried what is a security review question.
        self.baseline = dataclasses.replace(b, log_analytics_workspace_id=self.workspace.id)
        self._secure(
            self.workspace,
            logical_name=f"{name}-workspace",
            purpose="log",
            diagnostics=AUDIT_AND_METRICS,
        )
        self.private_link_scope: monitor.PrivateLinkScope | None = None
        self.private_link_scope_id: pulumi.Output[str] | None = None
        if not args.private_link_scope:
            self._join_monitor_scope(self.workspace, logical_name=f"{name}-workspace", resource_name=workspace_name)
        else:
            self.private_link_scope = monitor.PrivateLinkScope(
                f"{name}-ampls",
                scope_name=b.namer.name("log_analytics", "ampls"),
                resource_group_name=b.resource_group_name,
                location="global",
                access_mode_settings={"ingestion_access_mode": "PrivateOnly", "query_access_mode": "Open"},
                tags=self._tags,
                opts=self._child_opts(),
            )
            self.private_link_scope_id = self.private_link_scope.id
            monitor.PrivateLinkScopedResource(
                f"{name}-ampls-workspace",
                name="workspace",
                scope_name=self.private_link_scope.name,
                resource_group_name=b.resource_group_name,
                linked_resource_id=self.workspace.id,
                opts=self._child_opts(parent=self.private_link_scope),
            )
            self._secure(
                self.private_link_scope,
                logical_name=f"{name}-ampls",
                purpose="ampls",
                group_ids=["azuremonitor"],
            )
        self.register_outputs({"id": self.id})
