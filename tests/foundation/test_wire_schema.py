"""Every input our program sends to Azure is a property the azure-native SDK knows, with a value it knows.

Plain dicts are how components pass nested settings, and the SDK forwards an unknown dict key to
Azure unchanged, where it is silently ignored: a misspelt ``enablePurgeProtecton`` would leave the
vault unprotected while every other test passes. Enum values go to the wire as plain strings too,
and each service spells its own: the identity type is "SystemAssigned,UserAssigned" for storage but
"SystemAssigned, UserAssigned" for a container registry. This walks each recorded input against the
SDK's own input classes and enums (``pulumi_azure_native.<module>._enums``), recursively.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import re
from functools import cache
from typing import Any

import pytest
from pulumi import _types as pulumi_types

from ..stack_runs import StackRuns

ARGS_NAME = re.compile(r"'(\w+Args)'")
FORWARD_REF = re.compile(r"ForwardRef\('(\w+)'\)")
# Free-form by design: the generic ARM resource's properties.
FREE_FORM = {"azure-native:resources:Resource"}
# Paths whose value was held to an SDK enum, so a test can prove enums were checked at all.
ENUM_CHECKS: list[str] = []


@cache
def _schema(module_name: str, class_name: str) -> dict[str, str]:
    """Wire name -> annotation text of one SDK input class."""
    module = importlib.import_module(module_name)
    cls = getattr(module, class_name, None)
    if cls is None:
        cls = getattr(importlib.import_module(module_name.rsplit(".", 1)[0] + "._inputs"), class_name)
    # Properties give the exact wire names; the constructor lists every input, even where a
    # generated class lacks the property (seen on network.VirtualNetworkArgs).
    schema = {
        pulumi_name: str(prop.fget.__annotations__.get("return", "")) if prop.fget else ""
        for _, pulumi_name, prop in pulumi_types._py_properties(cls)
    }
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name not in ("self", "__self__"):
            schema.setdefault(_camel(name.rstrip("_")), str(parameter.annotation))
    return schema


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _mapping_values(annotation: str) -> str:
    """The value type of the first ``Mapping[str, V]`` in an annotation's text."""
    start = annotation.index("Mapping[str, ") + len("Mapping[str, ")
    depth = 0
    for index, char in enumerate(annotation[start:], start):
        if char == "[":
            depth += 1
        elif char == "]":
            if depth == 0:
                return annotation[start:index]
            depth -= 1
    return annotation[start:]


@cache
def _enum_values(package: str, name: str) -> frozenset[str] | None:
    """The wire values of one SDK enum, or None when ``name`` is not an enum of the package."""
    enums = importlib.import_module(f"{package}._enums")
    cls = getattr(enums, name, None)
    if not (inspect.isclass(cls) and issubclass(cls, enum.Enum)):
        return None
    return frozenset(str(member.value) for member in cls)


@cache
def _is_flags(package: str, name: str) -> bool:
    # A few enums are flag sets whose values combine ("Logging, Metrics"); their docs say so.
    return "any combination" in (getattr(importlib.import_module(f"{package}._enums"), name).__doc__ or "")


def _check_enum(value: str, annotation: str, package: str, path: str, problems: list[str]) -> None:
    # Open enums (annotated ``Union[str, SomeEnum]``) accept any string in the SDK, but Azure still
    # knows only the listed values, so both kinds are held to the enum.
    allowed: set[str] = set()
    names = []
    parts = [value]
    for name in dict.fromkeys(FORWARD_REF.findall(annotation)):
        values = _enum_values(package, name)
        if values is not None:
            allowed |= values
            names.append(name)
            if _is_flags(package, name):
                parts = value.split(", ")
    if names:
        ENUM_CHECKS.append(path)
    if names and not set(parts) <= allowed:
        problems.append(f"{path}: {value!r} is not a value of {' or '.join(names)} ({', '.join(sorted(allowed))})")


def _check(value: Any, annotation: str, package: str, path: str, problems: list[str]) -> None:
    if isinstance(value, str):
        _check_enum(value, annotation, package, path, problems)
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, annotation, package, f"{path}[{index}]", problems)
        return
    nested = ARGS_NAME.findall(annotation)
    if not nested or not isinstance(value, dict):
        return
    if "Mapping[str" in annotation and not annotation.startswith("typing.Union[ForwardRef"):
        for key, item in value.items():
            _check(item, _mapping_values(annotation), package, f"{path}.{key}", problems)
        return
    candidates = [_schema(f"{package}._inputs", name) for name in dict.fromkeys(nested)]
    # A union (rule kinds, compute kinds) is fine when any one member accepts the whole value.
    attempts = []
    for schema in candidates:
        if not set(value) <= set(schema):
            attempts.append([f"{path}: unknown key(s) {sorted(set(value) - set(schema))}"])
            continue
        found: list[str] = []
        for key, item in value.items():
            _check(item, schema[key], package, f"{path}.{key}", found)
        if not found:
            return
        attempts.append(found)
    problems.extend(min(attempts, key=len))


