"""Rules that judge one resource by its own inputs.

The promises of each type (public network access off, TLS 1.2, no shared key or local auth, purge
protection, Entra-only, continuous backup, exfiltration protection, a managed identity) are declared
next to the component that creates the type (``declare_type(..., rules=...)``), with the exceptions
it accepts; ``declared_rule`` turns every declared rule of one name into a rule function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cloudscale.policy.facts import PRODUCTION, StackFacts, Violation
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


def _known(*values: Any) -> bool:
    return not any(is_unknown(value) for value in values)


def _storage_key(subject: Subject) -> bool | None:
    # Only the lakes (ADLS Gen2: hierarchical namespace on) hold the platform's data.
    if subject.value("isHnsEnabled") is not True:
        return None
    source, vault = subject.value("encryption.keySource"), subject.value("encryption.keyVaultProperties")
    if not _known(source, vault):
        return None
    return str(source).lower() == "microsoft.keyvault" and isinstance(vault, dict) and bool(vault.get("keyName"))


def _cosmos_key(subject: Subject) -> bool | None:
    uri = subject.value("keyVaultKeyUri")
    return bool(uri) if _known(uri) else None


def _synapse_key(subject: Subject) -> bool | None:
    key = subject.value("encryption.cmk.key")
    return (isinstance(key, dict) and bool(key.get("keyVaultUrl") or key.get("name"))) if _known(key) else None


def _sql_server_key(subject: Subject) -> bool | None:
    # A server without ``keyId`` may still get an AzureKeyVault TDE protector of its own resource, which
    # only the stack rule sees (stack_rules.customer_managed_keys).
    key_id = subject.value("keyId")
    return True if key_id and _known(key_id) else None


# How each type says that a customer-managed key encrypts it, on azure-native's inputs.
_CMK_SHAPES: dict[str, Callable[[Subject], bool | None]] = {
    "azure-native:storage:StorageAccount": _storage_key,
    "azure-native:cosmosdb:DatabaseAccount": _cosmos_key,
    "azure-native:synapse:Workspace": _synapse_key,
    "azure-native:sql:Server": _sql_server_key,
}


def customer_managed_key(subject: Subject, facts: StackFacts) -> list[Violation]:
    """In prd the lakes, Cosmos DB, the SQL server's TDE protector and Synapse are encrypted with a
    customer-managed key; other environments may use Microsoft-managed keys. Judged from the resource's
    own inputs, so the policy pack refuses it before it is created."""
    shape = _CMK_SHAPES.get(subject.type)
    if shape is None or facts.environment_of(subject) != PRODUCTION or shape(subject) is not False:
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
