"""Offline validation of definition sets: everything the service would reject, and run paths.

Each problem names the file and the JSON path to change. Validation runs on the sets a zone deploys
together, so references resolve across sets of the same target (a user's pipeline may use a bundled
dataset) and, for notebooks, from a factory into the zone's Synapse workspace.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from cloudscale.components.data_factory import type_property_collisions
from cloudscale.pipelines import run_paths
from cloudscale.pipelines.definitions import TARGETS, Artifact, DefinitionProblem, DefinitionSet, Target
from cloudscale.pipelines.expressions import Expression, ExpressionError, is_expression, parse
from cloudscale.pipelines.expressions.analysis import Scope, problems
from cloudscale.pipelines.linked_services import runtime_problems, sign_in_problems
from cloudscale.pipelines.placeholders import PLACEHOLDER, is_known_key, keys_in_texts
from cloudscale.pipelines.platform import (
    CONTAINER_ACTIVITIES,
    MAX_ACTIVITIES,
    MAX_ACTIVITY_NAME,
    RECURRENCE_FREQUENCIES,
    SYNAPSE_SPARK_ACTIVITIES,
    TRIGGER_OUTPUTS,
    TRIGGER_TYPES,
    TUMBLING_FREQUENCIES,
    Platform,
    activity_types,
    tumbling_window_problems,
    zone_platform,
)

# The service's parameter types, compared without case (Studio writes dataset parameters in lower case).
PARAMETER_TYPES = frozenset({"array", "bool", "float", "int", "object", "securestring", "string"})
_KNOWN_ACTIVITIES = activity_types("dataFactory") | activity_types("synapse")
# The kinds of definition whose strings the service evaluates as expressions when an activity runs; a
# notebook's cells and a SQL script's text are code, sent as they are.
EVALUATED_KINDS = frozenset({"pipeline", "dataset", "linkedService", "trigger"})
# Declarations the service reads as literals: a parameter's or variable's defaultValue is not evaluated.
_NOT_EVALUATED = ("$.properties.parameters", "$.properties.variables", "$.properties.annotations")


def _expressions(artifact: Artifact) -> Iterator[tuple[str, Expression | ExpressionError]]:
    """(JSON path, parsed value or why it does not parse) of every string the service evaluates.

    Placeholders are resolved before the service sees the definition, so each stands in for a plain
    word here (``@{{ lake.raw.account }}`` is an account name after an ``@``, not an interpolation).
    """
    if artifact.kind not in EVALUATED_KINDS:
        return
    for where, text in artifact.texts:
        if where.startswith(_NOT_EVALUATED) or where.endswith(".description"):
            continue
        if "{{" in text:
            text = PLACEHOLDER.sub(lambda match: re.sub(r"\W", "_", match[1]), text)
        if is_expression(text):
            try:
                yield where, parse(text)
            except ExpressionError as error:
                yield where, error


@dataclass
class _Scope:
    """What every set of one target contributes; references resolve against the whole scope."""

    target: Target
    by_kind: dict[str, dict[str, Artifact]]

    def get(self, kind: str, name: str) -> Artifact | None:
        return self.by_kind.get(kind, {}).get(name)


class Validator:
    def __init__(self, sets: Sequence[DefinitionSet], platform: Platform) -> None:
        self.sets = list(sets)
        self.platform = platform
        self.problems: list[DefinitionProblem] = []
        self.scopes: dict[Target, _Scope] = {target: _Scope(target, {}) for target in TARGETS}
        for definitions in self.sets:
            scope = self.scopes[definitions.target]
            for artifact in definitions:
                existing = scope.get(artifact.kind, artifact.name)
                if existing is not None:
                    self._problem(
                        artifact, "$.name", f"{artifact.kind} {artifact.name!r} is also defined in {existing.file}"
                    )
                    continue
                scope.by_kind.setdefault(artifact.kind, {})[artifact.name] = artifact

    def _problem(self, artifact: Artifact, path: str, message: str) -> None:
        self.problems.append(DefinitionProblem(artifact.file, path, message))

    def run(self) -> list[DefinitionProblem]:
        for definitions in self.sets:
            scope = self.scopes[definitions.target]
            for artifact in definitions:
                if scope.get(artifact.kind, artifact.name) is not artifact:
                    continue
                self._placeholders(artifact)
                self._expression_checks(artifact)
                self._parameter_types(artifact)
                check = getattr(self, f"_check_{artifact.kind}", None)
                if check is not None:
                    check(artifact, scope)
        return self.problems

    # -- every artifact ----------------------------------------------------------------------------

    def _placeholders(self, artifact: Artifact) -> None:
        for path, key in keys_in_texts(artifact.texts):
            if not is_known_key(key):
                self._problem(
                    artifact, path, f"unknown placeholder {{{{ {key} }}}}; see docs/pipelines.md for the list"
                )

    def _expression_checks(self, artifact: Artifact) -> None:
        scopes = _expression_scopes(artifact)
        for path, parsed in _expressions(artifact):
            if isinstance(parsed, ExpressionError):
                where = f" (position {parsed.position})" if parsed.position is not None else ""
                self._problem(artifact, path, f"expression does not parse: {parsed.reason}{where}")
                continue
            scope = next((scope for prefix, scope in scopes if path.startswith(prefix)), scopes[-1][1])
            for message in problems(parsed, scope):
                self._problem(artifact, path, message)

    def _reference(self, artifact: Artifact, scope: _Scope, path: str, reference: Any, kind: str) -> Artifact | None:
        """Resolve ``{"referenceName": ...}``; returns the artifact or None (a platform object or missing)."""
        if not isinstance(reference, Mapping) or not isinstance(reference.get("referenceName"), str):
            self._problem(artifact, path, f"needs a {{'referenceName': ..., 'type': ...}} reference to a {kind}")
            return None
        name = reference["referenceName"]
        if name.startswith("@") or "{{" in name:
            return None  # resolved at run time or from the zone; nothing to check offline
        found = scope.get(kind, name)
        if found is not None:
            return found
        if kind == "linkedService" and self.platform.linked_service_type(scope.target, name):
            return None
        if kind == "integrationRuntime" and self.platform.has_runtime(scope.target, name):
            return None
        where = "the zone's Synapse workspace" if scope.target == "synapse" else "the zone's Data Factory"
        self._problem(artifact, f"{path}.referenceName", f"{kind} {name!r} does not exist in {where}")
        return None

    def _linked_service_type(self, scope: _Scope, name: str) -> str | None:
        found = scope.get("linkedService", name)
        return found.type if found else self.platform.linked_service_type(scope.target, name)

    def _parameter_types(self, artifact: Artifact) -> None:
        for name, spec in (artifact.properties.get("parameters") or {}).items():
            kind = spec.get("type") if isinstance(spec, Mapping) else None
            if str(kind).lower() not in PARAMETER_TYPES:
                self._problem(
                    artifact,
                    f"$.properties.parameters.{name}.type",
                    f"{kind!r} is not a parameter type; use one of {', '.join(sorted(PARAMETER_TYPES))}",
                )

    def _flattenable(self, artifact: Artifact, properties: Mapping[str, Any], path: str) -> None:
        for key in type_property_collisions(properties):
            hint = "; name the table in the source query instead" if key == "schema" else ""
            self._problem(
                artifact,
                f"{path}.typeProperties.{key}",
                f"cannot be deployed: azure-native merges typeProperties into the definition, where {key!r} is "
                f"already the definition's own {key} (pulumi-azure-native issue 2006){hint}",
            )

    def _parameters_passed(
        self, artifact: Artifact, path: str, passed: Any, declared: Mapping[str, Any], what: str
    ) -> None:
        passed = passed if isinstance(passed, Mapping) else {}
        for name in passed:
            if name not in declared:
                self._problem(artifact, f"{path}.{name}", f"{what} declares no parameter {name!r}")
        for name, spec in declared.items():
            if name not in passed and not (isinstance(spec, Mapping) and "defaultValue" in spec):
                self._problem(artifact, path, f"{what} needs parameter {name!r} (it has no defaultValue)")

    # -- kinds -------------------------------------------------------------------------------------

    def _check_linkedService(self, artifact: Artifact, scope: _Scope) -> None:  # noqa: N802
        properties = artifact.properties
        if not properties.get("type"):
            self._problem(artifact, "$.properties.type", "required, e.g. 'AzureBlobFS' or 'AzureSqlDatabase'")
        self._flattenable(artifact, properties, "$.properties")
        if "connectVia" in properties:
            self._reference(artifact, scope, "$.properties.connectVia", properties["connectVia"], "integrationRuntime")
        for path, message in sign_in_problems(properties, scope.target):
            self._problem(artifact, path, message)

    def _check_dataset(self, artifact: Artifact, scope: _Scope) -> None:
        properties = artifact.properties
        if not properties.get("type"):
            self._problem(artifact, "$.properties.type", "required, e.g. 'Parquet' or 'AzureSqlTable'")
        self._flattenable(artifact, properties, "$.properties")
        self._reference(
            artifact, scope, "$.properties.linkedServiceName", properties.get("linkedServiceName"), "linkedService"
        )

    def _check_integrationRuntime(self, artifact: Artifact, scope: _Scope) -> None:  # noqa: N802
        for path, message in runtime_problems(artifact.properties, scope.target):
            self._problem(artifact, path, message)

    def _check_notebook(self, artifact: Artifact, _scope: _Scope) -> None:
        cells = artifact.properties.get("cells")
        if not isinstance(cells, list) or not cells:
            self._problem(artifact, "$.properties.cells", "a notebook needs at least one cell")

    def _check_sqlscript(self, artifact: Artifact, _scope: _Scope) -> None:
        content = artifact.properties.get("content")
        if not isinstance(content, Mapping) or not str(content.get("query") or "").strip():
            self._problem(artifact, "$.properties.content.query", "a SQL script needs a query")

    def _check_trigger(self, artifact: Artifact, scope: _Scope) -> None:
        properties = artifact.properties
        kind = properties.get("type")
        if kind not in TRIGGER_TYPES:
            self._problem(
                artifact, "$.properties.type", f"unknown trigger type {kind!r}; use one of {sorted(TRIGGER_TYPES)}"
            )
            return
        recurrence_path = "$.properties.typeProperties" + (".recurrence" if kind == "ScheduleTrigger" else "")
        recurrence = properties.get("typeProperties", {})
        recurrence = recurrence.get("recurrence", {}) if kind == "ScheduleTrigger" else recurrence
        if kind in ("ScheduleTrigger", "TumblingWindowTrigger"):
            frequency = recurrence.get("frequency")
            allowed = RECURRENCE_FREQUENCIES if kind == "ScheduleTrigger" else TUMBLING_FREQUENCIES
            if isinstance(frequency, str) and "{{" not in frequency and frequency not in allowed:
                self._problem(artifact, f"{recurrence_path}.frequency", f"must be one of {sorted(allowed)}")
            if not recurrence.get("startTime") and kind == "TumblingWindowTrigger":
                self._problem(artifact, f"{recurrence_path}.startTime", "a tumbling window trigger needs a startTime")
        if kind == "TumblingWindowTrigger":
            found = tumbling_window_problems(
                recurrence.get("frequency"), recurrence.get("interval"), recurrence.get("startTime")
            )
            for name, message in found.items():
                self._problem(artifact, f"{recurrence_path}.{name}", message)
            references = [("$.properties.pipeline", properties.get("pipeline"))]
        else:
            references = [(f"$.properties.pipelines[{i}]", p) for i, p in enumerate(properties.get("pipelines") or [])]
            if not references:
                self._problem(artifact, "$.properties.pipelines", "a trigger must start at least one pipeline")
        for path, entry in references:
            entry = entry if isinstance(entry, Mapping) else {}
            pipeline = self._reference(
                artifact, scope, f"{path}.pipelineReference", entry.get("pipelineReference"), "pipeline"
            )
            if pipeline is not None:
                declared = pipeline.properties.get("parameters") or {}
                self._parameters_passed(
                    artifact, f"{path}.parameters", entry.get("parameters"), declared, f"pipeline {pipeline.name!r}"
                )

    def _check_pipeline(self, artifact: Artifact, scope: _Scope) -> None:
        properties = artifact.properties
        activities = properties.get("activities")
        if not isinstance(activities, list) or not activities:
            self._problem(artifact, "$.properties.activities", "a pipeline needs at least one activity")
            return
        self._activities(artifact, scope, activities, "$.properties.activities")
        self._activity_names(artifact)

    def _activity_names(self, artifact: Artifact) -> None:
        """The service's limits on a pipeline's activities, counted through every container."""
        everything = list(all_activities(artifact))
        if len(everything) > MAX_ACTIVITIES:
            self._problem(
                artifact,
                "$.properties.activities",
                f"{len(everything)} activities, inner activities of containers included; a pipeline holds at most "
                f"{MAX_ACTIVITIES} (split it, or run part of it with ExecutePipeline)",
            )
        first: dict[str, str] = {}
        for path, activity in everything:
            name = activity.get("name")
            if not isinstance(name, str):
                continue
            if len(name) > MAX_ACTIVITY_NAME:
                too_long = f"activity name {name!r} has {len(name)} characters; at most {MAX_ACTIVITY_NAME}"
                self._problem(artifact, f"{path}.name", too_long)
            seen = first.setdefault(name, path)
            # Siblings of one name are reported by _activities; across levels, activity('X') would be ambiguous.
            if seen != path and seen.rsplit("[", 1)[0] != path.rsplit("[", 1)[0]:
                self._problem(
                    artifact,
                    f"{path}.name",
                    f"activity name {name!r} is also used at {seen}; names are unique in the whole pipeline, "
                    "inside containers too",
                )

    def _activities(self, artifact: Artifact, scope: _Scope, activities: list[Any], path: str) -> None:
        seen: dict[str, int] = {}
        for index, activity in enumerate(activities):
            where = f"{path}[{index}]"
            if not isinstance(activity, Mapping) or not isinstance(activity.get("name"), str):
                self._problem(artifact, where, "an activity needs a name")
                return
            if activity["name"] in seen:
                self._problem(artifact, f"{where}.name", f"activity name {activity['name']!r} is used twice")
            seen[activity["name"]] = index
        for index, activity in enumerate(activities):
            where = f"{path}[{index}]"
            for dep_index, dependency in enumerate(activity.get("dependsOn") or []):
                dep_path = f"{where}.dependsOn[{dep_index}]"
                target = dependency.get("activity") if isinstance(dependency, Mapping) else None
                if target not in seen or target == activity["name"]:
                    self._problem(
                        artifact,
                        f"{dep_path}.activity",
                        f"depends on {target!r}, which is not another activity at this level "
                        f"(one of: {', '.join(n for n in seen if n != activity['name']) or 'none'})",
                    )
                conditions = dependency.get("dependencyConditions") if isinstance(dependency, Mapping) else None
                if not conditions or not set(conditions) <= run_paths.CONDITIONS:
                    self._problem(
                        artifact,
                        f"{dep_path}.dependencyConditions",
                        f"must be a non-empty subset of {sorted(run_paths.CONDITIONS)} (got {conditions!r})",
                    )
            self._activity(artifact, scope, activity, where)
        if not any(
            p.file == artifact.file and p.path.startswith(path) and "dependsOn" in p.path for p in self.problems
        ):
            cycle = _cycle(activities)
            if cycle:
                index = seen[cycle[-2]]
                self._problem(artifact, f"{path}[{index}].dependsOn", "dependency cycle: " + " -> ".join(cycle))
            else:
                steps = run_paths.steps_of(activities)
                for name in sorted(run_paths.unreachable(steps)):
                    self._problem(
                        artifact,
                        f"{path}[{seen[name]}]",
                        f"activity {name!r} never runs: no outcome of the activities it depends on "
                        "satisfies its conditions",
                    )

    def _activity(self, artifact: Artifact, scope: _Scope, activity: Mapping[str, Any], where: str) -> None:
        kind = activity.get("type")
        type_properties = activity.get("typeProperties") or {}
        self._flattenable(artifact, activity, where)
        self._activity_type(artifact, scope, activity, where)
        if kind in ("SetVariable", "AppendVariable"):
            self._variable_declared(artifact, type_properties, where)
        if "linkedServiceName" in activity:
            self._reference(
                artifact, scope, f"{where}.linkedServiceName", activity["linkedServiceName"], "linkedService"
            )
        for key in ("inputs", "outputs"):
            for index, reference in enumerate(activity.get(key) or []):
                self._dataset_reference(artifact, scope, f"{where}.{key}[{index}]", reference)
        if isinstance(type_properties.get("dataset"), Mapping):
            self._dataset_reference(artifact, scope, f"{where}.typeProperties.dataset", type_properties["dataset"])
        if kind == "ExecutePipeline":
            pipeline = self._reference(
                artifact, scope, f"{where}.typeProperties.pipeline", type_properties.get("pipeline"), "pipeline"
            )
            if pipeline is not None:
                self._parameters_passed(
                    artifact,
                    f"{where}.typeProperties.parameters",
                    type_properties.get("parameters"),
                    pipeline.properties.get("parameters") or {},
                    f"pipeline {pipeline.name!r}",
                )
        if kind in SYNAPSE_SPARK_ACTIVITIES and kind == "SynapseNotebook":
            notebook = self._reference(
                artifact,
                self.scopes["synapse"],
                f"{where}.typeProperties.notebook",
                type_properties.get("notebook"),
                "notebook",
            )
            if notebook is not None:
                self._notebook_parameters(artifact, notebook, type_properties.get("parameters"), where)
        for key in CONTAINER_ACTIVITIES.get(str(kind), ()):
            inner = type_properties.get(key)
            if inner is not None:
                self._activities(artifact, scope, inner, f"{where}.typeProperties.{key}")
        if kind == "Switch":
            for index, case in enumerate(type_properties.get("cases") or []):
                self._activities(
                    artifact, scope, case.get("activities") or [], f"{where}.typeProperties.cases[{index}].activities"
                )

    def _activity_type(self, artifact: Artifact, scope: _Scope, activity: Mapping[str, Any], where: str) -> None:
        kind = activity.get("type")
        if kind in SYNAPSE_SPARK_ACTIVITIES and scope.target == "dataFactory":
            # A factory runs Synapse notebooks only through an AzureSynapseArtifacts linked service
            # (Data Factory "Transform data by running a Synapse notebook").
            reference = activity.get("linkedServiceName")
            name = reference.get("referenceName") if isinstance(reference, Mapping) else None
            if not name or self._linked_service_type(scope, name) != "AzureSynapseArtifacts":
                self._problem(
                    artifact,
                    f"{where}.type",
                    f"{kind} runs in a Data Factory only through a linkedServiceName of type AzureSynapseArtifacts"
                    + (f"; {name!r} is not one" if name else ""),
                )
        elif kind not in activity_types(scope.target):
            target = "Synapse workspace" if scope.target == "synapse" else "Data Factory"
            self._problem(artifact, f"{where}.type", f"activity type {kind!r} does not exist in a {target}")

    def _notebook_parameters(self, artifact: Artifact, notebook: Artifact, passed: Any, where: str) -> None:
        # The service writes the passed values into a cell after the one tagged "parameters", overriding
        # its assignments (Synapse "Create, develop, and maintain Synapse notebooks": "Assign parameters
        # values from a pipeline"); a name that cell does not assign is a value no code reads.
        if not isinstance(passed, Mapping) or not passed:
            return
        path = f"{where}.typeProperties.parameters"
        declared = notebook_parameters(notebook)
        if declared is None:
            self._problem(
                artifact, path, f"notebook {notebook.name!r} has no parameters cell (a cell tagged 'parameters')"
            )
            return
        for name in passed:
            if name not in declared:
                self._problem(
                    artifact,
                    f"{path}.{name}",
                    f"notebook {notebook.name!r} declares no parameter {name!r} in its parameters cell "
                    f"(it declares {', '.join(sorted(declared)) or 'none'})",
                )

    def _variable_declared(self, artifact: Artifact, type_properties: Mapping[str, Any], where: str) -> None:
        # The service refuses to save a pipeline whose SetVariable names an undeclared variable (Data
        # Factory "Set Variable activity": variableName is "the name of the variable"); a pipeline's
        # return value is a system variable, declared by no one.
        name = type_properties.get("variableName")
        if not type_properties.get("setSystemVariable") and name not in (artifact.properties.get("variables") or {}):
            self._problem(artifact, f"{where}.typeProperties.variableName", f"variable {name!r} is not declared")

    def _dataset_reference(self, artifact: Artifact, scope: _Scope, path: str, reference: Any) -> None:
        dataset = self._reference(artifact, scope, path, reference, "dataset")
        if dataset is not None:
            self._parameters_passed(
                artifact,
                f"{path}.parameters",
                reference.get("parameters"),
                dataset.properties.get("parameters") or {},
                f"dataset {dataset.name!r}",
            )


def _all_activities(activities: Any, path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for index, activity in enumerate(activities if isinstance(activities, list) else []):
        if not isinstance(activity, Mapping):
            continue
        where = f"{path}[{index}]"
        yield where, activity
        type_properties = activity.get("typeProperties") or {}
        for key in CONTAINER_ACTIVITIES.get(str(activity.get("type")), ()):
            yield from _all_activities(type_properties.get(key), f"{where}.typeProperties.{key}")
        for case_index, case in enumerate(
            type_properties.get("cases") or [] if activity.get("type") == "Switch" else []
        ):
            yield from _all_activities(case.get("activities"), f"{where}.typeProperties.cases[{case_index}].activities")


def all_activities(pipeline: Artifact) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(JSON path, activity) for every activity of a pipeline, inside loops and branches too."""
    return _all_activities(pipeline.properties.get("activities"), "$.properties.activities")


