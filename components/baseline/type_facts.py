"""What the platform's checks know about each Azure resource type, declared next to the component
that creates it.

A component module declares every resource type it creates, once, at import time with
``declare_type``: the security rules its inputs must keep, what Azure computes on create that the
component reads back, and whether the type is stateful or sends diagnostics. A type shared by
several components (a storage account) is declared where it is owned; another component adds an
exception it needs with ``accept_finding``, giving its reason. ``SecureComponent.secure`` adds what
it is told about the resource (``diagnostics=``, ``stateful=``, ``group_ids=``).

Nothing here runs a check: the rules live in ``cloudscale.policy``, which ``cloudscale plan`` and the
policy pack both read ``registry()`` through. The pack runs no program, so what it needs to know of a
type (diagnosable, stateful, its private-link groups) is declared here at import time too; what
``_secure()`` adds while a program runs only repeats it (a test runs the bundled stacks to keep it so).
A type that no module declared is unreviewed, and a reader reports it rather than skipping it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("high", "medium")


@dataclass(frozen=True)
class SecurityRule:
    """A promise a resource's inputs must keep. ``path`` is dotted and spelled as on the wire
    (camelCase, e.g. ``properties.publicNetworkAccess``); ``ok`` judges the value found there
    (``None`` when absent). Types that break the same promise share the rule ``name``."""

    name: str
    path: str
    ok: Callable[[Any], bool]
    detail: str
    severity: str = "high"

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.name}: severity must be one of {', '.join(SEVERITIES)}")


@dataclass(frozen=True)
class AcceptedException:
    """A broken rule that is accepted: ``reason`` gives, from the resource's wire inputs, the reason a
    reviewer reads, or ``None`` when this resource is not covered and the finding stands."""

    rule: str
    reason: Callable[[Mapping[str, Any]], str | None]


@dataclass(frozen=True)
class Created:
    """What Azure knows when it has just created a resource, for ``computed_outputs`` functions."""

    name: str
    resource_id: str
    inputs: Mapping[str, Any]
    subscription_id: str
    tenant_id: str
    # A GUID that is stable for this resource and label (principal ids, instrumentation keys).
    guid: Callable[[str], str]
    # The address prefix of a subnet created earlier in the same program, by its id ("" if unknown).
    subnet_prefix: Callable[[str], str]


ComputedOutputs = Callable[[Created], Mapping[str, Any]]


@dataclass
class TypeFacts:
    token: str
    # True once a module declared the type; ``_secure()`` alone does not make a type reviewed.
    reviewed: bool = False
    rules: tuple[SecurityRule, ...] = ()
    accepted: tuple[AcceptedException, ...] = ()
    # Azure accepts diagnostic settings on it, so every instance must send them to Log Analytics...
    diagnosable: bool = False
    # ...unless this says the instance already sends its telemetry there by itself.
    diagnostics_not_needed: Callable[[Mapping[str, Any]], bool] | None = None
    # Holds data, so outside dev it must be protected and locked.
    stateful: bool = False
    private_link_groups: frozenset[str] = frozenset()
    computed_outputs: ComputedOutputs | None = None

    def accepted_reason(self, rule: str, inputs: Mapping[str, Any]) -> str | None:
        return next((reason for a in self.accepted if a.rule == rule and (reason := a.reason(inputs))), None)


def type_token(resource_type: Any) -> str:
    """``azure-native:storage:StorageAccount`` from the token, an SDK class, or an instance of one."""
    if isinstance(resource_type, str):
        return resource_type
    token = getattr(resource_type, "pulumi_type", None)
    if not isinstance(token, str):
        raise TypeError(f"{resource_type!r} carries no Pulumi type token")
    return token


@dataclass
class TypeRegistry:
    _facts: dict[str, TypeFacts] = field(default_factory=dict)

    def get(self, resource_type: Any) -> TypeFacts | None:
        return self._facts.get(type_token(resource_type))

    def tokens(self) -> list[str]:
        return sorted(self._facts)

    def _entry(self, token: str) -> TypeFacts:
        return self._facts.setdefault(token, TypeFacts(token))

    def declare(
        self,
        resource_type: Any,
        *,
        rules: Iterable[SecurityRule] = (),
        computed_outputs: ComputedOutputs | None = None,
        diagnosable: bool = False,
        diagnostics_not_needed: Callable[[Mapping[str, Any]], bool] | None = None,
        stateful: bool = False,
        private_link_groups: Iterable[str] = (),
    ) -> TypeFacts:
        token = type_token(resource_type)
        facts = self._entry(token)
        if computed_outputs is not None and facts.computed_outputs not in (None, computed_outputs):
            raise ValueError(f"{token}: computed outputs are declared twice; declare them where the type is owned")
        facts.reviewed = True
        facts.rules += tuple(rule for rule in rules if rule not in facts.rules)
        facts.computed_outputs = computed_outputs or facts.computed_outputs
        facts.diagnosable = facts.diagnosable or diagnosable or diagnostics_not_needed is not None
        facts.diagnostics_not_needed = diagnostics_not_needed or facts.diagnostics_not_needed
        facts.stateful = facts.stateful or stateful
        facts.private_link_groups = facts.private_link_groups | frozenset(private_link_groups)
        return facts

    def accept(self, resource_type: Any, exception: AcceptedException) -> None:
        facts = self._entry(type_token(resource_type))
        if exception not in facts.accepted:
            facts.accepted = (*facts.accepted, exception)

    def note_secured(self, resource_type: Any, *, diagnostics: bool, stateful: bool, group_ids: Iterable[str]) -> None:
        facts = self._entry(type_token(resource_type))
        facts.diagnosable = facts.diagnosable or diagnostics
        facts.stateful = facts.stateful or stateful
        facts.private_link_groups = facts.private_link_groups | frozenset(group_ids)


_REGISTRY = TypeRegistry()


def registry() -> TypeRegistry:
    return _REGISTRY


def declare_type(
    resource_type: Any,
    *,
    rules: Iterable[SecurityRule] = (),
    computed_outputs: ComputedOutputs | None = None,
    diagnosable: bool = False,
    diagnostics_not_needed: Callable[[Mapping[str, Any]], bool] | None = None,
    stateful: bool = False,
    private_link_groups: Iterable[str] = (),
) -> TypeFacts:
    """Declare a resource type reviewed, with its rules and computed outputs, whether it sends diagnostics,
    holds data, and which private-link groups its endpoints use. Declaring again adds."""
    return _REGISTRY.declare(
        resource_type,
        rules=rules,
        computed_outputs=computed_outputs,
        diagnosable=diagnosable,
        diagnostics_not_needed=diagnostics_not_needed,
        stateful=stateful,
        private_link_groups=private_link_groups,
    )


def accept_finding(
    resource_type: Any,
    *,
    rule: str,
    reason: str | Callable[[Mapping[str, Any]], str | None],
    when: Callable[[Mapping[str, Any]], bool] | None = None,
) -> None:
    """Accept a broken ``rule`` for the resources ``when`` matches (all of the type without it); the
    reason is shown in every plan. ``reason`` may instead be a function of the resource's inputs that
    returns the reason, or ``None`` where the exception does not apply."""

    def explain(inputs: Mapping[str, Any]) -> str | None:
        if when is not None and not when(inputs):
            return None
        return reason(inputs) if callable(reason) else reason

    _REGISTRY.accept(resource_type, AcceptedException(rule, explain))


def tag(inputs: Mapping[str, Any], key: str) -> str:
    """A tag of the resource as sent on the wire, "" when absent; most exceptions key on ``Component``."""
    tags = inputs.get("tags")
    return str(tags.get(key, "")) if isinstance(tags, Mapping) else ""


def public_network_access_disabled(path: str = "publicNetworkAccess") -> SecurityRule:
    return SecurityRule(
        "public-network-access", path, lambda value: value == "Disabled", "public network access is not disabled"
    )


def managed_identity_required() -> SecurityRule:
    return SecurityRule(
        "managed-identity",
        "identity.type",
        lambda value: isinstance(value, str) and "Assigned" in value,
        "no managed identity: it would need stored credentials to reach other services",
    )
