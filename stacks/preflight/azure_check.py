"""``cloudscale preflight --check``: ask Azure whether a stack's requirements hold, before ``pulumi up``.

Each question goes through the service's maintained management SDK, signed in with
``DefaultAzureCredential``: provider registration and regional offer (azure-mgmt-resource), name
availability (the SDK of each service that has the API), the signed-in identity's role assignments
and their conditions (azure-mgmt-authorization), and the regional quotas (azure-mgmt-storage,
azure-mgmt-network, azure-mgmt-machinelearningservices). The SDKs are imported when a check runs, so
``cloudscale plan`` and the program never load them; they come with the ``preflight`` extra.

Every answer that would stop ``pulumi up`` becomes one ``Problem`` line saying what to do. Nothing
here prints or keeps a token.
"""

from __future__ import annotations

import base64
import fnmatch
import importlib
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cloudscale.components.core.credentials import closing_credential, default_credential
from cloudscale.components.core.roles import ROLE_BASED_ACCESS_CONTROL_ADMINISTRATOR, role_name
from cloudscale.stacks.preflight.requirements import GlobalName, Requirements

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

ARM_SCOPE = "https://management.azure.com/.default"
# Synapse's name check has no working Python SDK (azure-mgmt-synapse 2.0 needs ``six`` and is no longer
# released); its REST operation, "Workspaces - Check Name Availability" (Microsoft.Synapse 2021-06-01),
# goes through azure-mgmt-resource's pipeline (sign-in, retries) instead.
SYNAPSE_NAME_CHECK_API = "2021-06-01"
# Data Explorer checks a cluster name per region (its names are <name>.<region>.kusto.windows.net).
KUSTO_NAME_CHECK_API = "2024-04-13"
# What creating the stack's resource groups and resources takes, and what its role assignments take
# (Microsoft Learn, "Azure built-in roles": Contributor, Role Based Access Control Administrator).
RESOURCE_WRITE_ACTIONS = (
    "Microsoft.Resources/subscriptions/resourceGroups/write",
    "Microsoft.Resources/deployments/write",
)
ROLE_ASSIGNMENT_WRITE = "Microsoft.Authorization/roleAssignments/write"
_CONDITION_WRITE_ROLES = re.compile(
    r"@Request\[Microsoft\.Authorization/roleAssignments:RoleDefinitionId\]\s+"
    r"ForAnyOfAnyValues:GuidEquals\s*\{([^}]*)\}",
    re.IGNORECASE,
)


class SignInError(RuntimeError):
    """No credential could be had; the message says how to sign in."""


@dataclass(frozen=True)
class Problem:
    area: str
    message: str
    blocking: bool = True

    def line(self) -> str:
        return f"{'problem' if self.blocking else 'warning'} [{self.area}]: {self.message}"


@dataclass
class CheckResult:
    subscription_id: str
    principal_id: str
    problems: list[Problem] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)

    @property
    def blocking(self) -> bool:
        return any(p.blocking for p in self.problems)


@dataclass
class CheckSettings:
    """How the checks reach Azure; tests point them at a local fake."""

    credential_factory: Callable[[], TokenCredential] = default_credential
    base_url: str = "https://management.azure.com"
    client_kwargs: dict[str, Any] = field(default_factory=dict)


settings = CheckSettings()


def check_requirements(requirements: Requirements, subscription_id: str) -> CheckResult:
    """Every check, each area on its own so one that cannot read still lets the others report."""
    from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

    with _azure(subscription_id) as azure:
        try:
            principal_id = azure.principal_id()
        except ClientAuthenticationError as error:
            raise SignInError(
                "cannot sign in to Azure (" + _first_line(error.message) + "): run az login, or set the "
                "AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE of a workload identity"
            ) from None
        result = CheckResult(subscription_id, principal_id)
        for area, check in (
            ("providers", _check_providers),
            ("names", _check_names),
            ("roles", _check_roles),
            ("quotas", _check_quotas),
        ):
            try:
                check(azure, requirements, result)
            except HttpResponseError as error:
                result.problems.append(Problem(area, _unreadable(area, error, subscription_id)))
        return result


# -- the Azure session ---------------------------------------------------------------------------


class _Azure:
    def __init__(self, credential: TokenCredential, subscription_id: str) -> None:
        self.credential = credential
        self.subscription_id = subscription_id
        self._clients: dict[type, Any] = {}

    def client(self, cls: type) -> Any:
        if cls not in self._clients:
            self._clients[cls] = cls(
                self.credential, self.subscription_id, base_url=settings.base_url, **settings.client_kwargs
            )
        return self._clients[cls]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()

    def principal_id(self) -> str:
        """The signed-in identity's object id, from the ``oid`` claim of its ARM token."""
        token = self.credential.get_token(ARM_SCOPE).token
        try:
            payload = token.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            return str(claims["oid"])
        except (IndexError, ValueError, KeyError):
            from azure.core.exceptions import ClientAuthenticationError

            raise ClientAuthenticationError("the access token carries no object id (oid claim)") from None


