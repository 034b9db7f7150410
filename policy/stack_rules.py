"""Rules that need the whole stack: what points at a resource, or what else the stack holds.

A private endpoint or a diagnostic setting names its target by ARM id, which is unknown until Azure
creates the target. Both the mock engine and the Pulumi CLI also say which resources each input was
computed from (property dependencies), so a target is matched by id where both ids are known and by
that dependency otherwise: the rules give the same answer in preview and update.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from cloudscale.components.baseline.type_facts import KeyEncryption
from cloudscale.policy.facts import PRODUCTION, StackFacts, Violation
from cloudscale.policy.subject import Subject, is_unknown

StackRule = Callable[[Sequence[Subject], StackFacts], list[Violation]]

PRIVATE_ENDPOINT = "azure-native:network:PrivateEndpoint"
DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"
LOCK = "azure-native:authorization:ManagementLockByScope"


def _points_at(reference: Any, prop: str, source: Subject, target: Subject) -> bool:
    if isinstance(reference, str) and not is_unknown(reference) and target.resource_id:
        return reference.lower() == target.resource_id.lower()
    return source.depends_on(prop, target.urn)


def _endpoint_targets(endpoint: Subject) -> list[Any]:
    connections = endpoint.value("privateLinkServiceConnections") or []
    manual = endpoint.value("manualPrivateLinkServiceConnections") or []
    if is_unknown(connections) or is_unknown(manual):
        return [None]
    targets = [c.get("privateLinkServiceId") if isinstance(c, dict) else None for c in [*connections, *manual]]
    # Without a readable target id, which resource the connections were computed from decides.
    return targets or [None]


def private_endpoints(subjects: Sequence[Subject], facts: StackFacts) -> list[Violation]:
    """Every data service (a type its component reaches over Private Link) has a private endpoint."""
    endpoints = [s for s in subjects if s.type == PRIVATE_ENDPOINT]
    out = []
    for subject in subjects:
        type_facts = facts.registry.get(subject.type)
        if type_facts is None or not type_facts.private_link_groups:
            continue
        reached = any(
            _points_at(target, "privateLinkServiceConnections", endpoint, subject)
            or _points_at(target, "manualPrivateLinkServiceConnections", endpoint, subject)
            for endpoint in endpoints
            for target in _endpoint_targets(endpoint)
        )
        if not reached:
            out.append(facts.judged(subject, "private-endpoint", "no private endpoint reaches it", "high"))
    return out


def diagnostic_settings(subjects: Sequence[Subject], facts: StackFacts) -> list[Violation]:
    """Every resource of a type that supports diagnostic settings sends them to Log Analytics."""
    settings = [s for s in subjects if s.type == DIAGNOSTIC_SETTING]
    out = []
    for subject in subjects:
        type_facts = facts.registry.get(subject.type)
        if type_facts is None or not type_facts.diagnosable:
            continue
        if type_facts.diagnostics_not_needed is not None and type_facts.diagnostics_not_needed(subject.props):
            continue
        if not any(_points_at(s.value("resourceUri"), "resourceUri", s, subject) for s in settings):
            message = "no diagnostic setting sends it to Log Analytics"
            out.append(facts.judged(subject, "diagnostics", message, "medium"))
    return out


def _arm_parents(subject: Subject) -> set[str]:
    """The resources that hold this one in ARM: a container's account, a database's server. A child
    names its parent by name (``accountName``, ``serverName``), computed from the parent resource."""
    return {
        urn
        for prop, urns in subject.property_dependencies.items()
        if prop.endswith("Name") and prop != "resourceGroupName"
        for urn in urns
    }


def _lock_targets(subjects: Sequence[Subject]) -> set[str]:
    """URNs (or, where the engine gave no dependency, ARM ids) that a CanNotDelete lock is scoped to."""
    targets: set[str] = set()
    for lock in subjects:
        if lock.type != LOCK or lock.value("level") != "CanNotDelete":
            continue
        targets |= set(lock.property_dependencies.get("scope", ()))
        scope = lock.value("scope")
        if isinstance(scope, str) and not is_unknown(scope):
            targets.add(scope.lower())
    return targets


def delete_locks(subjects: Sequence[Subject], facts: StackFacts) -> list[Violation]:
    """Outside dev, a resource that holds data sits under a CanNotDelete lock: on itself, or on what
    holds it (a lock applies to every child resource, Microsoft Learn, "Lock your Azure resources to
    protect your infrastructure"). ``protect`` stops ``pulumi destroy``; the lock stops the portal, the
    CLI and any other tool."""
    by_urn = {s.urn: s for s in subjects if s.urn}
    locked = _lock_targets(subjects)
    out = []
    for subject in subjects:
        type_facts = facts.registry.get(subject.type)
        if type_facts is None or not type_facts.stateful:
            continue
        ancestry: dict[int, Subject] = {}
        todo = [subject]
        while todo:
            current = todo.pop()
            if id(current) not in ancestry:
                ancestry[id(current)] = current
                todo += [by_urn[urn] for urn in _arm_parents(current) if urn in by_urn]
        # A child carries no tags of its own: its environment is that of the resource holding it.
        if not any(facts.must_protect(held) for held in ancestry.values()):
            continue
        if not any(
            held.urn in locked or (held.resource_id and held.resource_id.lower() in locked)
            for held in ancestry.values()
        ):
            message = "no CanNotDelete lock on it or on what holds it"
            out.append(facts.judged(subject, "delete-lock", message, "medium"))
    return out


def _encrypted(subject: Subject, key: KeyEncryption) -> bool | None:
    """What the subject's own inputs say; ``None`` when the value is unknown until deploy."""
    value = subject.value(key.path)
    return None if is_unknown(value) else key.ok(value)


def _sets_key_of(setter: Subject, key: KeyEncryption, subject: Subject) -> bool:
    """Whether ``setter`` (a child such as a SQL server's TDE protector) sets ``subject``'s key."""
    if key.parent_type != subject.type or encrypted(setter, key) is not True:
        return False
    name = setter.value(key.name_input)
    return setter.depends_on(key.name_input, subject.urn) or (
        not is_unknown(name) and name is not None and name == subject.value(key.name_input)
    )


def customer_managed_keys(subjects: Sequence[Subject], facts: StackFacts) -> list[Violation]:
    """In prd, a data store whose key a child of its own may set (a SQL server's TDE protector, as its type
    declares) and that names none itself has such a child: the one customer-managed key check that needs
    another resource. Every other data store is judged alone (``resource_rules.customer_managed_key``),
    before it is created."""
    keyed = [(subject, key) for subject in subjects if (key := key_of(facts, subject)) is not None]
    setters = [(subject, key) for subject, key in keyed if key.parent_type is not None]
    set_by_child = facts.registry.key_set_by_child()
    out = []
    for subject, key in keyed:
        if key.parent_type is not None or subject.type not in set_by_child:
            continue
        if facts.environment_of(subject) != PRODUCTION or (key.applies is not None and not key.applies(subject.props)):
            continue
        if encrypted(subject, key) is not False or any(_sets_key_of(setter, k, subject) for setter, k in setters):
            continue
        message = "no customer-managed TDE protector sets its key in prd"
        out.append(facts.judged(subject, "customer-managed-key-tde-protector", message, "high"))
    return out


def encrypted(subject: Subject, key: KeyEncryption) -> bool | None:
    """What the subject's own inputs say; ``None`` when the value is unknown until deploy."""
    value = subject.value(key.path)
    return None if is_unknown(value) else key.ok(value)


def key_of(facts: StackFacts, subject: Subject) -> KeyEncryption | None:
    type_facts = facts.registry.get(subject.type)
    return type_facts.customer_managed_key if type_facts is not None else None
