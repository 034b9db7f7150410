"""Microsoft Fabric items as Pulumi dynamic resources: workspace, lakehouse, connection, shortcut, semantic model.

Workspaces and their items are objects of the Fabric REST API (``https://api.fabric.microsoft.com/v1``),
not of ARM, so azure-native cannot declare them. The providers drive Microsoft's maintained SDK of that
API, ``microsoft-fabric-api`` (its generated clients per workload; the sync wrappers of its extension
layer are not used because they wait in fixed five-second sleeps and never return from a failed
long-running operation). Long-running operations follow Fabric's protocol (Learn, "Long running
operations" in the Fabric REST API articles): 202 with a ``Location`` of ``/v1/operations/{id}``, whose
``status`` ends ``Succeeded`` or ``Failed``.

Like the Synapse data-plane providers, these hold no state: credentials, the endpoint and client options
come from the module-level ``settings`` at call time, which tests replace. A create that fails after its
first write undoes that write, so a retried ``pulumi up`` does not meet a half-made workspace holding the
name (the dynamic provider cannot record a partial resource).
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi.dynamic
from azure.core.exceptions import AzureError, ResourceNotFoundError

from cloudscale.components.baseline.type_facts import declare_type
from cloudscale.components.core.credentials import closing_credential, default_credential
from cloudscale.components.core.naming import NameRule, declare_name_rule

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.core.pipeline import PipelineResponse

__all__ = [
    "FABRIC_WORKSPACE_ROLES",
    "FabricConnection",
    "FabricError",
    "FabricLakehouse",
    "FabricSemanticModel",
    "FabricSettings",
    "FabricShortcut",
    "FabricWorkspace",
    "fabric_workspace_resource_id",
    "settings",
]

FABRIC_API = "https://api.fabric.microsoft.com/"
# Workspaces and connections have display names unique in the tenant (Fabric REST API, "Workspaces - Create
# Workspace": WorkspaceNameAlreadyExists; "Connections - Create Connection": DuplicateConnectionName), not across
# Azure: the prefix, environment and zone in the name keep one platform's apart from another's in a tenant, and
# a clash is refused by name at creation. A lakehouse name begins with a letter and holds letters, digits and
# underscores, at most 123 (Learn, "Create a lakehouse in Microsoft Fabric"); it is joined without a separator
# so that a zone's dashes drop out.
declare_name_rule("fabric_workspace", NameRule("ws", 1, 256, r"[A-Za-z0-9][A-Za-z0-9_.-]*"))
declare_name_rule("fabric_connection", NameRule("conn", 1, 200, r"[A-Za-z0-9][A-Za-z0-9_.-]*"))
declare_name_rule("fabric_lakehouse", NameRule("lh", 1, 123, r"[A-Za-z][A-Za-z0-9]*", ""))
FABRIC_WORKSPACE_ROLES = ("Admin", "Member", "Contributor", "Viewer")


def fabric_workspace_resource_id(workspace_id: str) -> str:
    """The resource id a storage account's resource-instance rule names a Fabric workspace by: the all-zero
    subscription and resource group ``Fabric`` (MicrosoftDocs/fabric-docs,
    docs/security/security-trusted-workspace-access.md, "Resource instance rule via ARM template")."""
    return (
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/Fabric/providers/Microsoft.Fabric"
        f"/workspaces/{workspace_id}"
    )


class FabricError(RuntimeError):
    """A Fabric REST call failed; the message names the workspace and the item."""


@dataclass
class FabricSettings:
    """How providers reach Fabric; read at call time, never stored on a provider."""

    credential_factory: Callable[[], TokenCredential] = default_credential
    base_url: str = FABRIC_API
    client_kwargs: dict[str, Any] = field(default_factory=dict)
    poll_interval_seconds: float = 5.0


settings = FabricSettings()


@contextmanager
def _client(factory: Callable[..., Any]) -> Iterator[Any]:
    kwargs = {"polling_interval": settings.poll_interval_seconds, **settings.client_kwargs}
    base_url = settings.base_url if settings.base_url.endswith("/") else settings.base_url + "/"
    with closing_credential(settings.credential_factory) as credential:
        client = factory(credential, base_url=base_url, **kwargs)
        try:
            yield client
        finally:
            client.close()


def _core() -> Any:
    from microsoft_fabric_api.generated.core import FabricCoreClient

    return _client(
        lambda credential, base_url, **kwargs: FabricCoreClient(credential, endpoint=base_url + "v1/", **kwargs)
    )


def _lakehouse() -> Any:
    from microsoft_fabric_api.generated.lakehouse import FabricLakehouseClient

    return _client(
        lambda credential, base_url, **kwargs: FabricLakehouseClient(credential, endpoint=base_url + "v1/", **kwargs)
    )


def _semantic_model() -> Any:
    from microsoft_fabric_api.generated.semanticmodel import FabricSemanticModelClient

    return _client(
        lambda credential, base_url, **kwargs: FabricSemanticModelClient(
            credential, endpoint=base_url + "v1/", **kwargs
        )
    )


@contextmanager
def _surface(workspace: str, what: str, action: str) -> Iterator[None]:
    try:
        yield
    except AzureError as exc:
        raise FabricError(f"Fabric workspace '{workspace}': cannot {action} {what}: {exc}") from exc


def _raw_json(pipeline_response: PipelineResponse, _deserialized: Any, _headers: dict[str, Any]) -> Any:
    text = pipeline_response.http_response.text()
    return json.loads(text) if text else None


def _body(document: Mapping[str, Any]) -> io.BytesIO:
    return io.BytesIO(json.dumps(document).encode())


def _polling() -> Any:
    # Fabric's operation resource is at the Location header and reports its state in the body's "status"
    # (a 200 while still running), which only the operation-resource algorithm reads.
    from azure.core.polling.base_polling import LROBasePolling, OperationResourcePolling, StatusCheckPolling

    return LROBasePolling(
        settings.poll_interval_seconds,
        lro_algorithms=[OperationResourcePolling(operation_location_header="location"), StatusCheckPolling()],
    )


def _changed(keys: tuple[str, ...], olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    return [key for key in keys if olds.get(key) != news.get(key)]


def _find(items: Any, display_name: str) -> dict[str, Any] | None:
    for page in items.by_page():
        for item in page:
            found = item if isinstance(item, dict) else item.as_dict()
            if found.get("display_name", found.get("displayName")) == display_name:
                return found
    return None


# --------------------------------------------------------------------------------------------------
# Workspace


def _capacity_id(client: Any, capacity_name: str, workspace: str) -> str:
    for page in client.capacities.list_capacities().by_page():
        for capacity in page:
            if capacity.display_name == capacity_name:
                if capacity.state != "Active":
                    raise FabricError(
                        f"Fabric workspace '{workspace}': capacity '{capacity_name}' is {capacity.state}; resume it"
                    )
                return str(capacity.id)
    raise FabricError(
        f"Fabric workspace '{workspace}': no capacity '{capacity_name}' is visible to the deploying identity; it "
        "must be one of the capacity's administrators or contributors"
    )


def _role_key(assignment: Mapping[str, Any]) -> str:
    return str(assignment["principal_id"])


class WorkspaceProvider(pulumi.dynamic.ResourceProvider):
    """A workspace on a capacity, with its workspace identity and Entra group role assignments."""

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        name = props["display_name"]
        with _core() as client, _surface(name, "the workspace", "create"):
            capacity = _capacity_id(client, props["capacity_name"], name)
            created = client.workspaces.create_workspace(
                _body({"displayName": name, "description": props.get("description") or "", "capacityId": capacity}),
                cls=_raw_json,
            )
            workspace_id = created["id"]
            try:
                identity = self._provision_identity(client, workspace_id)
                # Trusted workspace access wants the identity a Contributor of its own workspace
                # (MicrosoftDocs/fabric-docs, docs/security/security-trusted-workspace-access.md, prerequisites); by
                # default it has no role.
                self._assign(
                    client,
                    workspace_id,
                    {
                        "principal_id": identity["servicePrincipalId"],
                        "principal_type": "ServicePrincipal",
                        "role": "Contributor",
                    },
                )
                for assignment in props.get("role_assignments") or []:
                    self._assign(client, workspace_id, assignment)
            except Exception:
                # Undo the first write: the name is unique in the tenant, and the next attempt needs it.
                client.workspaces.delete_workspace(workspace_id)
                raise
        return pulumi.dynamic.CreateResult(
            id_=workspace_id, outs=_workspace_outputs(props, workspace_id, capacity, identity)
        )

    def _provision_identity(self, client: Any, workspace_id: str) -> dict[str, Any]:
        client.workspaces.begin_provision_identity(workspace_id, polling=_polling(), cls=lambda *_: None).result()
        workspace = client.workspaces.get_workspace(workspace_id, cls=_raw_json)
        identity = workspace.get("workspaceIdentity") or {}
        if not identity.get("servicePrincipalId"):
            raise FabricError(f"Fabric workspace '{workspace_id}': the workspace identity was not provisioned")
        return identity

    def _assign(self, client: Any, workspace_id: str, assignment: Mapping[str, Any]) -> None:
        client.workspaces.add_workspace_role_assignment(
            workspace_id,
            _body(
                {
                    "principal": {"id": assignment["principal_id"], "type": assignment.get("principal_type", "Group")},
                    "role": assignment["role"],
                }
            ),
            cls=_raw_json,
        )

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        changed = _changed(("display_name", "description", "capacity_name", "role_assignments"), olds, news)
        return pulumi.dynamic.DiffResult(changes=bool(changed))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        name = news["display_name"]
        with _core() as client, _surface(name, "the workspace", "update"):
            capacity = olds.get("capacity_id")
            if _changed(("display_name", "description"), olds, news):
                client.workspaces.update_workspace(
                    id_, _body({"displayName": name, "description": news.get("description") or ""}), cls=_raw_json
                )
            if olds.get("capacity_name") != news["capacity_name"]:
                capacity = _capacity_id(client, news["capacity_name"], name)
                client.workspaces.assign_to_capacity(id_, _body({"capacityId": capacity}))
            self._reconcile_roles(client, id_, olds.get("role_assignments") or [], news.get("role_assignments") or [])
            identity = (client.workspaces.get_workspace(id_, cls=_raw_json) or {}).get("workspaceIdentity") or {}
        return pulumi.dynamic.UpdateResult(outs=_workspace_outputs(news, id_, capacity, identity))

    def _reconcile_roles(self, client: Any, workspace_id: str, olds: list[Any], news: list[Any]) -> None:
        before = {_role_key(a): a for a in olds}
        after = {_role_key(a): a for a in news}
        for principal in before.keys() - after.keys():
            with contextlib.suppress(ResourceNotFoundError):
                client.workspaces.delete_workspace_role_assignment(workspace_id, principal)
        for principal, assignment in after.items():
            if principal not in before:
                self._assign(client, workspace_id, assignment)
            elif before[principal]["role"] != assignment["role"]:
                client.workspaces.update_workspace_role_assignment(
                    workspace_id, principal, _body({"role": assignment["role"]}), cls=_raw_json
                )

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        with _core() as client, _surface(props.get("display_name", id_), "the workspace", "read"):
            try:
                workspace = client.workspaces.get_workspace(id_, cls=_raw_json)
            except ResourceNotFoundError:
                return pulumi.dynamic.ReadResult(id_="", outs={})
        identity = workspace.get("workspaceIdentity") or {}
        return pulumi.dynamic.ReadResult(
            id_=id_, outs=_workspace_outputs(props, id_, workspace.get("capacityId"), identity)
        )

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        with _core() as client, _surface(props.get("display_name", id_), "the workspace", "delete"):
            try:
                client.workspaces.delete_workspace(id_)
            except ResourceNotFoundError:
                return


def _workspace_outputs(
    props: Mapping[str, Any], workspace_id: str, capacity_id: str | None, identity: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "display_name": props["display_name"],
        "description": props.get("description"),
        "capacity_name": props["capacity_name"],
        "role_assignments": props.get("role_assignments") or [],
        "workspace_id": workspace_id,
        "capacity_id": capacity_id,
        "identity_application_id": identity.get("applicationId"),
        "identity_service_principal_id": identity.get("servicePrincipalId"),
    }


@dataclass
class FabricWorkspaceArgs:
    display_name: str
    capacity_name: pulumi.Input[str]
    """The capacity's name (its display name in Fabric), resolved to its Fabric id when the workspace is made."""
    description: str = ""
    role_assignments: list[dict[str, str]] = field(default_factory=list)
    """``{"principal_id": <Entra object id>, "principal_type": "Group", "role": "Admin|Member|Contributor|Viewer"}``."""