@contextmanager
def _azure(subscription_id: str) -> Iterator[_Azure]:
    with closing_credential(settings.credential_factory) as credential:
        azure = _Azure(credential, subscription_id)
        try:
            yield azure
        finally:
            azure.close()


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else "no detail"


def _unreadable(area: str, error: Any, subscription_id: str) -> str:
    code = getattr(getattr(error, "error", None), "code", None) or getattr(error, "status_code", "")
    return (
        f"could not read the {area} of subscription {subscription_id} ({code}: "
        f"{_first_line(getattr(error, 'message', str(error)))}); the identity needs at least Reader there"
    )


# -- resource providers and regional offer --------------------------------------------------------


def _region_key(location: str) -> str:
    return location.replace(" ", "").lower()


def _check_providers(azure: _Azure, requirements: Requirements, result: CheckResult) -> None:
    from azure.mgmt.resource.resources import ResourceManagementClient

    providers = {p.namespace.lower(): p for p in azure.client(ResourceManagementClient).providers.list()}
    subscription = azure.subscription_id
    registered = 0
    for need in requirements.providers_to_register:
        provider = providers.get(need.namespace.lower())
        state = provider.registration_state if provider is not None else "unknown to the subscription"
        if state != "Registered":
            result.problems.append(
                Problem(
                    "providers",
                    f"resource provider {need.namespace} is {state}: az provider register --namespace "
                    f"{need.namespace} --subscription {subscription} (needed by {', '.join(need.because[:3])}"
                    f"{', ...' if len(need.because) > 3 else ''})",
                )
            )
        else:
            registered += 1
    result.passed.append(f"{registered} of {len(requirements.providers_to_register)} resource providers registered")
    region = _region_key(requirements.location)
    offered = 0
    for arm_type in requirements.regional_services:
        namespace, resource_type = arm_type.split("/", 1)
        provider = providers.get(namespace.lower())
        types = {t.resource_type.lower(): t for t in (provider.resource_types or [])} if provider else {}
        listed = types.get(resource_type.lower())
        locations = {_region_key(loc) for loc in (listed.locations or [])} if listed else set()
        if listed is not None and locations and region not in locations:
            result.problems.append(
                Problem(
                    "region",
                    f"{arm_type} is not offered in {requirements.location} for this subscription: choose another "
                    "cloudscale:location or turn the service off in the zone's services",
                )
            )
        else:
            offered += 1
    result.passed.append(
        f"{offered} of {len(requirements.regional_services)} services offered in {requirements.location}"
    )


# -- globally unique names ------------------------------------------------------------------------


# Naming kind -> (SDK module, client, operation group) of the service's "Check Name Availability".
_NAME_CHECKS: dict[str, tuple[str, str, str]] = {
    "storage_account": ("azure.mgmt.storage", "StorageManagementClient", "storage_accounts"),
    "key_vault": ("azure.mgmt.keyvault", "KeyVaultManagementClient", "vaults"),
    "container_registry": ("azure.mgmt.containerregistry", "ContainerRegistryManagementClient", "registries"),
    "sql_server": ("azure.mgmt.sql", "SqlManagementClient", "servers"),
    "purview": ("azure.mgmt.purview", "PurviewManagementClient", "accounts"),
}


def _name_available(azure: _Azure, name: GlobalName, location: str) -> tuple[bool | None, str]:
    """(available, Azure's reason); None where the service offers no check."""
    body = {"name": name.name, "type": name.arm_type}
    if name.kind in _NAME_CHECKS:
        module, client, group = _NAME_CHECKS[name.kind]
        operations = getattr(azure.client(getattr(importlib.import_module(module), client)), group)
        answer = operations.check_name_availability(body)
        # SQL answers ``available``, the others ``nameAvailable``.
        available = getattr(answer, "name_available", None)
        free = answer.available if available is None else available
        return bool(free), answer.message or str(answer.reason or "")
    if name.kind == "cosmos_account":
        from azure.mgmt.cosmosdb import CosmosDBManagementClient

        exists = azure.client(CosmosDBManagementClient).database_accounts.check_name_exists(name.name)
        return not exists, "an account of this name exists" if exists else ""
    if name.kind == "synapse_workspace":
        # No SDK in the preflight extra exposes these two checks; ARM's REST call is the same either way.
        answer = _post_name_check(azure, "Microsoft.Synapse/checkNameAvailability", SYNAPSE_NAME_CHECK_API, body)
        return bool(answer.get("available")), str(answer.get("message") or answer.get("reason") or "")
    if name.kind == "data_explorer_cluster":
        path = f"Microsoft.Kusto/locations/{_region_key(location)}/checkNameAvailability"
        answer = _post_name_check(azure, path, KUSTO_NAME_CHECK_API, body)
        return bool(answer.get("nameAvailable")), str(answer.get("message") or answer.get("reason") or "")
    return None, ""


