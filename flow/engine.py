"""Playing pipelines as Data Factory and Synapse run them.

Activities of one level run in ``dependsOn`` order; an activity runs when every dependency ended in one
of the conditions listed for it (``Completed`` is Succeeded or Failed, ``Skipped`` matches a dependency
that did not run), and is skipped otherwise. A failed activity is retried as its policy says. A pipeline
run's outcome follows the service's rule (Learn, "Pipeline failure and error handling"): evaluate every
leaf activity; a skipped leaf is evaluated through its parents; the run succeeds only if every evaluation
succeeds. Containers (ForEach, Until, IfCondition, Switch) run their activities the same way. ForEach
items run one after another, whatever ``batchCount`` allows, so a run is reproducible. Waits advance a
simulated clock; nothing sleeps.

An activity type the flow does not know how to play stops the run with :class:`NotPlayableError`, naming the
activity: the flow never pretends a step ran.
"""

from __future__ import annotations

import time
import uuid
from collections import ChainMap
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from cloudscale.pipelines.expressions import NO_ITEM, ExpressionContext, ExpressionError, evaluate_value

if TYPE_CHECKING:
    from cloudscale.flow.world import World

SUCCEEDED, FAILED, SKIPPED = "Succeeded", "Failed", "Skipped"
MAX_UNTIL_ITERATIONS = 200


class NotPlayableError(RuntimeError):
    """An activity the flow cannot play; the run stops here."""

    def __init__(self, activity: str, reason: str) -> None:
        super().__init__(f"cannot play activity {activity!r}: {reason}")
        self.activity = activity


class ActivityFailedError(RuntimeError):
    """An activity failed as it would on the service (a source error, a notebook's exception, a Fail)."""

    def __init__(self, message: str, code: str = "ActivityFailed") -> None:
        super().__init__(message)
        self.code = code


