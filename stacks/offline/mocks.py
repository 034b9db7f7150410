"""Pulumi mocks that behave like Azure closely enough to show a person, or a test, the real program.

In update mode every azure-native resource gets an ARM-shaped id and the computed outputs its
consumers read: identity principal ids here, and what each type's component declares (endpoints,
the firewall's private IP) through ``type_facts``. In preview mode the
engine returns only the inputs, so ids and computed outputs are unknown, as in ``pulumi preview``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import MockCallArgs, MockResourceArgs

from cloudscale.components.baseline.type_facts import Created, registry

SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
TENANT_ID = "11111111-1111-1111-1111-111111111111"
CLIENT_OBJECT_ID = "22222222-2222-2222-2222-222222222222"


@dataclass(slots=True)
class RecordedResource:
    typ: str
    name: str
    inputs: dict[str, Any]
    custom: bool
    provider: str | None
    resource_id: str | None


def _stable_guid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


# The physical name input of each azure-native type is the one ending in "Name" that is not the
# resource group's; read it so ids look like ARM ids.
_NAME_EXCLUDES = frozenset({"resourceGroupName", "location", "skuName"})


def _physical_name(args: MockResourceArgs) -> str:
    if args.typ == "azure-native:resources:ResourceGroup" and args.inputs.get("resourceGroupName"):
        return str(args.inputs["resourceGroupName"])
    for key in ("resourceName", "name"):
        value = args.inputs.get(key)
        if isinstance(value, str) and value:
            return value
    # Child resources also carry their parents' names (a container's accountName, a workspace's
    # managedResourceGroupName) and the order of the inputs is not stable from run to run, so the key
    # named after the type wins: containerName, workspaceName, virtualNetworkPeeringName.
    words = re.findall(r"[A-Z][a-z0-9]*", args.typ.rsplit(":", 1)[-1])
    for start in range(len(words)):
        own = "".join(words[start:])
        value = args.inputs.get(f"{own[0].lower()}{own[1:]}Name")
        if isinstance(value, str) and value:
            return value
    for key, value in args.inputs.items():
        if key.endswith("Name") and key not in _NAME_EXCLUDES and isinstance(value, str) and value:
            return value
    return args.name


# An invoke's answer from its arguments, as the provider would give it (camelCase keys).
Invoke = Callable[[dict[str, Any]], Mapping[str, Any]]


@dataclass
class AzureMocks(pulumi.runtime.Mocks):
    preview: bool = False
    stack_outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Answers to invokes by token, beyond those the platform itself makes (getClientConfig).
    invokes: dict[str, Invoke] = field(default_factory=dict)
    resources: list[RecordedResource] = field(default_factory=list)
    calls: list[MockCallArgs] = field(default_factory=list)
    ids: dict[tuple[str, str], str] = field(default_factory=dict)
    _subnet_prefixes: dict[str, str] = field(default_factory=dict)

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        # The engine deserialised ``inputs`` for this call alone and reads them only through the
        # outputs built below, which are a new dict: the record keeps that dict, not a copy.
        self.resources.append(
            RecordedResource(args.typ, args.name, args.inputs, bool(args.custom), args.provider, args.resource_id)
        )
        if args.typ == "pulumi:pulumi:StackReference":
            if args.resource_id not in self.stack_outputs:
                raise KeyError(f"stack reference {args.resource_id!r} has no mocked outputs")
            return args.resource_id, {"name": args.resource_id, "outputs": self.stack_outputs[args.resource_id]}
        if not args.custom:
            return None, {}
        if self.preview:
            return "", _preview_outputs(args.inputs)
        resource_id = self._resource_id(args)
        self.ids[(args.typ, args.name)] = resource_id
        outputs = {**args.inputs, "id": resource_id, "name": _physical_name(args)}
        try:
            outputs.update(_computed_outputs(args, resource_id, self._subnet_prefixes))
        except ValueError as error:
            # The engine reports a mock's failure without saying which resource it was creating.
            raise ValueError(f"{args.typ} {args.name!r}: {error}") from error
        facts = registry().get(args.typ)
        if facts is not None and facts.computed_outputs is not None:
            created = Created(
                name=outputs["name"],
                resource_id=resource_id,
                inputs=dict(args.inputs),
                subscription_id=SUBSCRIPTION_ID,
                tenant_id=TENANT_ID,
                guid=lambda label: _stable_guid(resource_id, label),
                subnet_prefix=lambda subnet_id: self._subnet_prefixes.get(subnet_id, ""),
            )
            outputs.update(facts.computed_outputs(created))
        return resource_id, outputs

    def call(self, args: MockCallArgs) -> dict[str, Any]:
        self.calls.append(args)
        if args.token in self.invokes:
            return dict(self.invokes[args.token](dict(args.args)))
        if args.token == "azure-native:authorization:getClientConfig":
            return {
                "clientId": "cloudscale-offline",
                "objectId": CLIENT_OBJECT_ID,
                "subscriptionId": SUBSCRIPTION_ID,
                "tenantId": TENANT_ID,
            }
        raise NotImplementedError(f"invoke {args.token} has no offline mock; give its answer in invokes={{token: ...}}")

    def _resource_id(self, args: MockResourceArgs) -> str:
        if not args.typ.startswith("azure-native:"):
            return f"{args.typ}::{args.name}"
        _, module, kind = args.typ.split(":")
        name = _physical_name(args)
        if kind == "ResourceGroup":
            return f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{name}"
        group = args.inputs.get("resourceGroupName", "offline")
        scope = args.inputs.get("scope")
        if isinstance(scope, str) and scope.startswith("/"):
            return f"{scope}/providers/{module}/{kind}/{name}"
        parent_keys = [
            v for k, v in args.inputs.items() if k.endswith("Name") and k not in _NAME_EXCLUDES and v != name
        ]
        path = "/".join(str(p) for p in parent_keys[:2])
        middle = f"{path}/" if path else ""
        return f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{group}/providers/{module}/{middle}{kind}/{name}"


def _computed_outputs(args: MockResourceArgs, resource_id: str, subnets: dict[str, str]) -> dict[str, Any]:
    """What Azure computes on create for any type; type-specific outputs come from ``type_facts``."""
    inputs = args.inputs
    out: dict[str, Any] = {}
    identity = inputs.get("identity")
    if isinstance(identity, dict):
        out["identity"] = _identity_output(identity, resource_id)
    kind = args.typ.split(":")[-1]
    if kind == "Subnet":
        subnets[resource_id] = str(inputs.get("addressPrefix", ""))
    elif kind == "UserAssignedIdentity":
        out.update(
            principalId=_stable_guid(resource_id, "principal"),
            clientId=_stable_guid(resource_id, "client"),
            tenantId=TENANT_ID,
        )
    return out


def _preview_outputs(inputs: dict[str, Any]) -> dict[str, Any]:
    """A preview knows what it was given, in the shape the provider answers in: user-assigned identities
    given as a list of ids come back as a map keyed by id, their principal ids still unknown."""
    outputs = dict(inputs)
    identity = inputs.get("identity")
    if isinstance(identity, dict) and isinstance(identity.get("userAssignedIdentities"), (list, tuple)):
        assigned = {str(identity_id): {} for identity_id in identity["userAssignedIdentities"]}
        outputs["identity"] = {**identity, "userAssignedIdentities": assigned}
    return outputs


def _identity_output(identity: dict[str, Any], resource_id: str) -> dict[str, Any]:
    """Azure's answer to an ``identity`` input: principal ids, and user-assigned ids as a map keyed by id.

    Most services take the user-assigned identities as a list of ids but every one returns them as
    a map of id -> {principalId, clientId} (ARM's ManagedServiceIdentity shape).
    """
    kind = str(identity.get("type", ""))
    out = dict(identity)
    if "SystemAssigned" in kind:
        out.update(principalId=_stable_guid(resource_id, "principal"), tenantId=TENANT_ID)
    assigned = identity.get("userAssignedIdentities")
    if assigned:
        if "UserAssigned" not in kind:
            raise ValueError(f"identity type {kind!r} does not take userAssignedIdentities")
        ids = list(assigned) if isinstance(assigned, (list, tuple, dict)) else [assigned]
        out["userAssignedIdentities"] = {
            str(identity_id): {
                "principalId": _stable_guid(str(identity_id), "principal"),
                "clientId": _stable_guid(str(identity_id), "client"),
            }
            for identity_id in ids
        }
    return out