def _problems(typ: str, name: str, inputs: dict[str, Any]) -> list[str]:
    _, module, kind = typ.split(":")
    package = f"pulumi_azure_native.{module}"
    resource_module = importlib.import_module(getattr(importlib.import_module(package), kind).__module__)
    # Where a nested input type shares the resource's name, the generator calls the resource's "InitArgs".
    args_class = f"{kind}InitArgs" if hasattr(resource_module, f"{kind}InitArgs") else f"{kind}Args"
    top = _schema(resource_module.__name__, args_class)
    problems = []
    for key, value in inputs.items():
        if key not in top:
            problems.append(f"{name}.{key}: not an input of {typ}")
        else:
            _check(value, top[key], package, f"{name}.{key}", problems)
    return problems


def _recorded(stack_runs: StackRuns, stack: str) -> list[Any]:
    run = stack_runs.planned(stack)
    return [r for r in run.resources if r.custom and r.typ.startswith("azure-native:") and r.typ not in FREE_FORM]


@pytest.mark.parametrize("stack", ["dev", "mgmt", "sales", "byohub"])
def test_every_recorded_input_is_known_to_the_sdk(stack_runs, stack):
    resources = _recorded(stack_runs, stack)
    ENUM_CHECKS.clear()
    problems = [p for r in resources for p in _problems(r.typ, r.name, r.inputs)]
    assert problems == []
    assert len(resources) > 40  # a real program, not an empty run
    # Enum values were held to the SDK's enums, nested ones included.
    assert len(ENUM_CHECKS) > 20
    assert any(path.count(".") >= 2 for path in ENUM_CHECKS)


def test_the_walker_catches_a_misspelt_nested_key():
    problems = _problems(
        "azure-native:keyvault:Vault",
        "vault",
        {"properties": {"tenantId": "t", "sku": {"family": "A", "name": "standard"}, "enablePurgeProtecton": True}},
    )
    assert problems == ["vault.properties: unknown key(s) ['enablePurgeProtecton']"]
    assert _problems("azure-native:keyvault:Vault", "vault", {"vaultNmae": "x"}) == [
        "vault.vaultNmae: not an input of azure-native:keyvault:Vault"
    ]


def test_the_walker_catches_a_wrong_enum_value_for_the_service():
    # Each service spells the combined identity type its own way.
    registry = {"identity": {"type": "SystemAssigned,UserAssigned"}}
    assert _problems("azure-native:containerregistry:Registry", "registry", registry) == [
        "registry.identity.type: 'SystemAssigned,UserAssigned' is not a value of ResourceIdentityType "
        "(None, SystemAssigned, SystemAssigned, UserAssigned, UserAssigned)"
    ]
    assert (
        _problems("azure-native:containerregistry:Registry", "registry", {"identity": {"type": "SystemAssigned"}}) == []
    )
    # Storage's enum is open in the SDK (any string passes its type check), yet Azure knows only its values.
    storage_type = "azure-native:storage:StorageAccount"
    assert _problems(storage_type, "account", {"identity": {"type": "SystemAssigned,UserAssigned"}}) == []
    assert _problems(storage_type, "account", {"identity": {"type": "SystemAssigned, UserAssigned"}}) == [
        "account.identity.type: 'SystemAssigned, UserAssigned' is not a value of IdentityType "
        "(None, SystemAssigned, SystemAssigned,UserAssigned, UserAssigned)"
    ]


def test_the_walker_checks_enums_and_keys_deep_inside_nested_inputs():
    vault = {"properties": {"tenantId": "t", "sku": {"family": "A", "name": "Standard"}, "createMode": "recover"}}
    assert _problems("azure-native:keyvault:Vault", "vault", vault) == [
        "vault.properties.sku.name: 'Standard' is not a value of SkuName (premium, standard)"
    ]
    encryption = {"keySource": "Microsoft.Storage", "services": {"blob": {"enabeld": True}}}
    assert _problems("azure-native:storage:StorageAccount", "account", {"encryption": encryption}) == [
        "account.encryption.services.blob: unknown key(s) ['enabeld']"
    ]
    # Flag enums combine their values, as Azure documents for them.
    rules = {"defaultAction": "Deny", "bypass": "Logging, Metrics"}
    assert _problems("azure-native:storage:StorageAccount", "account", {"networkRuleSet": rules}) == []
    assert _problems("azure-native:storage:StorageAccount", "account", {"networkRuleSet": {**rules, "bypass": "Logs"}})
