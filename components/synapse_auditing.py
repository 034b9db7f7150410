"""SQL auditing of a Synapse workspace to Log Analytics.

Azure Synapse audits the workspace's SQL (the serverless pool and every dedicated pool) through the
workspace's ``auditingSettings`` with the Azure Monitor target, and the records reach Log Analytics
through the workspace's diagnostic setting, category ``SQLSecurityAuditEvents`` (Microsoft Learn,
"Auditing for Azure SQL Database and Azure Synapse Analytics"; the built-in policy "Configure Synapse
workspaces to have auditing enabled to Log Analytics workspace", 32ba8d30-07c0-4136-ab18-9a11bf4a67b7,
deploys exactly these two). The workspace's diagnostic setting sends ``allLogs``, which includes that
category.

pulumi-azure-native 3.x has no resource for ``Microsoft.Synapse/workspaces/auditingSettings``, so it
is declared through an ARM deployment (incremental mode: it touches nothing else in the group).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi_azure_native import resources, synapse

from cloudscale.components.baseline import SecureComponent
from cloudscale.components.baseline.type_facts import SecurityRule, declare_type

AUDITING_SETTINGS = "Microsoft.Synapse/workspaces/auditingSettings"
# The stable API of the Synapse workspace managed SQL server auditing policies (azure-rest-api-specs,
# synapse/resource-manager/Microsoft.Synapse/stable/2021-06-01/sqlServer.json).
AUDITING_API_VERSION = "2021-06-01"
# As for the SQL servers: every sign-in, successful or not, and every batch.
AUDIT_ACTION_GROUPS = (
    "SUCCESSFUL_DATABASE_AUTHENTICATION_GROUP",
    "FAILED_DATABASE_AUTHENTICATION_GROUP",
    "BATCH_COMPLETED_GROUP",
)


def _audits_to_log_analytics(template: Any) -> bool:
    """True unless the deployment's template holds a Synapse auditing setting that is off or skips Azure Monitor."""
    if not isinstance(template, Mapping):
        return True
    for resource in template.get("resources") or ():
        if isinstance(resource, Mapping) and resource.get("type") == AUDITING_SETTINGS:
            properties = resource.get("properties") or {}
            if properties.get("state") != "Enabled" or properties.get("isAzureMonitorTargetEnabled") is not True:
                return False
    return True


declare_type(
    resources.Deployment,
    rules=(
        SecurityRule(
            "synapse-audit",
            "properties.template",
            _audits_to_log_analytics,
            "Synapse workspace SQL auditing is off or does not reach Log Analytics",
        ),
    ),
)


def auditing_template(workspace_name: str) -> dict[str, Any]:
    """An ARM template that turns on the workspace's SQL auditing to Azure Monitor."""
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {
                "type": AUDITING_SETTINGS,
                "apiVersion": AUDITING_API_VERSION,
                "name": f"{workspace_name}/default",
                "properties": {
                    "state": "Enabled",
                    "isAzureMonitorTargetEnabled": True,
                    "auditActionsAndGroups": list(AUDIT_ACTION_GROUPS),
                },
            }
        ],
    }


def audit_workspace_sql(
    owner: SecureComponent,
    name: str,
    *,
    workspace: synapse.Workspace,
    workspace_name: str,
    resource_group_name: pulumi.Input[str],
    after: Sequence[pulumi.Resource] = (),
) -> resources.Deployment:
    """Turn on SQL auditing for ``workspace``; ``after`` are the other writes on the workspace itself,
    which Azure takes one at a time (the workspace refuses a write while it is Updating).

    The template names the workspace by its planned name, so a preview shows (and the plan checks) it;
    the dependency on ``workspace`` keeps the deployment after the workspace exists."""
    return resources.Deployment(
        f"{name}-sql-audit",
        deployment_name=f"{workspace_name}-sql-audit",
        resource_group_name=resource_group_name,
        properties={
            "mode": resources.DeploymentMode.INCREMENTAL,
            "template": auditing_template(workspace_name),
        },
        opts=owner._child_opts(parent=workspace, depends_on=[workspace, *after]),
    )
