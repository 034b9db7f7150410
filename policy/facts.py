"""What the rules know about the stack beyond its resources, and the shape of what they report."""

from __future__ import annotations

from dataclasses import dataclass

from cloudscale.components.baseline.type_facts import TypeRegistry
from cloudscale.components.core.tags import platform_tags
from cloudscale.policy.subject import Subject

# The tags every platform resource carries (components/core/tags.py ``platform_tags``); a stack's
# configured tags (``cloudscale:tags``) are required on top of them where the rules are told.
PLATFORM_TAG_KEYS: tuple[str, ...] = tuple(platform_tags("environment", "zone"))
DEV = "dev"
PRODUCTION = "prd"


@dataclass(frozen=True)
class Violation:
    """A broken rule: ``high`` and ``medium`` are violations, ``accepted`` is a deliberate exception
    whose reason, declared next to the component, is the ``message``."""

    rule: str
    resource: str
    message: str
    severity: str
    urn: str = ""

    @property
    def accepted(self) -> bool:
        return self.severity == "accepted"


@dataclass(frozen=True)
class StackFacts:
    """The type registry the components filled, and what the stack's environment asks for.

    The environment is each resource's own ``Environment`` tag, a platform tag no user tag overrides
    (stacks/zone_scope.py), so the same rules decide dev or prd offline and under the Pulumi CLI,
    where the pack sees only the resources. ``environment`` overrides it for every resource when set
    (the pack's ``environment`` config, for stacks whose resources are not tagged by the platform).
    """

    registry: TypeRegistry
    environment: str = ""
    required_tags: tuple[str, ...] = PLATFORM_TAG_KEYS
    # None: outside dev, by the resource's environment; the plan passes the config's decision.
    protects_state: bool | None = None

    def environment_of(self, subject: Subject) -> str:
        return self.environment or subject.tag("Environment")

    def must_protect(self, subject: Subject) -> bool:
        if self.protects_state is not None:
            return self.protects_state
        environment = self.environment_of(subject)
        return bool(environment) and environment != DEV

    def judged(self, subject: Subject, rule: str, message: str, severity: str) -> Violation:
        """The violation, or the accepted exception a component declared for this resource."""
        facts = self.registry.get(subject.type)
        reason = facts.accepted_reason(rule, subject.props) if facts is not None else None
        if reason:
            return Violation(rule, subject.name, reason, "accepted", subject.urn)
        return Violation(rule, subject.name, message, severity, subject.urn)


def is_deployed(token: str) -> bool:
    """Azure resources and dynamic ones; not the engine's own (stack, providers) nor our components."""
    return not token.startswith(("pulumi:", "cloudscale:"))
