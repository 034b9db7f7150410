"""Synapse RBAC role assignments as a dynamic resource.

Synapse RBAC is the workspace's own access control, separate from Azure RBAC: its assignments live
behind the workspace development endpoint (``/roleAssignments``, api-version 2020-12-01), not in
ARM, so azure-native cannot declare them. The provider drives the maintained data-plane SDK
``azure-synapse-accesscontrol`` through the settings, credentials and error wrapping of
``components.synapse_dataplane``, and holds no state of its own (see that module for why).

Roles are named as Microsoft Learn names them ("Synapse RBAC roles") and resolved to their ids by
listing the workspace's built-in role definitions, so no role GUID is copied into the code. The
assignment id is derived from workspace, role, principal and scope, so a retried create after a
lost response writes the same assignment instead of failing with a duplicate.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi.dynamic
from azure.core.exceptions import ResourceNotFoundError

from cloudscale.components import synapse_dataplane as dataplane
from cloudscale.components.baseline.type_facts import declare_type
from cloudscale.components.core.credentials import closing_credential

if TYPE_CHECKING:
    from azure.synapse.accesscontrol import AccessControlClient

__all__ = [
    "SYNAPSE_ROLES",
    "WORKSPACE_SYSTEM_IDENTITY",
    "RoleAssignmentProvider",
    "SynapseRoleAssignment",
    "SynapseRoleAssignmentArgs",
    "big_data_pool_scope",
    "credential_scope",
    "workspace_scope",
]

# The built-in roles (Microsoft Learn, "Synapse RBAC roles", MicrosoftDocs azure-docs
# synapse-analytics/security/synapse-workspace-synapse-rbac-roles.md).
SYNAPSE_ROLES = frozenset(
    {
        "Synapse Administrator",
        "Synapse SQL Administrator",
        "Apache Spark Administrator",
        "Synapse Contributor",
        "Synapse Artifact Publisher",
        "Synapse Artifact User",
        "Synapse Compute Operator",
        "Synapse Monitoring Operator",
        "Synapse Credential User",
        "Synapse Linked Data Manager",
        "Synapse User",
    }
)
# The credential every workspace has for its own managed identity; pipelines and notebooks that
# act as the workspace use it.
WORKSPACE_SYSTEM_IDENTITY = "WorkspaceSystemIdentity"
# Identifies assignments this provider creates (uuid5 namespace), so ids are stable across runs.
_ASSIGNMENT_NAMESPACE = uuid.UUID("5d0b3a8e-2f54-4c1e-9a57-3c6e7d8f9a10")


def workspace_scope(workspace: str) -> str:
    return f"workspaces/{workspace}"


def big_data_pool_scope(workspace: str, pool: str) -> str:
    return f"workspaces/{workspace}/bigDataPools/{pool}"


def credential_scope(workspace: str, credential: str = WORKSPACE_SYSTEM_IDENTITY) -> str:
    return f"workspaces/{workspace}/credentials/{credential}"


def assignment_id(workspace: str, role_name: str, principal_id: str, scope: str) -> str:
    return str(uuid.uuid5(_ASSIGNMENT_NAMESPACE, "|".join((workspace, role_name, principal_id, scope))))


@contextmanager
def _access_control_client(endpoint: str) -> Iterator[AccessControlClient]:
    from azure.synapse.accesscontrol import AccessControlClient

    settings = dataplane.settings
    with (
        closing_credential(settings.credential_factory) as credential,
        AccessControlClient(credential, endpoint, **settings.client_kwargs) as client,
    ):
        yield client


def _label(props: dict[str, Any]) -> str:
    return f"role assignment '{props['role_name']}' for {props['principal_id']} at '{props['scope']}'"


def _role_id(client: AccessControlClient, workspace: str, role_name: str) -> str:
    definitions = client.role_definitions.list_role_definitions(is_built_in=True)
    for definition in definitions:
        if definition.name == role_name:
            return str(definition.id)
    raise dataplane.SynapseDataPlaneError(
        f"Synapse workspace '{workspace}': no built-in role {role_name!r}; it has "
        f"{', '.join(sorted(str(d.name) for d in definitions))}"
    )


def _outputs(props: dict[str, Any], role_id: str, id_: str) -> dict[str, Any]:
    return {
        "workspace_name": props["workspace_name"],
        "role_name": props["role_name"],
        "principal_id": props["principal_id"],
        "principal_type": props.get("principal_type"),
        "scope": props["scope"],
        "dev_endpoint": props.get("dev_endpoint"),
        "role_id": role_id,
        "assignment_id": id_,
    }


class RoleAssignmentProvider(pulumi.dynamic.ResourceProvider):
    """One Synapse RBAC role assignment; the service has no update, so every change replaces it."""

    REPLACE_KEYS = ("workspace_name", "role_name", "principal_id", "principal_type", "scope")

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        failures = []
        role = news.get("role_name")
        if isinstance(role, str) and role not in SYNAPSE_ROLES:
            failures.append(
                pulumi.dynamic.CheckFailure("role_name", f"not a Synapse built-in role; one of {sorted(SYNAPSE_ROLES)}")
            )
        scope = news.get("scope")
        if isinstance(scope, str) and not scope.startswith("workspaces/"):
            failures.append(pulumi.dynamic.CheckFailure("scope", "must start with 'workspaces/<workspace>'"))
        return pulumi.dynamic.CheckResult(news, failures)

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        workspace = props["workspace_name"]
        id_ = assignment_id(workspace, props["role_name"], props["principal_id"], props["scope"])
        with (
            _access_control_client(dataplane._dev_endpoint(props)) as client,
            dataplane._surface_errors(workspace, _label(props), "create"),
        ):
            role_id = _role_id(client, workspace, props["role_name"])
            client.role_assignments.create_role_assignment(
                id_,
                role_id,
                props["principal_id"],
                props["scope"],
                principal_type=props.get("principal_type"),
            )
        return pulumi.dynamic.CreateResult(id_=f"{workspace}/roleAssignments/{id_}", outs=_outputs(props, role_id, id_))

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        workspace = props["workspace_name"]
        with (
            _access_control_client(dataplane._dev_endpoint(props)) as client,
            dataplane._surface_errors(workspace, _label(props), "read"),
        ):
            try:
                found = client.role_assignments.get_role_assignment_by_id(props["assignment_id"])
            except ResourceNotFoundError:
                return pulumi.dynamic.ReadResult(id_="", outs={})
        # What the service reports wins, so a refresh shows an assignment changed outside the program.
        outs = {**props, "principal_id": found.principal_id, "scope": found.scope, "role_id": found.role_definition_id}
        return pulumi.dynamic.ReadResult(id_=id_, outs=outs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        replaces = dataplane._first_changed(self.REPLACE_KEYS, olds, news)
        changes = bool(replaces) or olds.get("dev_endpoint") != news.get("dev_endpoint")
        # A replacement has a new id (derived from what changed), so create-before-delete is safe.
        return pulumi.dynamic.DiffResult(changes=changes, replaces=replaces)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        # Only the endpoint the provider talks to can change in place; the assignment itself is as it was.
        return pulumi.dynamic.UpdateResult(outs={**olds, "dev_endpoint": news.get("dev_endpoint")})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        workspace = props["workspace_name"]
        with (
            _access_control_client(dataplane._dev_endpoint(props)) as client,
            dataplane._surface_errors(workspace, _label(props), "delete"),
        ):
            try:
                client.role_assignments.delete_role_assignment_by_id(props["assignment_id"], scope=props["scope"])
            except ResourceNotFoundError:
                return


@dataclass
class SynapseRoleAssignmentArgs:
    workspace_name: pulumi.Input[str]
    role_name: str
    """A built-in role as Learn names it, e.g. "Synapse Compute Operator"."""
    principal_id: pulumi.Input[str]
    scope: pulumi.Input[str]
    """``workspaces/<w>``, ``workspaces/<w>/bigDataPools/<pool>`` or ``workspaces/<w>/credentials/<name>``."""
    principal_type: str | None = "ServicePrincipal"
    """Managed identities are service principals; naming the type spares the service a directory lookup."""
    dev_endpoint: pulumi.Input[str] | None = None
    """Defaults to https://{workspace_name}.dev.azuresynapse.net."""


class SynapseRoleAssignment(pulumi.dynamic.Resource, module="synapse", name="RoleAssignment"):
    """A Synapse RBAC role for one principal at one scope of a workspace."""

    role_id: pulumi.Output[str]
    assignment_id: pulumi.Output[str]

    def __init__(self, name: str, args: SynapseRoleAssignmentArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props: dict[str, Any] = {
            "workspace_name": args.workspace_name,
            "role_name": args.role_name,
            "principal_id": args.principal_id,
            "principal_type": args.principal_type,
            "scope": args.scope,
            "dev_endpoint": args.dev_endpoint,
            "role_id": None,
            "assignment_id": None,
        }
        super().__init__(RoleAssignmentProvider(), name, props, opts)


# Reviewed: workspace access control, reached only through the workspace's Dev private endpoint.
declare_type("pulumi-python:dynamic/synapse:RoleAssignment")
