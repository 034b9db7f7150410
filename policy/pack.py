"""The catalog's rules as CrossGuard policies: what ``__main__`` hands ``PolicyPack`` under the Pulumi CLI.

Nothing here decides anything: each policy turns what the CLI's analyzer passes (a resource's inputs,
or every resource of the stack) into ``Subject``s and calls the catalog's function. An accepted
exception is not a violation of its rule; the advisory ``accepted-exceptions`` policy lists them
with their reasons, as ``cloudscale plan`` does.

Resource rules read the resource's inputs. Stack rules read what the analyzer has after the
operation, the outputs (for a resource created in the same preview: its inputs), which azure-native
spells as the inputs for every property these rules read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from cloudscale.policy.catalog import Rule, declared, evaluate, rules
from cloudscale.policy.facts import PLATFORM_TAG_KEYS, StackFacts, is_deployed
from cloudscale.policy.subject import Subject

# Policy config (``pulumi preview --policy-pack-config``): ``environment`` overrides the resources'
# Environment tag; ``requiredTags`` adds the organisation's tags to the platform's.
CONFIG = PolicyConfigSchema(
    properties={
        "environment": {"type": "string", "description": "dev, tst or prd; default: each resource's Environment tag"},
        "requiredTags": {"type": "array", "items": {"type": "string"}, "description": "tags besides the platform's"},
    }
)


def plain(value: Any) -> Any:
    """The analyzer's properties as plain dicts and lists, an unknown value (preview) as its sentinel
    instead of the error the SDK's proxy raises on reading it."""
    if isinstance(value, Mapping):
        return {key: _item(value, key) for key in value}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_item(value, index) for index in range(len(value))]
    return value


def _item(container: Any, key: Any) -> Any:
    try:
        return plain(container[key])
    except UnknownValueError as unknown:
        return unknown.unknown_type_sentinel


def stack_facts(config: Mapping[str, Any]) -> StackFacts:
    extra = tuple(str(tag) for tag in config.get("requiredTags") or ())
    return StackFacts(
        declared(),
        environment=str(config.get("environment") or ""),
        required_tags=PLATFORM_TAG_KEYS + tuple(tag for tag in extra if tag not in PLATFORM_TAG_KEYS),
    )


def resource_subject(args: ResourceValidationArgs) -> Subject:
    return Subject(args.resource_type, args.name, plain(args.props), urn=args.urn, protect=bool(args.opts.protect))


def stack_subject(resource: PolicyResource) -> Subject:
    props = plain(resource.props)
    resource_id = props.get("id")
    return Subject(
        resource.resource_type,
        resource.name,
        props,
        urn=resource.urn,
        resource_id=resource_id if isinstance(resource_id, str) else "",
        protect=bool(resource.opts.protect),
        property_dependencies={
            prop: tuple(dependency.urn for dependency in dependencies)
            for prop, dependencies in resource.property_dependencies.items()
        },
    )


def stack_subjects(args: StackValidationArgs) -> list[Subject]:
    return [stack_subject(r) for r in args.resources if is_deployed(r.resource_type)]


def _level(rule: Rule) -> EnforcementLevel:
    return EnforcementLevel.MANDATORY if rule.mandatory else EnforcementLevel.ADVISORY


def _resource_policy(rule: Rule) -> Policy:
    check = rule.check_resource
    assert check is not None

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if not is_deployed(args.resource_type):
            return
        for violation in check(resource_subject(args), stack_facts(args.get_config())):
            if not violation.accepted:
                report_violation(violation.message, None)

    return ResourceValidationPolicy(rule.name, rule.description, validate, _level(rule), config_schema=CONFIG)


def _stack_policy(rule: Rule) -> Policy:
    check = rule.check_stack
    assert check is not None

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        for violation in check(stack_subjects(args), stack_facts(args.get_config())):
            if not violation.accepted:
                report_violation(f"{violation.resource}: {violation.message}", violation.urn or None)

    return StackValidationPolicy(rule.name, rule.description, validate, _level(rule), config_schema=CONFIG)


def report_accepted(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    for violation in evaluate(stack_subjects(args), stack_facts(args.get_config())):
        if violation.accepted:
            report_violation(f"{violation.rule}: {violation.resource}: {violation.message}", violation.urn or None)


def policies() -> list[Policy]:
    """One policy per rule of the catalog, and the advisory listing of accepted exceptions."""
    out = [_resource_policy(rule) if rule.check_resource else _stack_policy(rule) for rule in rules()]
    out.append(
        StackValidationPolicy(
            "accepted-exceptions",
            "Deliberate exceptions, each with the reason its component declares.",
            report_accepted,
            EnforcementLevel.ADVISORY,
            config_schema=CONFIG,
        )
    )
    return out
