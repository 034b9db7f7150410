"""Every input our program sends to Azure is a property the azure-native SDK knows.

Plain dicts are how components pass nested settings, and the SDK forwards an unknown dict key to
Azure unchanged, where it is silently ignored: a misspelt ``enablePurgeProtecton`` would leave the
vault unprotected while every other test passes. This walks each recorded input against the SDK's
own input classes, recursively.
"""

from __future__ import annotations

import importlib
import inspect
import re
from functools import cache
from typing import Any

import pytest
from pulumi import _types as pulumi_types

from cloudscale.stacks import build_platform, load_config, parse_config
from cloudscale.stacks.offline.stack_files import PROJECT_ROOT

ARGS_NAME = re.compile(r"'(\w+Args)'")
# Free-form by design: the generic ARM resource's properties.
FREE_FORM = {"azure-native:resources:Resource"}


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


def _check(value: Any, annotation: str, package: str, path: str, problems: list[str]) -> None:
    nested = ARGS_NAME.findall(annotation)
    if not nested:
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, annotation, package, f"{path}[{index}]", problems)
        return
    if not isinstance(value, dict):
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


def _recorded(stack: str) -> list[Any]:
    from cloudscale.cli.plan import management_stack_outputs
    from cloudscale.stacks.offline.engine import run_offline
    from cloudscale.stacks.offline.stack_files import load_stack_config

    values = load_stack_config(stack)
    outputs = management_stack_outputs(parse_config(values), PROJECT_ROOT)
    run = run_offline(lambda: build_platform(load_config()), config=values, stack_outputs=outputs)
    return [r for r in run.resources if r.custom and r.typ.startswith("azure-native:") and r.typ not in FREE_FORM]


@pytest.mark.parametrize("stack", ["dev", "mgmt", "sales", "byohub"])
def test_every_recorded_input_is_known_to_the_sdk(stack):
    resources = _recorded(stack)
    problems = [p for r in resources for p in _problems(r.typ, r.name, r.inputs)]
    assert problems == []
    assert len(resources) > 40  # a real program, not an empty run


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
