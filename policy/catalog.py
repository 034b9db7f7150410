"""Every rule, once: ``cloudscale plan`` evaluates this list and the policy pack wraps the same list.

A rule is a plain function. Resource rules take one ``Subject``; stack rules take every subject of
the stack. ``mandatory`` rules guard security (a violation is ``high`` and blocks a deployment under
the pack); the others (diagnostics, protect, tags, unreviewed types) are advisory (``medium``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cloudscale.components.baseline.type_facts import TypeRegistry
from cloudscale.components.library import declared
from cloudscale.policy import resource_rules, stack_rules
from cloudscale.policy.facts import StackFacts, Violation
from cloudscale.policy.resource_rules import ResourceRule
from cloudscale.policy.stack_rules import StackRule
from cloudscale.policy.subject import Subject

# What each declared rule promises, for the pack's listing; a rule a component adds without an entry
# here is still checked, described by its name.
DESCRIPTIONS = {
    "public-network-access": "Data services accept no traffic from public networks.",
    "tls": "Clients connect with TLS 1.2 or later.",
    "shared-key": "Storage accepts Entra ID only, no shared key.",
    "local-auth": "No local or admin credentials: Entra ID only (Cosmos DB keys, the registry's admin user).",
    "anonymous-pull": "The registry serves no image without authentication.",
    "purge-protection": "Key Vaults keep purge protection outside dev.",
    "entra-only": "SQL and Synapse SQL accept Entra ID authentication only.",
    "continuous-backup": "Cosmos DB accounts use continuous backup (point-in-time restore).",
    "exfiltration-protection": "Synapse's managed network blocks outbound traffic to unapproved tenants.",
    "managed-identity": "Data services act under a managed identity, never stored credentials.",
    "key-rotation": "Customer-managed keys rotate by policy.",
    "key-expiry": "Every version of a customer-managed key expires, the first one included.",
}


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    mandatory: bool
    check_resource: ResourceRule | None = None
    check_stack: StackRule | None = None


_OWN_RULES = (
    Rule(
        "private-endpoint",
        "Every data service has a private endpoint.",
        True,
        check_stack=stack_rules.private_endpoints,
    ),
    Rule(
        "customer-managed-key",
        "In prd every data store whose type takes a customer-managed key (the lakes, Cosmos DB, SQL's TDE "
        "protector, Synapse, ...) is encrypted with one.",
        True,
        resource_rules.customer_managed_key,
    ),
    Rule(
        "customer-managed-key-tde-protector",
        "In prd a SQL server that names no key itself has a customer-managed TDE protector.",
        True,
        check_stack=stack_rules.customer_managed_keys,
    ),
    Rule("hsm-key", "In prd customer-managed keys are HSM-backed.", True, resource_rules.hsm_key),
    Rule(
        "diagnostics",
        "Every resource that supports diagnostic settings sends them to Log Analytics.",
        False,
        check_stack=stack_rules.diagnostic_settings,
    ),
    Rule("protect", "Outside dev, resources that hold data are protected.", False, resource_rules.protected),
    Rule(
        "delete-lock",
        "Outside dev, resources that hold data sit under a CanNotDelete lock.",
        False,
        check_stack=stack_rules.delete_locks,
    ),
    Rule("required-tags", "Tracked resources carry the required tags.", False, resource_rules.required_tags),
    Rule("unreviewed-type", "Every resource type is declared by a component.", False, resource_rules.unreviewed_type),
)


def rules(types: TypeRegistry | None = None) -> list[Rule]:
    """The declared rules of every type, one ``Rule`` per name, then the platform's own."""
    types = types or declared()
    severities: dict[str, set[str]] = {}
    for token in types.tokens():
        facts = types.get(token)
        for rule in facts.rules if facts else ():
            severities.setdefault(rule.name, set()).add(rule.severity)
    declared_rules = [
        Rule(
            name,
            DESCRIPTIONS.get(name, f"Resources keep the {name} rule their component declares."),
            "high" in levels,
            resource_rules.declared_rule(name),
        )
        for name, levels in sorted(severities.items())
    ]
    return declared_rules + list(_OWN_RULES)


def evaluate(
    subjects: Iterable[Subject], facts: StackFacts, *, selected: Sequence[Rule] | None = None
) -> list[Violation]:
    """Every rule (or ``selected``) over the stack's deployed resources, accepted exceptions included."""
    subjects = list(subjects)
    out: list[Violation] = []
    for rule in selected if selected is not None else rules(facts.registry):
        if rule.check_resource is not None:
            for subject in subjects:
                out += rule.check_resource(subject, facts)
        if rule.check_stack is not None:
            out += rule.check_stack(subjects, facts)
    return out
