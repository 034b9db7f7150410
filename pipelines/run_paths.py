"""Which activities of a pipeline run, derived from ``dependsOn`` conditions alone.

The service's rules (Data Factory "pipeline execution and triggers" / "conditional execution"): an
activity runs when every dependency ended in one of the conditions listed for it (dependencies are
ANDed); otherwise it is skipped. ``Completed`` means Succeeded or Failed; ``Skipped`` matches a
dependency that did not run. A ``Fail`` activity ends in Failed by design. Expressions are not
evaluated: an IfCondition or a Lookup counts as one step that succeeds or fails.

A run's status and error come from its leaf activities, a skipped leaf standing for its parent (Data
Factory "Errors and Conditional execution", MicrosoftDocs azure-docs
data-factory/tutorial-pipeline-failure-error-handling.md: "Evaluate
outcome for all leaves activities. If a leaf activity was skipped, we evaluate its parent activity
instead"). A branch (IfCondition, Switch) that holds a ``Fail`` of its own fails with that activity's
message; a generic ``Fail`` after the branch would become the failed leaf and report its own message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SUCCEEDED, FAILED, SKIPPED = "Succeeded", "Failed", "Skipped"
CONDITIONS = frozenset({SUCCEEDED, FAILED, SKIPPED, "Completed"})


# The branches of an activity whose Fail activities end the run with their own message.
_BRANCHES = ("ifTrueActivities", "ifFalseActivities", "defaultActivities")


@dataclass(frozen=True)
class Step:
    name: str
    type: str
    depends_on: tuple[tuple[str, frozenset[str]], ...]
    raises: bool = False
    """A branch of this step is a ``Fail``: the step fails with that activity's own message."""


def _raises(activity: Mapping[str, Any]) -> bool:
    type_properties = activity.get("typeProperties") or {}
    branches = [type_properties.get(key) or [] for key in _BRANCHES]
    branches += [
        case.get("activities") or [] for case in type_properties.get("cases") or [] if isinstance(case, Mapping)
    ]
    return any(isinstance(inner, Mapping) and inner.get("type") == "Fail" for branch in branches for inner in branch)


def steps_of(activities: Sequence[Mapping[str, Any]]) -> list[Step]:
    steps = []
    for activity in activities:
        depends = tuple(
            (str(d.get("activity")), frozenset(d.get("dependencyConditions") or ()))
            for d in activity.get("dependsOn") or ()
            if isinstance(d, Mapping)
        )
        steps.append(Step(str(activity.get("name")), str(activity.get("type")), depends, _raises(activity)))
    return steps


def _matches(outcome: str, conditions: frozenset[str]) -> bool:
    if outcome == SKIPPED:
        return SKIPPED in conditions
    return outcome in conditions or ("Completed" in conditions and outcome in (SUCCEEDED, FAILED))


def simulate(steps: Sequence[Step], failing: Iterable[str] = ()) -> dict[str, str]:
    """The outcome of every step when the named steps fail and every other step that runs succeeds.

    Assumes an acyclic graph whose dependencies all exist (the validator checks both first).
    """
    failing = set(failing)
    by_name = {step.name: step for step in steps}
    outcome: dict[str, str] = {}

    def settle(step: Step) -> str:
        if step.name not in outcome:
            ready = all(_matches(settle(by_name[dep]), conditions) for dep, conditions in step.depends_on)
            if not ready:
                outcome[step.name] = SKIPPED
            elif step.type == "Fail" or step.name in failing:
                outcome[step.name] = FAILED
            else:
                outcome[step.name] = SUCCEEDED
        return outcome[step.name]

    for step in steps:
        settle(step)
    return outcome


def runs_when_all_succeed(steps: Sequence[Step]) -> set[str]:
    return {name for name, result in simulate(steps).items() if result != SKIPPED}


def runs_when_fails(steps: Sequence[Step], failing: str) -> set[str]:
    return {name for name, result in simulate(steps, [failing]).items() if result != SKIPPED}


def failure_path(steps: Sequence[Step], failing: str) -> set[str]:
    """Steps that run only because ``failing`` failed: its error handling."""
    return runs_when_fails(steps, failing) - runs_when_all_succeed(steps)


def unreachable(steps: Sequence[Step]) -> set[str]:
    """Steps that run neither on the happy path nor when any single other step fails."""
    reached = runs_when_all_succeed(steps)
    for step in steps:
        if step.type != "Fail":
            reached |= runs_when_fails(steps, step.name)
    return {step.name for step in steps} - reached


def unhandled_failures(steps: Sequence[Step]) -> set[str]:
    """Steps on the happy path whose failure runs no handler at all (no failure path declared); a step
    that fails only through a ``Fail`` of its own handles its failure itself."""
    happy = runs_when_all_succeed(steps)
    return {
        step.name
        for step in steps
        if step.name in happy and step.type != "Fail" and not step.raises and not failure_path(steps, step.name)
    }


def masked_failures(steps: Sequence[Step]) -> set[str]:
    """Steps that fail with a ``Fail`` of their own whose failure also runs a ``Fail`` after them, whose
    message then becomes the run's error in place of the specific one."""
    kinds = {step.name: step.type for step in steps}
    return {
        step.name
        for step in steps
        if step.raises and any(kinds[name] == "Fail" for name in failure_path(steps, step.name))
    }
