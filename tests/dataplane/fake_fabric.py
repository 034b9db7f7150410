"""A local HTTPS fake of the Fabric REST API (``/v1``), for the calls ``components.fabric_items`` makes.

It answers as the service documents (Fabric REST API reference and "Long running operations"):

* ``GET /v1/capacities`` lists the capacities the caller may use (``{id, displayName, sku, region, state}``).
* Workspaces: ``POST /v1/workspaces`` answers 201 with the workspace (409 ``WorkspaceNameAlreadyExists`` for
  a display name in use, 404 ``CapacityNotFound`` for an unknown capacity); ``GET``, ``PATCH`` and
  ``DELETE /v1/workspaces/{id}``; ``POST .../assignToCapacity``; ``POST .../provisionIdentity`` is a
  long-running operation whose end gives the workspace its ``workspaceIdentity``; role assignments under
  ``.../roleAssignments`` (409 ``PrincipalAlreadyHasWorkspaceRolePermissions`` for a second one).
* Items: lakehouses (``POST /v1/workspaces/{id}/lakehouses`` is long-running; ``GET`` lists, ``PATCH`` and
  ``DELETE`` one), semantic models (create and ``updateDefinition`` long-running, the definition's parts
  base64-decoded and kept), connections (``/v1/connections``), and OneLake shortcuts under
  ``/v1/workspaces/{id}/items/{item}/shortcuts`` (409 on a name in use with ``shortcutConflictPolicy=Abort``).
* A long-running operation answers 202 with ``Location: <base>/v1/operations/{op}``, ``x-ms-operation-id``
  and ``Retry-After: 0``; the operation reports ``Running`` for ``operation_polls`` reads and then
  ``Succeeded`` (or ``Failed`` with the error ``fail_next_operation`` set).

Server, TLS and request recording are those of ``fake_synapse``.
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from .fake_synapse import FakeSynapse, RecordedRequest, _error, _Reply

_WORKSPACE = re.compile(r"^/v1/workspaces/(?P<ws>[^/]+)(?:/(?P<rest>.*))?$")
_OPERATION = re.compile(r"^/v1/operations/(?P<op>[^/]+)(?P<result>/result)?$")
_CONNECTION = re.compile(r"^/v1/connections(?:/(?P<id>[^/]+))?$")


@dataclass
class _FabricOperation:
    polls_left: int
    on_success: Any
    failure: tuple[int, dict[str, Any]] | None
    result: Any = None
    done: bool = False


class FakeFabric(FakeSynapse):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, workspace_name="fabric", **kwargs)
        self.capacities: dict[str, dict[str, Any]] = {}
        self.workspaces: dict[str, dict[str, Any]] = {}
        self.role_assignments_by_workspace: dict[str, dict[str, dict[str, Any]]] = {}
        self.items: dict[str, dict[str, dict[str, Any]]] = {}  # workspace -> item id -> item
        self.definitions: dict[str, dict[str, str]] = {}  # item id -> path -> decoded text
        self.connections: dict[str, dict[str, Any]] = {}
        self.shortcuts: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}  # (ws, item) -> "path/name" -> body
        self.fabric_operations: dict[str, _FabricOperation] = {}
        self.operation_polls = 1
        self._next_failure: tuple[int, dict[str, Any]] | None = None

    # -- test helpers ------------------------------------------------------------------------------

    def add_capacity(self, display_name: str, state: str = "Active") -> str:
        capacity_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"capacity/{display_name}"))
        self.capacities[capacity_id] = {
            "id": capacity_id,
            "displayName": display_name,
            "sku": "F2",
            "region": "West Europe",
            "state": state,
        }
        return capacity_id

    def fail_next_operation(self, status: int, code: str, message: str) -> None:
        self._next_failure = (status, {"errorCode": code, "message": message})

    def items_of(self, workspace_id: str, kind: str) -> list[dict[str, Any]]:
        return [i for i in self.items.get(workspace_id, {}).values() if i["type"] == kind]

    # -- routing -----------------------------------------------------------------------------------

    def _route(self, request: RecordedRequest) -> _Reply:
        if request.authorization != f"Bearer {self.expected_token}":
            return _error(401, "Unauthorized", "missing or wrong bearer token")
        if fault := self._faults.pop((request.method, request.path), None):
            return fault
        if match := _OPERATION.match(request.path):
            return self._operation(match["op"], bool(match["result"]))
        if request.path == "/v1/capacities" and request.method == "GET":
            return _Reply(200, {"value": list(self.capacities.values())})
        if request.path == "/v1/workspaces" and request.method == "POST":
            return self._create_workspace(request.body or {})
        if match := _CONNECTION.match(request.path):
            return self._connection(request.method, match["id"], request.body or {})
        if match := _WORKSPACE.match(request.path):
            workspace_id, rest = match["ws"], match["rest"] or ""
            if workspace_id not in self.workspaces:
                return _error(404, "WorkspaceNotFound", f"workspace {workspace_id} not found")
            return self._workspace(request, workspace_id, rest)
        return _error(404, "NotFound", f"{request.method} {request.path} is not implemented by the fake")

    def _long_running(self, on_success: Any) -> _Reply:
        op = str(uuid.uuid4())
        self.fabric_operations[op] = _FabricOperation(self.operation_polls, on_success, self._next_failure)
        self._next_failure = None
        return _Reply(
            202,
            None,
            {"Location": f"{self.url}/v1/operations/{op}", "x-ms-operation-id": op, "Retry-After": "0"},
        )

    def _operation(self, op: str, result: bool) -> _Reply:
        operation = self.fabric_operations.get(op)
        if operation is None:
            return _error(404, "OperationNotFound", op)
        if result:
            return _Reply(200, operation.result) if operation.done else _error(400, "OperationNotCompleted", op)
        if operation.polls_left > 0:
            operation.polls_left -= 1
            return _Reply(200, {"status": "Running", "percentComplete": 50})
        if operation.failure is not None:
            return _Reply(200, {"status": "Failed", "error": operation.failure[1]})
        if not operation.done:
            operation.result = operation.on_success()
            operation.done = True
        return _Reply(200, {"status": "Succeeded", "percentComplete": 100})

    # -- workspaces --------------------------------------------------------------------------------

    def _create_workspace(self, body: dict[str, Any]) -> _Reply:
        name = body.get("displayName")
        if not name:
            return _error(400, "InvalidInput", "displayName is required")
        if any(w["displayName"] == name for w in self.workspaces.values()):
            return _error(409, "WorkspaceNameAlreadyExists", f"workspace '{name}' already exists")
        capacity = body.get("capacityId")
        if capacity is not None and capacity not in self.capacities:
            return _error(404, "CapacityNotFound", f"capacity {capacity} not found")
        workspace_id = str(uuid.uuid4())
        self.workspaces[workspace_id] = {
            "id": workspace_id,
            "displayName": name,
            "description": body.get("description", ""),
            "type": "Workspace",
            "capacityId": capacity,
        }
        self.role_assignments_by_workspace[workspace_id] = {}
        self.items[workspace_id] = {}
        return _Reply(201, self.workspaces[workspace_id])

    def _workspace(self, request: RecordedRequest, workspace_id: str, rest: str) -> _Reply:
        workspace = self.workspaces[workspace_id]
        method, body = request.method, request.body or {}
        if not rest:
            if method == "GET":
                return _Reply(200, workspace)
            if method == "PATCH":
                workspace.update({k: v for k, v in body.items() if k in ("displayName", "description")})
                return _Reply(200, workspace)
            if method == "DELETE":
                del self.workspaces[workspace_id]
                self.items.pop(workspace_id, None)
                return _Reply(200)
        if rest == "assignToCapacity" and method == "POST":
            if body.get("capacityId") not in self.capacities:
                return _error(404, "CapacityNotFound", str(body.get("capacityId")))
            workspace["capacityId"] = body["capacityId"]
            return _Reply(202)
        if rest == "provisionIdentity" and method == "POST":
            return self._long_running(lambda: self._provision(workspace))
        if rest.startswith("roleAssignments"):
            return self._role(workspace_id, method, rest.removeprefix("roleAssignments").strip("/"), body)
        if rest in ("lakehouses", "semanticModels"):
            kind = "Lakehouse" if rest == "lakehouses" else "SemanticModel"
            if method == "GET":
                return _Reply(200, {"value": self.items_of(workspace_id, kind)})
            if method == "POST":
                return self._create_item(workspace_id, kind, body)
        if match := re.match(
            r"^(?P<kind>lakehouses|semanticModels)/(?P<id>[^/]+)(?P<action>/updateDefinition)?$", rest
        ):
            return self._item(workspace_id, match["id"], method, body, bool(match["action"]))
        if match := re.match(r"^items/(?P<item>[^/]+)/shortcuts(?:/(?P<path>.+))?$", rest):
            return self._shortcut(workspace_id, match["item"], method, match["path"], request)
        return _error(404, "NotFound", f"{method} {request.path} is not implemented by the fake")

    def _provision(self, workspace: dict[str, Any]) -> dict[str, Any]:
        workspace["workspaceIdentity"] = {
            "applicationId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"app/{workspace['id']}")),
            "servicePrincipalId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"sp/{workspace['id']}")),
        }
        return workspace["workspaceIdentity"]

    def _role(self, workspace_id: str, method: str, principal: str, body: dict[str, Any]) -> _Reply:
        assignments = self.role_assignments_by_workspace[workspace_id]
        if method == "POST" and not principal:
            principal_id = (body.get("principal") or {}).get("id")
            if body.get("role") not in ("Admin", "Member", "Contributor", "Viewer") or not principal_id:
                return _error(400, "InvalidInput", "principal and role are required")
            if principal_id in assignments:
                return _error(409, "PrincipalAlreadyHasWorkspaceRolePermissions", principal_id)
            assignments[principal_id] = {"id": principal_id, "principal": body["principal"], "role": body["role"]}
            return _Reply(201, assignments[principal_id])
        if principal not in assignments:
            return _error(404, "PrincipalNotFound", principal)
        if method == "PATCH":
            assignments[principal]["role"] = body.get("role")
            return _Reply(200, assignments[principal])
        if method == "DELETE":
            del assignments[principal]
            return _Reply(200)
        return _Reply(200, assignments[principal])

    # -- items -------------------------------------------------------------------------------------

    def _create_item(self, workspace_id: str, kind: str, body: dict[str, Any]) -> _Reply:
        name = body.get("displayName")
        if not name or any(i["displayName"] == name for i in self.items_of(workspace_id, kind)):
            return _error(409, "ItemDisplayNameAlreadyInUse", f"{kind} '{name}'")
        if kind == "SemanticModel" and not (body.get("definition") or {}).get("parts"):
            return _error(400, "InvalidDefinition", "a semantic model is created with its definition")

        def create() -> dict[str, Any]:
            item_id = str(uuid.uuid4())
            item = {
                "id": item_id,
                "type": kind,
                "displayName": name,
                "description": body.get("description", ""),
                "workspaceId": workspace_id,
            }
            if kind == "Lakehouse":
                item["properties"] = (
                    {"defaultSchema": "dbo"} if (body.get("creationPayload") or {}).get("enableSchemas") else {}
                )
            self.items[workspace_id][item_id] = item
            if kind == "SemanticModel":
                self.definitions[item_id] = _decode(body["definition"])
            return item

        return self._long_running(create)

    def _item(self, workspace_id: str, item_id: str, method: str, body: dict[str, Any], definition: bool) -> _Reply:
        item = self.items[workspace_id].get(item_id)
        if item is None:
            return _error(404, "ItemNotFound", item_id)
        if definition and method == "POST":
            parts = _decode(body.get("definition") or {})
            if not parts:
                return _error(400, "InvalidDefinition", "parts are required")

            def update() -> None:
                self.definitions[item_id] = parts

            return self._long_running(update)
        if method == "GET":
            return _Reply(200, item)
        if method == "PATCH":
            item.update({k: v for k, v in body.items() if k in ("displayName", "description")})
            return _Reply(200, item)
        if method == "DELETE":
            del self.items[workspace_id][item_id]
            self.definitions.pop(item_id, None)
            return _Reply(200)
        return _error(405, "MethodNotAllowed", method)

    def _connection(self, method: str, connection_id: str | None, body: dict[str, Any]) -> _Reply:
        if connection_id is None and method == "POST":
            name = body.get("displayName")
            if any(c["displayName"] == name for c in self.connections.values()):
                return _error(409, "DuplicateConnectionName", str(name))
            credentials = (body.get("credentialDetails") or {}).get("credentials") or {}
            if credentials.get("credentialType") is None:
                return _error(400, "InvalidInput", "credentialDetails.credentials.credentialType is required")
            connection_id = str(uuid.uuid4())
            self.connections[connection_id] = {"id": connection_id, **body}
            return _Reply(201, self.connections[connection_id])
        if connection_id not in self.connections:
            return _error(404, "ConnectionNotFound", str(connection_id))
        if method == "PATCH":
            self.connections[connection_id]["displayName"] = body.get("displayName")
            return _Reply(200, self.connections[connection_id])
        if method == "DELETE":
            del self.connections[connection_id]
            return _Reply(200)
        return _Reply(200, self.connections[connection_id])

    def _shortcut(
        self, workspace_id: str, item_id: str, method: str, path: str | None, request: RecordedRequest
    ) -> _Reply:
        if item_id not in self.items[workspace_id]:
            return _error(404, "ItemNotFound", item_id)
        shortcuts = self.shortcuts.setdefault((workspace_id, item_id), {})
        if method == "POST" and path is None:
            body = request.body or {}
            key = f"{body.get('path')}/{body.get('name')}"
            target = (body.get("target") or {}).get("adlsGen2") or {}
            if target.get("connectionId") not in self.connections:
                return _error(400, "InvalidConnection", f"connection {target.get('connectionId')} not found")
            if key in shortcuts and request.query.get("shortcutConflictPolicy") == "Abort":
                return _error(409, "ShortcutAlreadyExists", key)
            shortcuts[key] = body
            return _Reply(201, body)
        # The SDK sends the shortcut's path as one URL-encoded segment (Tables%2Fschema).
        path = unquote(path) if path else path
        if path not in shortcuts:
            return _error(404, "ShortcutNotFound", str(path))
        if method == "DELETE":
            del shortcuts[path]
            return _Reply(200)
        return _Reply(200, shortcuts[path])


def _decode(definition: dict[str, Any]) -> dict[str, str]:
    return {
        part["path"]: base64.b64decode(part["payload"]).decode()
        for part in definition.get("parts") or []
        if part.get("payloadType") == "InlineBase64"
    }