def activity_scopes(pipeline: Artifact) -> Iterator[tuple[str, list[Mapping[str, Any]]]]:
    """Each list of sibling activities (the pipeline's, each loop's, each branch's), with its path."""
    top = pipeline.properties.get("activities") or []
    yield "$.properties.activities", top
    for where, activity in all_activities(pipeline):
        type_properties = activity.get("typeProperties") or {}
        for key in CONTAINER_ACTIVITIES.get(str(activity.get("type")), ()):
            if isinstance(type_properties.get(key), list):
                yield f"{where}.typeProperties.{key}", type_properties[key]


def _expression_scopes(artifact: Artifact) -> list[tuple[str, Scope]]:
    """(JSON path prefix, scope) for the definition's expressions, the most specific prefix first: in a
    pipeline, each activity's own strings see the activities upstream of it and of its containers."""
    properties = artifact.properties
    parameters = properties.get("parameters")
    whole = Scope(artifact.kind, parameters=parameters if isinstance(parameters, Mapping) else {})
    if artifact.kind == "trigger":
        kind = str(properties.get("type"))
        whole = Scope(
            "trigger",
            trigger_type=kind if kind in TRIGGER_OUTPUTS else None,
            trigger_outputs=TRIGGER_OUTPUTS.get(kind, frozenset()),
        )
    if artifact.kind != "pipeline":
        return [("$", whole)]
    variables = properties.get("variables")
    whole = Scope(
        "pipeline",
        parameters=whole.parameters,
        variables=variables if isinstance(variables, Mapping) else {},
        activities=frozenset(str(a.get("name")) for _, a in all_activities(artifact)),
    )
    found: list[tuple[str, Scope]] = []

    def visit(activities: Any, path: str, outer: frozenset[str], in_foreach: bool) -> None:
        siblings = {a["name"]: a for a in (activities if isinstance(activities, list) else []) if _named(a)}
        for index, activity in enumerate(activities if isinstance(activities, list) else []):
            if not _named(activity):
                continue
            where = f"{path}[{index}]"
            kind = str(activity.get("type"))
            visible = outer | _upstream(activity["name"], siblings)
            own = visible
            if kind == "Until":
                # Until evaluates its expression after each pass of its activities, whose results it reads.
                inner = (activity.get("typeProperties") or {}).get("activities")
                own = visible | {str(a.get("name")) for _, a in _all_activities(inner, where)}
            # An activity of no known type has no known properties: item() inside it is not judged.
            looped = in_foreach or kind not in _KNOWN_ACTIVITIES
            found.append((f"{where}.", replace(whole, caller=activity["name"], visible=own, in_foreach=looped)))
            type_properties = activity.get("typeProperties") or {}
            for key in CONTAINER_ACTIVITIES.get(kind, ()):
                visit(
                    type_properties.get(key), f"{where}.typeProperties.{key}", visible, in_foreach or kind == "ForEach"
                )
            if kind == "Switch":
                for case_index, case in enumerate(type_properties.get("cases") or []):
                    if isinstance(case, Mapping):
                        visit(
                            case.get("activities"),
                            f"{where}.typeProperties.cases[{case_index}].activities",
                            visible,
                            in_foreach,
                        )

    visit(properties.get("activities"), "$.properties.activities", frozenset(), False)
    found.sort(key=lambda entry: -len(entry[0]))
    return [*found, ("$", whole)]