def _post_name_check(azure: _Azure, path: str, api_version: str, body: dict[str, str]) -> dict[str, Any]:
    from azure.core.rest import HttpRequest
    from azure.mgmt.resource.resources import ResourceManagementClient

    request = HttpRequest(
        "POST",
        f"/subscriptions/{azure.subscription_id}/providers/{path}",
        params={"api-version": api_version},
        json=body,
    )
    response = azure.client(ResourceManagementClient).send_request(request)
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer


def _already_ours(azure: _Azure, name: GlobalName) -> bool:
    """Whether the name is taken by the very resource this stack declares (a later run)."""
    from azure.core.exceptions import ResourceNotFoundError
    from azure.mgmt.resource.resources import ResourceManagementClient

    resources = azure.client(ResourceManagementClient).resources
    query = f"resourceType eq '{name.arm_type}' and name eq '{name.name}'"
    try:
        return any(True for _ in resources.list_by_resource_group(name.resource_group, filter=query))
    except ResourceNotFoundError:
        return False


def _check_names(azure: _Azure, requirements: Requirements, result: CheckResult) -> None:
    available = ours = 0
    unchecked: list[str] = []
    for name in requirements.global_names:
        free, reason = _name_available(azure, name, requirements.location)
        if free is None:
            unchecked.append(name.name)
        elif free:
            available += 1
        elif _already_ours(azure, name):
            ours += 1
        else:
            hint = (
                "; a deleted vault keeps its name for its retention: purge it, or set "
                "cloudscale:softDelete.recoverDeleted to take it back"
                if name.kind == "key_vault"
                else ""
            )
            result.problems.append(
                Problem(
                    "names",
                    f"{name.kind.replace('_', ' ')} name {name.name} is taken ({reason or 'not available'}): set "
                    f"another cloudscale:nameSeed (the suffix of every global name) or cloudscale:prefix{hint}",
                )
            )
    result.passed.append(f"{available} global names available, {ours} already this stack's")
    if unchecked:
        result.problems.append(
            Problem(
                "names",
                f"{', '.join(unchecked)}: Azure offers no name check for this service; its name carries the "
                "platform's hash suffix, and a clash shows only at pulumi up",
                blocking=False,
            )
        )


# -- the deploying identity's roles ---------------------------------------------------------------


def _allows(permissions: list[Any], action: str) -> bool:
    granted = any(fnmatch.fnmatch(action.lower(), a.lower()) for p in permissions for a in (p.actions or []))
    denied = any(fnmatch.fnmatch(action.lower(), a.lower()) for p in permissions for a in (p.not_actions or []))
    return granted and not denied


def _applies_to(scope: str, subscription_scope: str) -> bool:
    """An assignment at the subscription or above it (a management group, the root) covers the stack."""
    scope = scope.rstrip("/").lower()
    return scope in ("", subscription_scope.lower()) or scope.startswith("/providers/microsoft.management/")


def _condition_roles(condition: str) -> set[str] | None:
    """The roles a condition lets its holder assign; None when the condition does not constrain roles."""
    found = _CONDITION_WRITE_ROLES.search(condition)
    if found is None:
        return None
    return {guid.strip().lower() for guid in found.group(1).split(",") if guid.strip()}


