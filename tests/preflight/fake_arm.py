"""A local HTTPS fake of the Azure Resource Manager endpoints ``cloudscale preflight --check`` asks.

It answers as ARM does, in the shapes the management SDKs read:

* ``GET /subscriptions/{sub}/providers``: every resource provider with its ``registrationState`` and
  resource types, each with the locations that offer it ("West Europe", display names as ARM gives them).
* ``POST /subscriptions/{sub}/providers/{namespace}/checkNameAvailability`` for Microsoft.Storage,
  Microsoft.KeyVault, Microsoft.ContainerRegistry and Microsoft.Purview (``nameAvailable``, ``reason``,
  ``message``), Microsoft.Sql and Microsoft.Synapse (``available``, ``reason``, ``message``); a name
  whose ``type`` differs from the namespace's is a 400, as ARM answers.
* ``POST /subscriptions/{sub}/providers/Microsoft.Kusto/locations/{location}/checkNameAvailability``:
  Data Explorer's per-region check (``nameAvailable``, ``reason``, ``message``).
* ``HEAD /providers/Microsoft.DocumentDB/databaseAccountNames/{name}``: 200 when an account has the
  name, 404 when not.
* ``GET /subscriptions/{sub}/resourceGroups/{rg}/resources?$filter=resourceType eq '...' and name eq '...'``:
  the matching resources, 404 ``ResourceGroupNotFound`` for a group that does not exist.
* ``GET /subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments?$filter=assignedTo('{oid}')``
  and ``GET .../roleDefinitions/{guid}``: the principal's assignments (with conditions) and the
  built-in role definitions with their actions and not-actions.
* ``GET /subscriptions/{sub}/providers/{Microsoft.Storage|Microsoft.Network|Microsoft.MachineLearningServices}
  /locations/{location}/usages`` and Azure ML's ``/vmSizes`` (``amlCompute``: name, family, vCPUs).

Every request must carry the bearer token and an api-version. The server and TLS are
``tests/dataplane/fake_synapse.py``'s.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.dataplane.fake_synapse import FakeSynapse, RecordedRequest, _error, _Reply

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
RBAC_ADMINISTRATOR = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
# Actions and not-actions of the built-in roles (Microsoft Learn, "Azure built-in roles").
ROLE_DEFINITIONS: dict[str, tuple[str, list[str], list[str]]] = {
    OWNER: ("Owner", ["*"], []),
    CONTRIBUTOR: (
        "Contributor",
        ["*"],
        [
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action",
            "Microsoft.Blueprint/blueprintAssignments/write",
            "Microsoft.Blueprint/blueprintAssignments/delete",
            "Microsoft.Compute/galleries/share/action",
        ],
    ),
    READER: ("Reader", ["*/read"], []),
    RBAC_ADMINISTRATOR: (
        "Role Based Access Control Administrator",
        [
            "Microsoft.Authorization/roleAssignments/write",
            "Microsoft.Authorization/roleAssignments/delete",
            "*/read",
            "Microsoft.Support/*",
        ],
        [],
    ),
}
NAME_CHECKS = {
    "Microsoft.Storage": "Microsoft.Storage/storageAccounts",
    "Microsoft.KeyVault": "Microsoft.KeyVault/vaults",
    "Microsoft.ContainerRegistry": "Microsoft.ContainerRegistry/registries",
    "Microsoft.Purview": "Microsoft.Purview/accounts",
    "Microsoft.Sql": "Microsoft.Sql/servers",
    "Microsoft.Synapse": "Microsoft.Synapse/workspaces",
    "Microsoft.Kusto": "Microsoft.Kusto/clusters",
}
# Namespaces whose check is per region (``.../locations/{location}/checkNameAvailability``).
_REGIONAL_NAME_CHECKS = {"Microsoft.Kusto"}
_AVAILABLE_FIELD = {"Microsoft.Sql": "available", "Microsoft.Synapse": "available"}

_PROVIDERS = re.compile(r"^/subscriptions/(?P<sub>[^/]+)/providers$")
_NAME_CHECK = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/providers/(?P<ns>[^/]+)(/locations/(?P<loc>[^/]+))?/checkNameAvailability$"
)
_COSMOS_NAME = re.compile(r"^/providers/Microsoft\.DocumentDB/databaseAccountNames/(?P<name>[^/]+)$")
# ARM paths are case-insensitive; azure-mgmt-resource writes "resourcegroups".
_GROUP_RESOURCES = re.compile(r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/resources$", re.IGNORECASE)
_ASSIGNMENTS = re.compile(r"^/subscriptions/(?P<sub>[^/]+)/providers/Microsoft\.Authorization/roleAssignments$")
_DEFINITION = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/providers/Microsoft\.Authorization/roleDefinitions/(?P<id>[^/]+)$"
)
_USAGES = re.compile(r"^/subscriptions/(?P<sub>[^/]+)/providers/(?P<ns>[^/]+)/locations/(?P<loc>[^/]+)/usages$")
_VM_SIZES = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/providers/Microsoft\.MachineLearningServices/locations/(?P<loc>[^/]+)/vmSizes$"
)
_FILTER = re.compile(r"resourceType eq '(?P<type>[^']+)' and name eq '(?P<name>[^']+)'")
_ASSIGNED_TO = re.compile(r"assignedTo\('(?P<oid>[^']+)'\)")


def _guid(index: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"fake-arm/{index}"))


def access_token(object_id: str) -> str:
    """A JWT-shaped token whose claims carry the principal's object id, as Entra ID's ARM tokens do."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return (
        f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part({'oid': object_id, 'aud': 'https://management.azure.com'})}.c2ln"
    )