_ASSIGNMENT = re.compile(r"^\s*(?:val\s+|var\s+)?([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=)", re.MULTILINE)


def notebook_parameters(notebook: Artifact) -> frozenset[str] | None:
    """The names a notebook's parameters cell assigns; None when it has no such cell."""
    for cell in notebook.properties.get("cells") or []:
        if not isinstance(cell, Mapping) or "parameters" not in ((cell.get("metadata") or {}).get("tags") or []):
            continue
        source = cell.get("source")
        text = "".join(source) if isinstance(source, list) else str(source or "")
        try:
            tree = ast.parse(text)
        except SyntaxError:
            # Not Python (a Scala cell): its assignments, line by line.
            return frozenset(_ASSIGNMENT.findall(text))
        names = set()
        for statement in tree.body:
            targets = statement.targets if isinstance(statement, ast.Assign) else []
            if isinstance(statement, ast.AnnAssign):
                targets = [statement.target]
            names |= {target.id for target in targets if isinstance(target, ast.Name)}
        return frozenset(names)
    return None


def _named(activity: Any) -> bool:
    return isinstance(activity, Mapping) and isinstance(activity.get("name"), str)


def _upstream(name: str, siblings: Mapping[str, Mapping[str, Any]]) -> frozenset[str]:
    """The activities ``name`` waits for through dependsOn, directly or not, among its siblings."""
    seen: set[str] = set()
    pending = [name]
    while pending:
        for dependency in siblings.get(pending.pop(), {}).get("dependsOn") or []:
            target = dependency.get("activity") if isinstance(dependency, Mapping) else None
            if isinstance(target, str) and target in siblings and target not in seen:
                seen.add(target)
                pending.append(target)
    seen.discard(name)
    return frozenset(seen)


