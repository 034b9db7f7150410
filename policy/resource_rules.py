"""Rules that judge one resource by its own inputs.

The promises of each type (public network access off, TLS 1.2, no shared key or local auth, purge
protection, Entra-only, continuous backup, exfiltration protection, a managed identity) are declared
next to the component that creates the type (``declare_type(..., rules=...)``), with the exceptions
it accepts; ``declared_rule`` turns every declared rule of one name into a rule function.
"""

from __future__ import annotations

from collections.abc import Callable

from cloudscale.policy.facts import StackFacts, Violation
from cloudscale.policy.subject import Subject, is_unknown

ResourceRule = Callable[[Subject, StackFacts], list[Violation]]


def declared_rule(name: str) -> ResourceRule:
    """The rule ``name`` as every component declared it for its types."""

    def check(subject: Subject, facts: StackFacts) -> list[Violation]:
        type_facts = facts.registry.get(subject.type)
        if type_facts is None:
            return []
        out = []
        for rule in type_facts.rules:
            value = subject.value(rule.path)
            if rule.name != name or is_unknown(value) or rule.ok(value):
                continue
            out.append(facts.judged(subject, rule.name, rule.detail, rule.severity))
        return out

    check.__name__ = f"declared_{name.replace('-', '_')}"
    return check


def unreviewed_type(subject: Subject, facts: StackFacts) -> list[Violation]:
    """A type no component declared is reported, never skipped: no rule knows what it must keep."""
    type_facts = facts.registry.get(subject.type)
    if type_facts is not None and type_facts.reviewed:
        return []
    detail = f"no component declares the security facts of {subject.type}, so no rule checks it"
    return [Violation("unreviewed-type", subject.name, detail, "medium", subject.urn)]


def required_tags(subject: Subject, facts: StackFacts) -> list[Violation]:
    """Tracked resources (the ones created with a ``location``) carry the platform's tags and the
    stack's. Azure takes tags on tracked resources; proxy resources (settings, role assignments,
    containers) have none (Microsoft Learn, azure-resource-manager/management/tag-support)."""
    if "location" not in subject.props or is_unknown(subject.props.get("tags")):
        return []
    missing = [key for key in facts.required_tags if not subject.tag(key)]
    if not missing:
        return []
    return [facts.judged(subject, "required-tags", f"missing required tags: {', '.join(missing)}", "medium")]