@dataclass
class ArmState:
    """What the fake subscription holds; tests change it before the check runs."""

    subscription_id: str
    principal_id: str
    location_display: str = "West Europe"
    unregistered: set[str] = field(default_factory=set)
    # ARM resource type -> names taken anywhere in Azure.
    taken: dict[str, set[str]] = field(default_factory=dict)
    # resource group -> [(ARM type, name)] of this subscription.
    groups: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # (role GUID, scope, condition or None) held by the principal.
    assignments: list[tuple[str, str, str | None]] = field(default_factory=list)
    # (namespace, usage name) -> (current, limit)
    usages: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    ml_vm_sizes: dict[str, tuple[str, int]] = field(default_factory=dict)

    def group_id(self, group: str) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{group}"


class FakeArm(FakeSynapse):
    def __init__(self, *args: Any, state: ArmState, namespaces: dict[str, list[str]], **kwargs: Any) -> None:
        super().__init__(*args, workspace_name="arm", subscription_id=state.subscription_id, **kwargs)
        self.state = state
        # namespace -> resource types (without the namespace) the fake's providers list.
        self.namespaces = namespaces

    def _route(self, request: RecordedRequest) -> _Reply:
        if request.authorization != f"Bearer {self.expected_token}":
            return _error(401, "AuthenticationFailed", "missing or wrong bearer token")
        if not request.api_version:
            return _error(400, "MissingApiVersionParameter", "The api-version query parameter is required")
        if fault := self._faults.pop((request.method, request.path), None):
            return fault
        for pattern, method, handler in (
            (_PROVIDERS, "GET", self._providers),
            (_NAME_CHECK, "POST", self._name_check),
            (_COSMOS_NAME, "HEAD", self._cosmos_name),
            (_GROUP_RESOURCES, "GET", self._group_resources),
            (_ASSIGNMENTS, "GET", self._assignments),
            (_DEFINITION, "GET", self._definition),
            (_USAGES, "GET", self._usages),
            (_VM_SIZES, "GET", self._vm_sizes),
        ):
            match = pattern.match(request.path)
            if match and request.method == method:
                sub = match.groupdict().get("sub")
                if sub is not None and sub != self.state.subscription_id:
                    return _error(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")
                return handler(request, match)
        return _error(404, "NotFound", f"{request.method} {request.path}")

    def _providers(self, _request: RecordedRequest, _match: re.Match[str]) -> _Reply:
        providers = [
            {
                "id": f"/subscriptions/{self.state.subscription_id}/providers/{namespace}",
                "namespace": namespace,
                "registrationState": "NotRegistered" if namespace in self.state.unregistered else "Registered",
                "resourceTypes": [
                    {"resourceType": resource_type, "locations": [self.state.location_display, "North Europe"]}
                    for resource_type in types
                ],
            }
            for namespace, types in self.namespaces.items()
        ]
        return _Reply(200, {"value": providers})

    def _name_check(self, request: RecordedRequest, match: re.Match[str]) -> _Reply:
        namespace = match["ns"]
        expected = NAME_CHECKS.get(namespace)
        body = request.body or {}
        if (match["loc"] is not None) != (namespace in _REGIONAL_NAME_CHECKS):
            return _error(404, "NotFound", f"{namespace} has no checkNameAvailability at {request.path}")
        if expected is None or body.get("type") != expected:
            return _error(400, "InvalidResourceType", f"type {body.get('type')!r} cannot be checked here")
        name = str(body.get("name"))
        taken = name in self.state.taken.get(expected, set())
        answer: dict[str, Any] = {_AVAILABLE_FIELD.get(namespace, "nameAvailable"): not taken}
        if taken:
            answer.update(reason="AlreadyExists", message=f"The name '{name}' is already in use.")
        if namespace in _AVAILABLE_FIELD:
            answer["name"] = name
        return _Reply(200, answer)

    def _cosmos_name(self, _request: RecordedRequest, match: re.Match[str]) -> _Reply:
        taken = match["name"] in self.state.taken.get("Microsoft.DocumentDB/databaseAccounts", set())
        return _Reply(200 if taken else 404)

    def _group_resources(self, request: RecordedRequest, match: re.Match[str]) -> _Reply:
        group = self.state.groups.get(match["rg"])
        if group is None:
            return _error(404, "ResourceGroupNotFound", f"Resource group '{match['rg']}' could not be found.")
        wanted = _FILTER.search(request.query.get("$filter", ""))
        if wanted is None:
            return _error(400, "InvalidFilter", "the fake answers resourceType-and-name filters only")
        found = [
            {
                "id": f"{self.state.group_id(match['rg'])}/providers/{typ}/{name}",
                "name": name,
                "type": typ,
            }
            for typ, name in group
            if typ.lower() == wanted["type"].lower() and name == wanted["name"]
        ]
        return _Reply(200, {"value": found})

    def _assignments(self, request: RecordedRequest, _match: re.Match[str]) -> _Reply:
        wanted = _ASSIGNED_TO.search(request.query.get("$filter", ""))
        if wanted is None or wanted["oid"] != self.state.principal_id:
            return _Reply(200, {"value": []})
        value = []
        for index, (role, scope, condition) in enumerate(self.state.assignments):
            properties: dict[str, Any] = {
                "roleDefinitionId": f"/subscriptions/{self.state.subscription_id}/providers/"
                f"Microsoft.Authorization/roleDefinitions/{role}",
                "principalId": self.state.principal_id,
                "principalType": "ServicePrincipal",
                "scope": scope,
            }
            if condition:
                properties.update(condition=condition, conditionVersion="2.0")
            value.append(
                {
                    "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{_guid(index)}",
                    "type": "Microsoft.Authorization/roleAssignments",
                    "properties": properties,
                }
            )
        return _Reply(200, {"value": value})

    def _definition(self, _request: RecordedRequest, match: re.Match[str]) -> _Reply:
        known = ROLE_DEFINITIONS.get(match["id"])
        if known is None:
            return _error(
                404, "RoleDefinitionDoesNotExist", f"The specified role definition {match['id']} does not exist."
            )
        name, actions, not_actions = known
        return _Reply(
            200,
            {
                "id": f"/subscriptions/{self.state.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/"
                f"{match['id']}",
                "name": match["id"],
                "type": "Microsoft.Authorization/roleDefinitions",
                "properties": {
                    "roleName": name,
                    "type": "BuiltInRole",
                    "permissions": [{"actions": actions, "notActions": not_actions}],
                    "assignableScopes": ["/"],
                },
            },
        )

    def _usages(self, _request: RecordedRequest, match: re.Match[str]) -> _Reply:
        namespace = match["ns"]
        value = [
            {
                "name": {"value": usage, "localizedValue": usage},
                "currentValue": current,
                "limit": limit,
                "unit": "Count",
            }
            for (ns, usage), (current, limit) in self.state.usages.items()
            if ns == namespace
        ]
        return _Reply(200, {"value": value})

    def _vm_sizes(self, _request: RecordedRequest, _match: re.Match[str]) -> _Reply:
        value = [
            {"name": size, "family": family, "vCPUs": cores} for size, (family, cores) in self.state.ml_vm_sizes.items()
        ]
        return _Reply(200, {"amlCompute": value})