def _check_roles(azure: _Azure, requirements: Requirements, result: CheckResult) -> None:
    from azure.mgmt.authorization import AuthorizationManagementClient

    client = azure.client(AuthorizationManagementClient)
    scope = f"/subscriptions/{azure.subscription_id}"
    assignments = [
        a
        for a in client.role_assignments.list_for_scope(scope, filter=f"assignedTo('{result.principal_id}')")
        if _applies_to(a.scope or "", scope)
    ]
    definitions: dict[str, Any] = {}
    can_write = False
    assignable: set[str] = set()
    for assignment in assignments:
        role_id = assignment.role_definition_id
        if role_id not in definitions:
            definitions[role_id] = client.role_definitions.get_by_id(role_id)
        permissions = list(definitions[role_id].permissions or [])
        can_write = can_write or all(_allows(permissions, action) for action in RESOURCE_WRITE_ACTIONS)
        if _allows(permissions, ROLE_ASSIGNMENT_WRITE):
            # Without a condition the holder assigns any role; with one, only the roles it names.
            if assignment.condition:
                assignable |= _condition_roles(assignment.condition) or set()
            else:
                assignable |= set(requirements.granted_roles)
    who = f"the signed-in identity {result.principal_id}"
    if not can_write:
        result.problems.append(
            Problem(
                "roles",
                f"{who} cannot create resource groups and resources at {scope}: assign it Contributor there "
                f"(az role assignment create --assignee-object-id {result.principal_id} --role Contributor "
                f"--scope {scope}), or Owner",
            )
        )
    missing = [guid for guid in requirements.granted_roles if guid not in assignable]
    if missing:
        result.problems.append(
            Problem(
                "roles",
                f"{who} cannot assign {len(missing)} of the {len(requirements.granted_roles)} roles the stack grants "
                f"({', '.join(role_name(g) for g in missing)}) at {scope}: assign it "
                f"{role_name(ROLE_BASED_ACCESS_CONTROL_ADMINISTRATOR)} with the condition `cloudscale preflight` "
                f"prints (or Owner)",
            )
        )
    if can_write and not missing:
        holds = sorted({role_name(a.role_definition_id) for a in assignments})
        result.passed.append(f"{who} holds {', '.join(holds)} at or above {scope}")


# -- quotas ---------------------------------------------------------------------------------------


def _usages(azure: _Azure, namespace: str, location: str) -> dict[str, Any]:
    if namespace == "Microsoft.Storage":
        from azure.mgmt.storage import StorageManagementClient

        listed = azure.client(StorageManagementClient).usages.list_by_location(location)
    elif namespace == "Microsoft.Network":
        from azure.mgmt.network import NetworkManagementClient

        listed = azure.client(NetworkManagementClient).usages.list(location)
    else:
        from azure.mgmt.machinelearningservices import MachineLearningServicesMgmtClient

        listed = azure.client(MachineLearningServicesMgmtClient).usages.list(location)
    return {usage.name.value.lower(): usage for usage in listed}


def _check_quotas(azure: _Azure, requirements: Requirements, result: CheckResult) -> None:
    location = requirements.location
    by_namespace: dict[str, dict[str, Any]] = {}
    within = 0
    for (namespace, usage_name), needed in sorted(requirements.quota_needs.items()):
        usages = by_namespace.setdefault(namespace, _usages(azure, namespace, location))
        usage = usages.get(usage_name.lower())
        if usage is None:
            continue
        free = int(usage.limit) - int(usage.current_value)
        if free < needed:
            result.problems.append(
                Problem(
                    "quotas",
                    f"{namespace} {usage_name} in {location}: the stack creates {needed}, the subscription has "
                    f"{free} left ({usage.current_value} of {usage.limit} used, this stack's existing ones "
                    "included): request a quota increase (Azure portal, Quotas) or free some",
                )
            )
        else:
            within += 1
    _check_ml_cores(azure, requirements, result)
    result.passed.append(f"{within} regional quotas leave room for the stack")


def _check_ml_cores(azure: _Azure, requirements: Requirements, result: CheckResult) -> None:
    """Azure ML compute clusters draw on Azure ML's own per-family vCPU quota (Microsoft Learn, "Manage
    and increase quotas and limits for resources with Azure Machine Learning")."""
    if not requirements.ml_clusters:
        return
    from azure.mgmt.machinelearningservices import MachineLearningServicesMgmtClient

    client = azure.client(MachineLearningServicesMgmtClient)
    sizes = {s.name.lower(): s for s in client.virtual_machine_sizes.list(requirements.location).aml_compute or []}
    usages = _usages(azure, "Microsoft.MachineLearningServices", requirements.location)
    for vm_size, nodes in sorted(requirements.ml_clusters.items()):
        size = sizes.get(vm_size.lower())
        if size is None:
            result.problems.append(
                Problem(
                    "quotas",
                    f"Azure ML offers no {vm_size} in {requirements.location}: set machineLearning.clusterVmSize "
                    "to a size the region offers",
                )
            )
            continue
        usage = usages.get(str(size.family).lower())
        needed = int(size.v_cp_us) * nodes
        if usage is not None and int(usage.limit) - int(usage.current_value) < needed:
            # The cluster is created at zero nodes; only scaling past the quota fails, so pulumi up succeeds.
            result.problems.append(
                Problem(
                    "quotas",
                    f"Azure ML {size.family} vCPUs in {requirements.location}: {nodes} nodes of {vm_size} need "
                    f"{needed}, {int(usage.limit) - int(usage.current_value)} are left: request an Azure ML quota "
                    "increase or lower machineLearning.clusterMaxNodes",
                    blocking=False,
                )
            )


__all__ = ["CheckResult", "CheckSettings", "Problem", "SignInError", "check_requirements", "settings"]
