"""cloudscale's policy rules: plain functions over resources, shared by ``cloudscale plan`` and the
CrossGuard policy pack in this folder (``pulumi preview --policy-pack policy``).

Importing this package never starts the pack; ``__main__`` does, under the Pulumi CLI only.
"""

from cloudscale.policy.catalog import Rule, declared, evaluate, rules
from cloudscale.policy.facts import PLATFORM_TAG_KEYS, StackFacts, Violation, is_deployed
from cloudscale.policy.subject import Subject, is_unknown

__all__ = [
    "PLATFORM_TAG_KEYS",
    "Rule",
    "StackFacts",
    "Subject",
    "Violation",
    "declared",
    "evaluate",
    "is_deployed",
    "is_unknown",
    "rules",
]
