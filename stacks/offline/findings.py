"""Security findings of an offline run: the policy rules (``cloudscale.policy``) over what the program
declares, the same functions the CrossGuard policy pack runs under the Pulumi CLI.

A finding is a violation, or an accepted exception whose reason is recorded next to the component,
so a reviewer reads it once instead of rediscovering it in every plan. A type no component declared
is reported as unreviewed, never skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cloudscale.policy import PLATFORM_TAG_KEYS, StackFacts, Subject, Violation, declared, evaluate, is_deployed, rules
from cloudscale.stacks.offline.engine import OfflineRun
from cloudscale.stacks.offline.mocks import RecordedResource

# What the mock engine reports for a value that is unknown until deploy (preview): it cannot be judged.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
_DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"

__all__ = ["UNKNOWN", "Finding", "declared", "findings", "missing_diagnostics", "run_findings", "subjects"]


@dataclass(frozen=True)
class Finding:
    severity: str  # "high" | "medium" | "accepted"
    rule: str
    resource: str
    detail: str


def _finding(violation: Violation) -> Finding:
    return Finding(violation.severity, violation.rule, violation.resource, violation.message)


def _checked(resource: RecordedResource) -> bool:
    return resource.custom and is_deployed(resource.typ)


def subjects(run: OfflineRun) -> list[Subject]:
    """The run's deployed resources as the rules see them, with URN, id, ``protect`` and dependencies."""
    options = {(o.typ, o.name): o for o in run.monitor.options.values()}
    out = []
    for resource in run.resources:
        if not _checked(resource):
            continue
        registered = options.get((resource.typ, resource.name))
        out.append(
            Subject(
                resource.typ,
                resource.name,
                resource.inputs,
                urn=registered.urn if registered else "",
                resource_id=run.mocks.ids.get((resource.typ, resource.name), ""),
                protect=bool(registered and registered.protect),
                property_dependencies={
                    prop: tuple(urns) for prop, urns in (registered.property_dependencies if registered else {}).items()
                },
            )
        )
    return out


def run_findings(
    run: OfflineRun, *, protects_state: bool | None = None, required_tags: Iterable[str] = (), environment: str = ""
) -> list[Finding]:
    """Every rule over the run; ``required_tags`` are the stack's configured tags, on top of the platform's.

    ``protects_state`` and ``environment`` default to each resource's ``Environment`` tag, as the
    policy pack reads them (``StackFacts``)."""
    extra = tuple(tag for tag in required_tags if tag not in PLATFORM_TAG_KEYS)
    facts = StackFacts(
        declared(), environment=environment, required_tags=PLATFORM_TAG_KEYS + extra, protects_state=protects_state
    )
    return [_finding(v) for v in evaluate(subjects(run), facts)]


def findings(resources: Iterable[RecordedResource], *, protects_state: bool, locked: set[str]) -> list[Finding]:
    """The rules that judge each resource by itself (and ``protect``, by the ``locked`` names), for
    resources without the run around them."""
    alone = [Subject(r.typ, r.name, r.inputs, protect=r.name in locked) for r in resources if _checked(r)]
    # The rules that judge one resource alone; the others need the stack (endpoints, settings, locks).
    selected = [rule for rule in rules() if rule.check_resource is not None]
    facts = StackFacts(declared(), protects_state=protects_state)
    return [_finding(v) for v in evaluate(alone, facts, selected=selected)]


def missing_diagnostics(resources: Iterable[RecordedResource], ids: dict[tuple[str, str], str]) -> list[Finding]:
    """The diagnostics rule by ARM ids alone (update mode, where ids are known)."""
    matched = [
        Subject(r.typ, r.name, r.inputs, resource_id=ids.get((r.typ, r.name), ""))
        for r in resources
        if _checked(r) and (ids.get((r.typ, r.name)) or r.typ == _DIAGNOSTIC_SETTING)
    ]
    selected = [rule for rule in rules() if rule.name == "diagnostics"]
    return [_finding(v) for v in evaluate(matched, StackFacts(declared()), selected=selected)]
