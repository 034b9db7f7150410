"""What the platform's checks know about each Azure resource type, declared next to the component
that creates it.

A component module declares every resource type it creates, once, at import time with
``declare_type``: the security rules its inputs must keep, what Azure computes on create that the
component reads back, whether the type is stateful or sends diagnostics, the private DNS zones each
of its private-link groups needs, the writes Azure serialises on it, and how it says that a
customer-managed key encrypts it. Each of those facts lives only there: the management zone's DNS
zones and a hub's required zone ids, the lock ``SecureComponent._secure`` adds, the ordering check,
the policy rules and the tests read them from ``registry()``. A type shared by several components
(a storage account) is declared where it is owned; another component adds an exception it needs
with ``accept_finding``, giving its reason.

Nothing here runs a check: the rules live in ``cloudscale.policy``, which ``cloudscale plan`` and the
policy pack both read ``registry()`` through, and the ordering rules in the offline engine. The pack
runs no program, so everything it needs to know of a type is declared here at import time;
``_secure()`` only notes that a type sends diagnostics, which a test shows the declarations already
say. A type that no module declared is unreviewed, and a reader reports it rather than skipping it.
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


@dataclass(frozen=True)
class SerialisedWrites:
    """Writes of ``types`` that Azure accepts one at a time on one resource of the declaring type.

    Declared with the parent type (``declare_type(network.VirtualNetwork, serialised_writes=...)``);
    ``parent`` names it in findings, and ``types`` holds the parent's own type when its updates count.
    A write's parent is the resource of the declaring type its ``name_input`` came from (an Output of
    that resource), else the one whose own ``name_input`` has the same value, else, when the parent is
    not in the program, the resource group and name values themselves. ``source`` is where Azure
    documents the refusal.
    """

    parent: str
    types: frozenset[str]
    name_input: str
    source: str

    @classmethod
    def of(cls, parent: str, types: Iterable[Any], *, name_input: str, source: str) -> SerialisedWrites:
        """``types`` as SDK classes or tokens."""
        return cls(parent, frozenset(type_token(t) for t in types), name_input, source)


@dataclass(frozen=True)
class KeyEncryption:
    """How a resource says, on its wire inputs, that a customer-managed key encrypts its data.

    ``ok`` judges the value at ``path`` (``None`` when absent). ``applies`` narrows the resources of the
    type that hold data worth the key (the lakes among storage accounts). A type with a ``parent_type``
    does not hold data itself: its resources set the key of the parent their ``name_input`` names (a
    SQL server's TDE protector).
    """

    path: str
    ok: Callable[[Any], bool]
    applies: Callable[[Mapping[str, Any]], bool] | None = None
    parent_type: str | None = None
    name_input: str = ""


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
    # Private-link group id -> the private DNS zones its endpoint's zone group registers in
    # ("{region}" is the location); a type with groups is reached only over Private Link.
    private_link: dict[str, tuple[str, ...]] = field(default_factory=dict)
    computed_outputs: ComputedOutputs | None = None
    # Writes that Azure serialises on each resource of this type.
    serialised_writes: tuple[SerialisedWrites, ...] = ()
    customer_managed_key: KeyEncryption | None = None

    @property
    def private_link_groups(self) -> frozenset[str]:
        return frozenset(self.private_link)

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

    def private_dns_zones(self, resource_type: Any, group_id: str) -> tuple[str, ...]:
        """The zones an endpoint to ``group_id`` of the type registers in, "{region}" unrendered."""
        token = type_token(resource_type)
        facts = self._facts.get(token)
        zones = facts.private_link.get(group_id) if facts is not None else None
        if zones is None:
            known = ", ".join(sorted(facts.private_link)) if facts is not None and facts.private_link else "none"
            raise KeyError(
                f"{token} declares no private DNS zones for group {group_id!r} (declared groups: {known}); "
                "declare them with declare_type(..., private_link={group: zones}) next to its component"
            )
        return zones

    def key_set_by_child(self) -> frozenset[str]:
        """The types whose customer-managed key a child resource of another type may set (a SQL server's
        TDE protector), as those child types declare it."""
        return frozenset(
            key.parent_type
            for facts in self._facts.values()
            if (key := facts.customer_managed_key) is not None and key.parent_type is not None
        )

    def serialised_writes(self) -> list[tuple[str, SerialisedWrites]]:
        """Every declared serialised parent: (the parent's type, what queues on it)."""
        return [(token, writes) for token in self.tokens() for writes in self._facts[token].serialised_writes]

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
        private_link: Mapping[str, Iterable[str]] | None = None,
        serialised_writes: Iterable[SerialisedWrites] = (),
        customer_managed_key: KeyEncryption | None = None,
    ) -> TypeFacts:
        token = type_token(resource_type)
        facts = self._entry(token)
        if computed_outputs is not None and facts.computed_outputs not in (None, computed_outputs):
            raise ValueError(f"{token}: computed outputs are declared twice; declare them where the type is owned")
        if customer_managed_key is not None and facts.customer_managed_key not in (None, customer_managed_key):
            raise ValueError(f"{token}: its customer-managed key is declared twice; declare it where the type is owned")
        for group_id, zones in (private_link or {}).items():
            if facts.private_link.setdefault(group_id, tuple(zones)) != tuple(zones):
                raise ValueError(f"{token}: group {group_id!r} is declared with two different sets of DNS zones")
        facts.reviewed = True
        facts.rules += tuple(rule for rule in rules if rule not in facts.rules)
        facts.computed_outputs = computed_outputs or facts.computed_outputs
        facts.diagnosable = facts.diagnosable or diagnosable or diagnostics_not_needed is not None
        facts.diagnostics_not_needed = diagnostics_not_needed or facts.diagnostics_not_needed
        facts.stateful = facts.stateful or stateful
        facts.serialised_writes += tuple(w for w in serialised_writes if w not in facts.serialised_writes)
        facts.customer_managed_key = customer_managed_key or facts.customer_managed_key
        return facts

    def accept(self, resource_type: Any, exception: AcceptedException) -> None:
        facts = self._entry(type_token(resource_type))
        if exception not in facts.accepted:
            facts.accepted = (*facts.accepted, exception)

    def note_secured(self, resource_type: Any, *, diagnostics: bool) -> None:
        facts = self._entry(type_token(resource_type))
        facts.diagnosable = facts.diagnosable or diagnostics


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
    private_link: Mapping[str, Iterable[str]] | None = None,
    serialised_writes: Iterable[SerialisedWrites] = (),
    customer_managed_key: KeyEncryption | None = None,
) -> TypeFacts:
    """Declare a resource type reviewed, with its rules and computed outputs, whether it sends diagnostics
    and holds data, the DNS zones of its private-link groups, the serialised parents its writes queue on,
    and how it is encrypted with a customer-managed key. Declaring again adds."""
    return _REGISTRY.declare(
        resource_type,
        rules=rules,
        computed_outputs=computed_outputs,
        diagnosable=diagnosable,
        diagnostics_not_needed=diagnostics_not_needed,
        stateful=stateful,
        private_link=private_link,
        serialised_writes=serialised_writes,
        customer_managed_key=customer_managed_key,
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