def _cycle(activities: list[Mapping[str, Any]]) -> list[str]:
    graph = {a["name"]: [d["activity"] for d in a.get("dependsOn") or []] for a in activities}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt in graph and state.get(nxt) is None and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in graph:
        if state.get(node) is None and (found := visit(node)):
            return found
    return []


# Problems by what was validated (_content_key): zones that deploy the same definitions on the same
# platform, the bundled sets and the master pipeline composed from them, are validated once per process.
_VALIDATED: dict[str, tuple[DefinitionProblem, ...]] = {}
_VALIDATED_KEPT = 256


def validate(sets: Sequence[DefinitionSet], platform: Platform | None = None) -> list[DefinitionProblem]:
    """Every problem of the sets as one zone would deploy them together."""
    platform = platform or zone_platform()
    key = _content_key(sets, platform)
    if key not in _VALIDATED:
        _VALIDATED[key] = tuple(Validator(sets, platform).run())
        while len(_VALIDATED) > _VALIDATED_KEPT:
            _VALIDATED.pop(next(iter(_VALIDATED)))
    return list(_VALIDATED[key])


def _content_key(sets: Sequence[DefinitionSet], platform: Platform) -> str:
    """A digest of everything the validator reads: each set's name and target, each definition, the platform."""
    content = [
        [
            definitions.name,
            definitions.target,
            [[a.kind, a.name, a.file, a.set_name, a.properties] for a in definitions],
        ]
        for definitions in sets
    ]
    # default=repr: a definition holding something JSON cannot encode is still told apart from others.
    text = json.dumps([content, repr(platform)], sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()
