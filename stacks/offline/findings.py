"""Security findings: the baseline's promises, checked against what the program actually declares.

What to check for each resource type comes from the component that creates it, through the type
registry (``cloudscale.components.baseline.type_facts``): its security rules and accepted
exceptions, whether it is stateful, whether it sends diagnostics. A finding is either a violation,
or an accepted exception whose reason is recorded next to the component, so a reviewer reads it
once instead of rediscovering it in every plan. A type no component declared is reported as
unreviewed, never skipped.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from cloudscale import components
from cloudscale.components.baseline.type_facts import TypeFacts, TypeRegistry, registry
from cloudscale.stacks.offline.mocks import RecordedResource

# What the mock engine reports for a value that is unknown until deploy (preview): it cannot be judged.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@dataclass(frozen=True)
class Finding:
    severity: str  # "high" | "medium" | "accepted"
    rule: str
    resource: str
    detail: str


def _get(inputs: dict[str, Any], path: str) -> Any:
    value: Any = inputs
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


@cache
def _import_library() -> None:
    for module in pkgutil.walk_packages(components.__path__, f"{components.__name__}."):
        importlib.import_module(module.name)


def declared() -> TypeRegistry:
    """The type registry with every module of the component library imported, so what is checked
    never depends on which components a program happened to import first."""
    _import_library()
    return registry()


def _checked(resource: RecordedResource) -> bool:
    # Providers and stack references are the engine's own, not something deployed to Azure.
    return resource.custom and not resource.typ.startswith("pulumi:")


def _diagnosable(facts: TypeFacts | None, resource: RecordedResource) -> bool:
    if facts is None or not facts.diagnosable:
        return False
    return facts.diagnostics_not_needed is None or not facts.diagnostics_not_needed(resource.inputs)


def missing_diagnostics(resources: Iterable[RecordedResource], ids: dict[tuple[str, str], str]) -> list[Finding]:
    """Only meaningful in update mode, where ids are known."""
    resources = list(resources)
    targets = {str(r.inputs.get("resourceUri")) for r in resources if r.typ == "azure-native:monitor:DiagnosticSetting"}
    out = []
    for resource in resources:
        resource_id = ids.get((resource.typ, resource.name))
        if _diagnosable(declared().get(resource.typ), resource) and resource_id and resource_id not in targets:
            out.append(
                Finding("medium", "diagnostics", resource.name, "no diagnostic setting sends it to Log Analytics")
            )
    return out


def findings(resources: Iterable[RecordedResource], *, protects_state: bool, locked: set[str]) -> list[Finding]:
    out: list[Finding] = []
    for resource in resources:
        if not _checked(resource):
            continue
        facts = declared().get(resource.typ)
        if facts is None or not facts.reviewed:
            out.append(
                Finding(
                    "medium",
                    "unreviewed-type",
                    resource.name,
                    f"no component declares the security facts of {resource.typ}, so no rule checks it",
                )
            )
        if facts is None:
            continue
        for rule in facts.rules:
            value = _get(resource.inputs, rule.path)
            if value == UNKNOWN or rule.ok(value):
                continue
            reason = facts.accepted_reason(rule.name, resource.inputs)
            if reason:
                out.append(Finding("accepted", rule.name, resource.name, reason))
            else:
                out.append(Finding(rule.severity, rule.name, resource.name, rule.detail))
        if protects_state and facts.stateful and resource.name not in locked:
            out.append(Finding("medium", "protect", resource.name, "stateful resource is not protected"))
    return out
