"""Rules that judge one resource by its own inputs.

The promises of each type (public network access off, TLS 1.2, no shared key or local auth, purge
protection, Entra-only, continuous backup, exfiltration protection, a managed identity) are declared
next to the component that creates the type (``declare_type(..., rules=...)``), with the exceptions
it accepts; ``declared_rule`` turns every declared rule of one name into a rule function.
"""

from __future__ import annotations

from collections.abc import Callable

from cloudscale.policy.facts import PRODUCTION, StackFacts, Violation
from cloudscale.policy.stack_rules import encrypted, key_of
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


def protected(subject: Subject, facts: StackFacts) -> list[Violation]:
    """Outside dev, a resource that holds data carries ``protect`` (and, from its component, a lock)."""
    type_facts = facts.registry.get(subject.type)
    if type_facts is None or not type_facts.stateful or subject.protect or not facts.must_protect(subject):
        return []
    return [facts.judged(subject, "protect", "stateful resource is not protected", "medium")]


def customer_managed_key(subject: Subject, facts: StackFacts) -> list[Violation]:
    """In prd every data store whose type takes a customer-managed key (as its component declares it,
    ``declare_type(..., customer_managed_key=KeyEncryption(...))``) is encrypted with one; other
    environments may use Microsoft-managed keys. Judged from the resource's own inputs, so the policy pack
    refuses it before it is created. A store whose key a child may set instead (a SQL server's TDE
    protector) and that names none itself is left to the stack rule, which sees the child."""
    key = key_of(facts, subject)
    if key is None or key.parent_type is not None or facts.environment_of(subject) != PRODUCTION:
        return []
    if key.applies is not None and not key.applies(subject.props):
        return []
    if encrypted(subject, key) is not False or subject.type in facts.registry.key_set_by_child():
        return []
    return [facts.judged(subject, "customer-managed-key", "not encrypted with a customer-managed key in prd", "high")]


# Key types whose private part never leaves a hardware security module (Microsoft Learn, "About keys":
# key types and protection methods).
HSM_KEY_TYPES = frozenset({"RSA-HSM", "EC-HSM", "oct-HSM"})


def hsm_key(subject: Subject, facts: StackFacts) -> list[Violation]:
    """In prd, customer-managed keys are HSM-backed (Checkov CKV_AZURE_112; Microsoft cloud security
    benchmark DP-6)."""
    if subject.type != "azure-native:keyvault:Key" or facts.environment_of(subject) != PRODUCTION:
        return []
    kty = subject.value("properties.kty")
    if is_unknown(kty) or kty in HSM_KEY_TYPES:
        return []
    return [facts.judged(subject, "hsm-key", f"key type {kty} is software-protected in prd", "high")]