@dataclass
class ActivityRun:
    name: str
    type: str
    status: str = SKIPPED
    output: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    attempts: int = 0
    seconds: float = 0.0
    rows_in: int | None = None
    rows_out: int | None = None
    bytes_written: int | None = None
    reads: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    children: list[Any] = field(default_factory=list)
    """Nested runs: a child pipeline run, or the activity runs of a container."""
    depends_on: list[str] = field(default_factory=list)
    log: str = ""
    """What the activity printed (a notebook's output)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "status": self.status,
            "attempts": self.attempts,
            "seconds": round(self.seconds, 3),
            "rowsIn": self.rows_in,
            "rowsOut": self.rows_out,
            "bytesWritten": self.bytes_written,
            "reads": self.reads,
            "writes": self.writes,
            **({"error": self.error} if self.error else {}),
            **({"log": self.log} if self.log else {}),
            **({"children": [c.as_dict() for c in self.children]} if self.children else {}),
        }


@dataclass
class PipelineRun:
    pipeline: str
    run_id: str
    parameters: dict[str, Any]
    status: str = SUCCEEDED
    activities: list[ActivityRun] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "pipeline": self.pipeline,
            "runId": self.run_id,
            "status": self.status,
            "parameters": self.parameters,
            "seconds": round(self.seconds, 3),
            "errors": self.errors,
            "activities": [a.as_dict() for a in self.activities],
        }


@dataclass
class Scope:
    """What one activity sees: its pipeline run, variables, the results of activities before it, the item."""

    target: str
    run: PipelineRun
    trigger: Mapping[str, Any] | None
    variables: MutableMapping[str, Any]
    results: Mapping[str, Mapping[str, Any]]
    item: Any = NO_ITEM
    trigger_name: str = ""


class Clock:
    """The run's time: starts at the window's end (when a tumbling window's run starts) and moves only
    when a Wait activity waits."""

    def __init__(self, start: datetime) -> None:
        self.moment = start if start.tzinfo else start.replace(tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


Player = Callable[[dict[str, Any], Scope, ActivityRun], dict[str, Any]]


class Engine:
    def __init__(self, world: World, observe: Callable[[ActivityRun, int], None] | None = None) -> None:
        self.world = world
        self.clock = Clock(world.run_time)
        self.observe = observe or (lambda run, depth: None)
        self.depth = 0
        self.players: dict[str, Player] = {
            "ExecutePipeline": self._execute_pipeline,
            "ForEach": self._for_each,
            "Until": self._until,
            "IfCondition": self._if_condition,
            "Switch": self._switch,
            "SetVariable": self._set_variable,
            "AppendVariable": self._append_variable,
            "Wait": self._wait,
            "Fail": self._fail,
        }
        self.players.update(world.players(self))

    # -- expressions ---------------------------------------------------------------------------------

    def context(self, scope: Scope, **extra: Any) -> ExpressionContext:
        run = scope.run
        return ExpressionContext(
            pipeline={
                "Pipeline": run.pipeline,
                "RunId": run.run_id,
                "DataFactory": self.world.platform.values.get("dataFactory.name", ""),
                "TriggerTime": self.world.run_time.isoformat().replace("+00:00", "Z"),
                "TriggerType": "TumblingWindowTrigger" if scope.trigger else "Manual",
                "TriggerName": scope.trigger_name or "Manual",
                "GroupId": run.run_id,
                "parameters": run.parameters,
                "globalParameters": {},
            },
            trigger=scope.trigger,
            variables=scope.variables,
            activities=scope.results,
            item=scope.item,
            now=self.clock.now(),
            **extra,
        )

    def evaluate(self, value: Any, scope: Scope, activity: str) -> Any:
        try:
            return evaluate_value(value, self.context(scope))
        except ExpressionError as error:
            raise ActivityFailedError(f"{activity}: {error}", "InvalidTemplate") from None

    # -- pipelines -----------------------------------------------------------------------------------

    def run_pipeline(
        self,
        target: str,
        name: str,
        parameters: Mapping[str, Any],
        trigger: Mapping[str, Any] | None = None,
        trigger_name: str = "",
    ) -> PipelineRun:
        pipeline = self.world.definition(target, "pipeline", name)
        if pipeline is None:
            raise ActivityFailedError(f"pipeline {name!r} does not exist in the {target}")
        properties = pipeline.properties
        declared = properties.get("parameters") or {}
        values = {key: spec.get("defaultValue") for key, spec in declared.items() if "defaultValue" in spec}
        values.update(parameters)
        missing = [key for key in declared if key not in values]
        if missing:
            raise ActivityFailedError(f"{name}: missing value for parameter(s) {', '.join(missing)}")
        run = PipelineRun(name, str(uuid.uuid4()), dict(values))
        variables = {key: spec.get("defaultValue") for key, spec in (properties.get("variables") or {}).items()}
        scope = Scope(target, run, trigger, variables, {}, trigger_name=trigger_name)
        started = time.perf_counter()
        run.activities = self._run_level(properties.get("activities") or [], scope)
        run.status = SUCCEEDED if self._outcome(run.activities) else FAILED
        run.errors = [a.error for a in _failed_leaves(run.activities) if a.error]
        run.seconds = time.perf_counter() - started
        return run

    def _run_level(self, activities: Sequence[Mapping[str, Any]], scope: Scope) -> list[ActivityRun]:
        by_name = {str(a.get("name")): a for a in activities}
        results: dict[str, dict[str, Any]] = {}
        level_scope = Scope(
            scope.target,
            scope.run,
            scope.trigger,
            scope.variables,
            ChainMap(results, scope.results),  # type: ignore[arg-type]
            scope.item,
            scope.trigger_name,
        )
        runs: dict[str, ActivityRun] = {}
        for name in _in_dependency_order(by_name):
            activity = dict(by_name[name])
            run = ActivityRun(name, str(activity.get("type")))
            run.depends_on = [str(d.get("activity")) for d in activity.get("dependsOn") or []]
            runs[name] = run
            if self._ready(activity, runs):
                self._play(activity, level_scope, run)
            results[name] = {"output": run.output, "status": run.status, "error": run.error or {}}
        return list(runs.values())

    @staticmethod
    def _ready(activity: Mapping[str, Any], runs: Mapping[str, ActivityRun]) -> bool:
        for dependency in activity.get("dependsOn") or []:
            outcome = runs[str(dependency.get("activity"))].status
            conditions = set(dependency.get("dependencyConditions") or ())
            if outcome == SKIPPED:
                if SKIPPED not in conditions:
                    return False
            elif outcome not in conditions and not ("Completed" in conditions and outcome in (SUCCEEDED, FAILED)):
                return False
        return True

    def _play(self, activity: dict[str, Any], scope: Scope, run: ActivityRun) -> None:
        player = self.players.get(run.type)
        if player is None:
            raise NotPlayableError(run.name, f"the flow does not play {run.type} activities")
        policy = activity.get("policy") or {}
        attempts = 1 + int(policy.get("retry") or 0)
        started = time.perf_counter()
        self.depth += 1
        try:
            for attempt in range(1, attempts + 1):
                run.attempts = attempt
                run.children = []
                try:
                    run.output = player(activity, scope, run) or {}
                    run.status, run.error = SUCCEEDED, None
                    break
                except ActivityFailedError as failure:
                    run.status = FAILED
                    run.error = {"message": str(failure), "errorCode": failure.code, "failureType": "UserError"}
                    if attempt < attempts:
                        self.clock.advance(float(policy.get("retryIntervalInSeconds") or 30))
        finally:
            self.depth -= 1
            run.seconds = time.perf_counter() - started
        self.observe(run, self.depth)

    @staticmethod
    def _outcome(runs: Sequence[ActivityRun]) -> bool:
        """The service's rule: every leaf succeeded, a skipped leaf counting as its parents."""
        by_name = {r.name: r for r in runs}
        awaited = {d for r in runs for d in r.depends_on}

        def evaluate(run: ActivityRun, seen: frozenset[str]) -> bool:
            if run.status == SUCCEEDED:
                return True
            if run.status == FAILED:
                return False
            parents = [by_name[p] for p in run.depends_on if p in by_name and p not in seen]
            return all(evaluate(p, seen | {run.name}) for p in parents)

        return all(evaluate(r, frozenset()) for r in runs if r.name not in awaited)

    # -- control activities --------------------------------------------------------------------------

    def _execute_pipeline(self, activity: dict[str, Any], scope: Scope, run: ActivityRun) -> dict[str, Any]:
        properties = activity.get("typeProperties") or {}
        name = str((properties.get("pipeline") or {}).get("referenceName"))
        parameters = self.evaluate(properties.get("parameters") or {}, scope, run.name)
        child = self.run_pipeline(scope.target, name, parameters)
        run.children = [child]
        _roll_up(run, _flatten(child.activities))
        if child.status != SUCCEEDED and properties.get("waitOnCompletion", True):
            message = "; ".join(str(e.get("message")) for e in child.errors) or f"{name} failed"
            raise ActivityFailedError(f"{name} failed: {message}", "PipelineFailed")
        return {"pipelineName": name, "pipelineRunId": child.run_id}

    def _nested(self, activities: Sequence[Mapping[str, Any]], scope: Scope, run: ActivityRun) -> bool:
        runs = self._run_level(activities, scope)
        run.children.extend(runs)
        return self._outcome(runs)

    def _for_each(self, activity: dict[str, Any], scope: Scope, run: ActivityRun) -> dict[str, Any]:
        properties = activity.get("typeProperties") or {}
        items = self.evaluate(properties.get("items"), scope, run.name)
        if not isinstance(items, list):
            raise ActivityFailedError(f"{run.name}: items is not an array")
        succeeded = True
        for item in items:
            inner = Scope(
                scope.target, scope.run, scope.trigger, scope.variables, scope.results, item, scope.trigger_name
            )
            succeeded = self._nested(properties.get("activities") or [], inner, run) and succeeded
        _roll_up(run, _flatten(run.children))
        if not succeeded:
            raise ActivityFailedError(f"{run.name}: an iteration failed: {_first_error(run.children)}")
        return {"iterations": len(items)}

    def _until(self, activity: dict[str, Any], scope: Scope, run: ActivityRun) -> dict[str, Any]:
        properties = activity.get("typeProperties") or {}
        for iteration in range(1, MAX_UNTIL_ITERATIONS + 1):
            if not self._nested(properties.get("activities") or [], scope, run):
                raise ActivityFailedError(f"{run.name}: an activity failed: {_first_error(run.children)}")
            if self.evaluate(properties.get("expression"), scope, run.name) is True:
                return {"iterations": iteration}
        raise ActivityFailedError(f"{run.name}: still not done after {MAX_UNTIL_ITERATIONS} iterations", "Timeout")

    def _if_condition(self, activity: dict[str, Any], scope: Scope, run: ActivityRun) -> dict[str, Any]:
        properties = activity.get("typeProperties") or {}
        decided = self.evaluate(properties.get("expression"), scope, run.name)
        if not isinstance(decided, bool):
            raise ActivityFailedError(f"{run.name}: the expression is not a boolean ({decided!r})")
        branch = properties.get("ifTrueActivities" if decided else "ifFalseActivities") or []
        if not self._nested(branch, scope, run):
            raise ActivityFailedError(_first_error(run.children) or f"{run.name}: a branch activity failed")
        return {"expression": decided}

    def _switch(self, activity: dict[str, Any], scope: Scope, run: ActivityRun) -> dict[str, Any]:
        properties = activity.get("typeProperties") or {}
        value = self.evaluate(properties.get("on"), scope, run.name)
        chosen = next(
            (c.get("activities") or [] for c in properties.get("cases") or [] if c.get("value") == value),
            properties.get("defaultActivities") or [],
        )
        if not self._nested(chosen, scope, run):
            raise ActivityFailedError(_first_error(run.children) or f"{run.name}: a case activity failed")
        return {"on": value}

    def _set_variable(self, activity: dict[str, Any], scope: Scope, run: ActivityRun) -> dict[str, Any]:
        properties = activity.get("typeProperties") or {}
        name = str(properties.get("variableName"))
        value = self.evaluate(properties.get("value"), scope, run.name)
        if properties.get("setSystemVariable"):
            return {"value": value}
        if name not in scope.variables:
            raise ActivityFailedError(f"{run.name}: the pipeline declares no variable {name!r}")
        scope.variables[name] = value
        return {"value": value}

    def _append_variable(self, activity: dict[str, Any], scope: Scope, run: ActivityRun) -> dict[str, Any]:
        properties = activity.get("typeProperties") or {}
        name = str(properties.get("variableName"))
        current = scope.variables.get(name)
        if not isinstance(current, list):
            raise ActivityFailedError(f"{run.name}: variable {name!r} is not an array")
        current.append(self.evaluate(properties.get("value"), scope, run.name))
        return {}

    def _wait(self, activity: dict[str, Any], scope: Scope, run: ActivityRun) -> dict[str, Any]:
        seconds = self.evaluate((activity.get("typeProperties") or {}).get("waitTimeInSeconds", 1), scope, run.name)
        self.clock.advance(float(seconds))
        return {"waitedSeconds": seconds}

    def _fail(self, activity: dict[str, Any], scope: Scope, run: ActivityRun) -> dict[str, Any]:
        properties = activity.get("typeProperties") or {}
        message = self.evaluate(properties.get("message"), scope, run.name)
        code = self.evaluate(properties.get("errorCode"), scope, run.name)
        raise ActivityFailedError(str(message), str(code))


def _in_dependency_order(activities: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Activities in an order where each comes after its dependencies (the definition's order otherwise)."""
    ordered: list[str] = []
    seen: set[str] = set()

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in seen:
            return
        if name in trail:
            raise ActivityFailedError(f"dependency cycle through {' -> '.join((*trail, name))}")
        for dependency in activities[name].get("dependsOn") or []:
            parent = str(dependency.get("activity"))
            if parent not in activities:
                raise ActivityFailedError(f"{name} depends on {parent!r}, which is not an activity of its level")
            visit(parent, (*trail, name))
        seen.add(name)
        ordered.append(name)

    for name in activities:
        visit(name, ())
    return ordered


def _flatten(runs: Sequence[Any]) -> list[ActivityRun]:
    found: list[ActivityRun] = []
    for run in runs:
        if isinstance(run, PipelineRun):
            found += _flatten(run.activities)
        else:
            found.append(run)
            found += _flatten(run.children)
    return found


def _failed_leaves(runs: Sequence[ActivityRun]) -> list[ActivityRun]:
    awaited = {d for r in runs for d in r.depends_on if any(x.name == d for x in runs)}
    return [r for r in runs if r.status == FAILED and r.name not in awaited] or [r for r in runs if r.status == FAILED]


def _first_error(runs: Sequence[Any]) -> str:
    for run in _flatten(runs):
        if run.status == FAILED and run.error:
            return str(run.error.get("message"))
    return ""


CONTAINERS = frozenset({"ExecutePipeline", "ForEach", "Until", "IfCondition", "Switch"})


def _roll_up(run: ActivityRun, below: Sequence[ActivityRun]) -> None:
    """A container's rows and bytes: those of the data-moving activities under it, counted once."""
    leaves = [a for a in below if a.type not in CONTAINERS]
    run.rows_in = _sum(a.rows_in for a in leaves)
    run.rows_out = _sum(a.rows_out for a in leaves)
    run.bytes_written = _sum(a.bytes_written for a in leaves)


def _sum(values: Any) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def all_runs(runs: Sequence[Any]) -> list[ActivityRun]:
    return _flatten(runs)