class FabricWorkspace(pulumi.dynamic.Resource, module="fabric", name="Workspace"):
    workspace_id: pulumi.Output[str]
    identity_application_id: pulumi.Output[str]
    identity_service_principal_id: pulumi.Output[str]

    def __init__(self, name: str, args: FabricWorkspaceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        for assignment in args.role_assignments:
            if assignment.get("role") not in FABRIC_WORKSPACE_ROLES:
                raise ValueError(
                    f"workspace role {assignment.get('role')!r}: one of {', '.join(FABRIC_WORKSPACE_ROLES)}"
                )
        props = {
            "display_name": args.display_name,
            "description": args.description,
            "capacity_name": args.capacity_name,
            "role_assignments": args.role_assignments,
            "workspace_id": None,
            "capacity_id": None,
            "identity_application_id": None,
            "identity_service_principal_id": None,
        }
        super().__init__(WorkspaceProvider(), name, props, opts)


# --------------------------------------------------------------------------------------------------
# Items of a workspace


class LakehouseProvider(pulumi.dynamic.ResourceProvider):
    """A lakehouse with schemas, so its table shortcuts sit under ``Tables/<schema>/`` like the serving views."""

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        workspace, name = props["workspace_id"], props["display_name"]
        with _lakehouse() as client, _surface(workspace, f"lakehouse '{name}'", "create"):
            client.items.begin_create_lakehouse(
                workspace,
                _body(
                    {
                        "displayName": name,
                        "description": props.get("description") or "",
                        "creationPayload": {"enableSchemas": True},
                    }
                ),
                polling=_polling(),
                cls=lambda *_: None,
            ).result()
            found = _find(client.items.list_lakehouses(workspace), name)
            if found is None:
                raise FabricError(f"Fabric workspace '{workspace}': lakehouse '{name}' is not there after its creation")
        return pulumi.dynamic.CreateResult(id_=found["id"], outs={**props, "lakehouse_id": found["id"]})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        replaces = _changed(("workspace_id",), olds, news)
        changed = _changed(("display_name", "description"), olds, news)
        return pulumi.dynamic.DiffResult(changes=bool(replaces or changed), replaces=replaces)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        with _lakehouse() as client, _surface(news["workspace_id"], f"lakehouse '{news['display_name']}'", "update"):
            client.items.update_lakehouse(
                news["workspace_id"],
                id_,
                _body({"displayName": news["display_name"], "description": news.get("description") or ""}),
                cls=_raw_json,
            )
        return pulumi.dynamic.UpdateResult(outs={**news, "lakehouse_id": id_})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        with _lakehouse() as client, _surface(props["workspace_id"], f"lakehouse '{props['display_name']}'", "delete"):
            try:
                client.items.delete_lakehouse(props["workspace_id"], id_)
            except ResourceNotFoundError:
                return


@dataclass
class FabricLakehouseArgs:
    workspace_id: pulumi.Input[str]
    display_name: str
    description: str = ""


class FabricLakehouse(pulumi.dynamic.Resource, module="fabric", name="Lakehouse"):
    lakehouse_id: pulumi.Output[str]

    def __init__(self, name: str, args: FabricLakehouseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props = {
            "workspace_id": args.workspace_id,
            "display_name": args.display_name,
            "description": args.description,
            "lakehouse_id": None,
        }
        super().__init__(LakehouseProvider(), name, props, opts)


def _connection_body(props: Mapping[str, Any]) -> dict[str, Any]:
    # An ADLS Gen2 cloud connection that signs in as the workspace identity (Fabric REST API, "Connections -
    # Create Connection": credentialType WorkspaceIdentity; Learn, "Workspace identity authentication").
    return {
        "connectivityType": "ShareableCloud",
        "displayName": props["display_name"],
        "connectionDetails": {
            "type": "AzureDataLakeStorage",
            "creationMethod": "AzureDataLakeStorage",
            "parameters": [
                {"dataType": "Text", "name": "server", "value": props["server"]},
                {"dataType": "Text", "name": "path", "value": props["path"]},
            ],
        },
        "privacyLevel": "Organizational",
        "credentialDetails": {
            "singleSignOnType": "None",
            "connectionEncryption": "NotEncrypted",
            "skipTestConnection": False,
            "credentials": {"credentialType": "WorkspaceIdentity"},
        },
    }


class ConnectionProvider(pulumi.dynamic.ResourceProvider):
    """A cloud connection to one container of a lake, authenticated as the workspace identity."""

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        with _core() as client, _surface(props["workspace_id"], f"connection '{props['display_name']}'", "create"):
            created = client.connections.create_connection(_body(_connection_body(props)), cls=_raw_json)
        return pulumi.dynamic.CreateResult(id_=created["id"], outs={**props, "connection_id": created["id"]})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        replaces = _changed(("server", "path", "workspace_id"), olds, news)
        changed = _changed(("display_name",), olds, news)
        return pulumi.dynamic.DiffResult(changes=bool(replaces or changed), replaces=replaces)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        with _core() as client, _surface(news["workspace_id"], f"connection '{news['display_name']}'", "update"):
            client.connections.update_connection(
                id_, _body({"connectivityType": "ShareableCloud", "displayName": news["display_name"]}), cls=_raw_json
            )
        return pulumi.dynamic.UpdateResult(outs={**news, "connection_id": id_})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        with _core() as client, _surface(props["workspace_id"], f"connection '{props['display_name']}'", "delete"):
            try:
                client.connections.delete_connection(id_)
            except ResourceNotFoundError:
                return


@dataclass
class FabricConnectionArgs:
    workspace_id: pulumi.Input[str]
    """The workspace whose identity the connection signs in as."""
    display_name: str
    server: pulumi.Input[str]
    """The lake's DFS endpoint, ``https://<account>.dfs.core.windows.net`` (trusted workspace access needs it)."""
    path: str
    """``/<container>``."""


class FabricConnection(pulumi.dynamic.Resource, module="fabric", name="Connection"):
    connection_id: pulumi.Output[str]

    def __init__(self, name: str, args: FabricConnectionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props = {
            "workspace_id": args.workspace_id,
            "display_name": args.display_name,
            "server": args.server,
            "path": args.path,
            "connection_id": None,
        }
        super().__init__(ConnectionProvider(), name, props, opts)


class ShortcutProvider(pulumi.dynamic.ResourceProvider):
    """A OneLake shortcut to a folder of an ADLS Gen2 lake; a shortcut cannot be changed, only replaced."""

    def _what(self, props: Mapping[str, Any]) -> str:
        return f"shortcut '{props['path']}/{props['shortcut_name']}'"

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        workspace, item = props["workspace_id"], props["item_id"]
        body = {
            "path": props["path"],
            "name": props["shortcut_name"],
            "target": {
                "adlsGen2": {
                    "location": props["target_url"],
                    "subpath": props["subpath"],
                    "connectionId": props["connection_id"],
                }
            },
        }
        with _core() as client, _surface(workspace, self._what(props), "create"):
            client.one_lake_shortcuts.create_shortcut(
                workspace, item, _body(body), shortcut_conflict_policy="Abort", cls=_raw_json
            )
        return pulumi.dynamic.CreateResult(
            id_=f"{workspace}/{item}/{props['path']}/{props['shortcut_name']}", outs=props
        )

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        replaces = _changed(
            ("workspace_id", "item_id", "path", "shortcut_name", "target_url", "subpath", "connection_id"), olds, news
        )
        return pulumi.dynamic.DiffResult(changes=bool(replaces), replaces=replaces, delete_before_replace=True)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        with _core() as client, _surface(props["workspace_id"], self._what(props), "delete"):
            try:
                client.one_lake_shortcuts.delete_shortcut(
                    props["workspace_id"], props["item_id"], props["path"], props["shortcut_name"]
                )
            except ResourceNotFoundError:
                return


@dataclass
class FabricShortcutArgs:
    workspace_id: pulumi.Input[str]
    item_id: pulumi.Input[str]
    path: str
    """Where in the item, ``Tables/<schema>``."""
    shortcut_name: str
    target_url: pulumi.Input[str]
    """The lake's DFS endpoint (the shortcut target's ``location``)."""
    subpath: str
    """``/<container>/<folder>`` of the table."""
    connection_id: pulumi.Input[str]


class FabricShortcut(pulumi.dynamic.Resource, module="fabric", name="Shortcut"):
    def __init__(self, name: str, args: FabricShortcutArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props = {
            "workspace_id": args.workspace_id,
            "item_id": args.item_id,
            "path": args.path,
            "shortcut_name": args.shortcut_name,
            "target_url": args.target_url,
            "subpath": args.subpath,
            "connection_id": args.connection_id,
        }
        super().__init__(ShortcutProvider(), name, props, opts)


def _definition(parts: Mapping[str, str], placeholders: Mapping[str, str]) -> dict[str, Any]:
    """The item definition Fabric takes: every file of the model folder, placeholders resolved, base64."""
    encoded = []
    for path, text in sorted(parts.items()):
        if path == ".platform":
            continue  # Git integration's own file; the API takes the name from displayName
        for placeholder, value in placeholders.items():
            text = text.replace(placeholder, value)
        encoded.append(
            {"path": path, "payload": base64.b64encode(text.encode()).decode(), "payloadType": "InlineBase64"}
        )
    return {"parts": encoded}


class SemanticModelProvider(pulumi.dynamic.ResourceProvider):
    """A semantic model from its Power BI project folder (TMDL); a changed definition is sent in place."""

    def _what(self, props: Mapping[str, Any]) -> str:
        return f"semantic model '{props['display_name']}'"

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        workspace, name = props["workspace_id"], props["display_name"]
        body = {
            "displayName": name,
            "description": props.get("description") or "",
            "definition": _definition(props["parts"], props.get("placeholders") or {}),
        }
        with _semantic_model() as client, _surface(workspace, self._what(props), "create"):
            client.items.begin_create_semantic_model(
                workspace, _body(body), polling=_polling(), cls=lambda *_: None
            ).result()
            found = _find(client.items.list_semantic_models(workspace), name)
            if found is None:
                raise FabricError(
                    f"Fabric workspace '{workspace}': {self._what(props)} is not there after its creation"
                )
        return pulumi.dynamic.CreateResult(id_=found["id"], outs={**props, "semantic_model_id": found["id"]})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        replaces = _changed(("workspace_id",), olds, news)
        changed = _changed(("display_name", "description", "parts", "placeholders"), olds, news)
        return pulumi.dynamic.DiffResult(changes=bool(replaces or changed), replaces=replaces)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        workspace = news["workspace_id"]
        with _semantic_model() as client, _surface(workspace, self._what(news), "update"):
            if _changed(("display_name", "description"), olds, news):
                client.items.update_semantic_model(
                    workspace,
                    id_,
                    _body({"displayName": news["display_name"], "description": news.get("description") or ""}),
                    cls=_raw_json,
                )
            if _changed(("parts", "placeholders"), olds, news):
                client.items.begin_update_semantic_model_definition(
                    workspace,
                    id_,
                    _body({"definition": _definition(news["parts"], news.get("placeholders") or {})}),
                    polling=_polling(),
                    cls=lambda *_: None,
                ).result()
        return pulumi.dynamic.UpdateResult(outs={**news, "semantic_model_id": id_})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        with _semantic_model() as client, _surface(props["workspace_id"], self._what(props), "delete"):
            try:
                client.items.delete_semantic_model(props["workspace_id"], id_)
            except ResourceNotFoundError:
                return


@dataclass
class FabricSemanticModelArgs:
    workspace_id: pulumi.Input[str]
    display_name: str
    parts: dict[str, str]
    """The model folder's files by path (``definition.pbism``, ``definition/tables/x.tmdl``, ...)."""
    placeholders: pulumi.Input[Mapping[str, pulumi.Input[str]]] = field(default_factory=dict)
    """Placeholder -> value, resolved in every part when it is sent (``{{ fabric.lakehouseId }}``)."""
    description: str = ""


class FabricSemanticModel(pulumi.dynamic.Resource, module="fabric", name="SemanticModel"):
    semantic_model_id: pulumi.Output[str]

    def __init__(self, name: str, args: FabricSemanticModelArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props = {
            "workspace_id": args.workspace_id,
            "display_name": args.display_name,
            "description": args.description,
            "parts": args.parts,
            "placeholders": args.placeholders,
            "semantic_model_id": None,
        }
        super().__init__(SemanticModelProvider(), name, props, opts)


# Reviewed: Fabric REST objects. Network exposure and identity are the workspace's (its identity is provisioned
# with it); the lake decides who reads through its resource-instance rule and role assignments. What Fabric
# gives each on creation (ids are GUIDs) is declared for the offline engine.
declare_type(
    "pulumi-python:dynamic/fabric:Workspace",
    computed_outputs=lambda created: {
        "workspace_id": created.guid("workspace"),
        "capacity_id": created.guid("capacity"),
        "identity_application_id": created.guid("identity-application"),
        "identity_service_principal_id": created.guid("identity-service-principal"),
    },
)
declare_type("pulumi-python:dynamic/fabric:Lakehouse", computed_outputs=lambda c: {"lakehouse_id": c.guid("item")})
declare_type("pulumi-python:dynamic/fabric:Connection", computed_outputs=lambda c: {"connection_id": c.guid("item")})
declare_type("pulumi-python:dynamic/fabric:Shortcut")
declare_type(
    "pulumi-python:dynamic/fabric:SemanticModel", computed_outputs=lambda c: {"semantic_model_id": c.guid("item")}
)
