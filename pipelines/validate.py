"""Offline validation of definition sets: everything the service would reject, and run paths.

Each problem names the file and the JSON path to change. Validation runs on the sets a zone deploys
together, so references resolve across sets of the same target (a user's pipeline may use a bundled
dataset) and, for notebooks, from a factory into the zone's Synapse workspace.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cloudscale.components.data_factory import type_property_collisions
from cloudscale.pipelines import run_paths
from cloudscale.pipelines.definitions import TARGETS, Artifact, DefinitionProblem, DefinitionSet, Target
from cloudscale.pipelines.linked_services import runtime_problems, sign_in_problems
from cloudscale.pipelines.placeholders import is_known_key, keys_in_texts
from cloudscale.pipelines.platform import (
    CONTAINER_ACTIVITIES,
    RECURRENCE_FREQUENCIES,
    SYNAPSE_SPARK_ACTIVITIES,
    TRIGGER_OUTPUTS,
    TRIGGER_TYPES,
    TUMBLING_FREQUENCIES,
    Platform,
    activity_types,
    zone_platform,
)

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_PIPELINE_PARAMETER = re.compile(rf"pipeline\(\)\s*\.\s*parameters\s*(?:\.\s*({_IDENT})|\[\s*'([^']+)'\s*\])")
_DATASET_PARAMETER = re.compile(rf"dataset\(\)\s*\.\s*({_IDENT})")
_LINKED_SERVICE_PARAMETER = re.compile(rf"linkedService\(\)\s*\.\s*({_IDENT})")
_TRIGGER_PROPERTY = re.compile(r"trigger\(\)\s*\.\s*([A-Za-z_][A-Za-z0-9_.]*)")
_VARIABLE = re.compile(r"variables\(\s*'([^']+)'\s*\)")
_ACTIVITY = re.compile(r"activity\(\s*'([^']+)'\s*\)")
# The service's parameter types, compared without case (Studio writes dataset ones in lower case).
PARAMETER_TYPES = frozenset({"array", "bool", "float", "int", "object", "securestring", "string"})
_FUNCTION = re.compile(r"\b(pipeline|dataset|linkedService|trigger)\(\)")


def _expressions(artifact: Artifact) -> Iterator[tuple[str, str]]:
    """(JSON path, text) of every string of the definition the service evaluates as an expression."""
    for where, text in artifact.texts:
        if (text.startswith("@") and not text.startswith("@@")) or "@{" in text:
            yield where, text


_CLOSERS = {"(": ")", "[": "]"}


def expression_syntax_problem(text: str) -> str | None:
    """What keeps an expression from parsing: an unclosed bracket or string, or ``@{`` without ``}``.

    The service parses expressions only when an activity runs (learn.microsoft.com/azure/data-factory/
    control-flow-expression-language-functions: a value starting with ``@`` is an expression, ``@{...}``
    interpolates one into text, ``'...'`` is a string with ``''`` for a quote), so a broken one deploys
    and fails the run.
    """
    if text.startswith("@") and not text.startswith(("@@", "@{")):
        return _scan(text, 1, interpolation=False)[1]
    start = text.find("@{")
    while start != -1:
        if start > 0 and text[start - 1] == "@":
            start = text.find("@{", start + 2)
            continue
        end, problem = _scan(text, start + 2, interpolation=True)
        if problem is not None:
            return problem
        start = text.find("@{", end + 1)
    return None


def _scan(text: str, index: int, *, interpolation: bool) -> tuple[int, str | None]:
    """Scan one expression from ``index``; (index of the closing ``}``, or the end; the problem, if any)."""
    open_brackets: list[str] = []
    quoted = False
    while index < len(text):
        char = text[index]
        if char == "'":
            if quoted and text[index + 1 : index + 2] == "'":
                index += 1  # '' is a quote inside a string
            else:
                quoted = not quoted
        elif not quoted:
            if char in _CLOSERS:
                open_brackets.append(char)
            elif char in (")", "]"):
                if not open_brackets or _CLOSERS[open_brackets.pop()] != char:
                    return index, f"{char!r} at position {index} closes nothing"
            elif char == "}" and interpolation and not open_brackets:
                return index, None
        index += 1
    if quoted:
        return index, "a string literal is not closed (')"
    if open_brackets:
        return index, f"{open_brackets[-1]!r} is not closed ({_CLOSERS[open_brackets[-1]]!r} missing)"
    return index, "@{ is not closed with }" if interpolation else None


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
                self._expression_syntax(artifact)
                self._parameter_types(artifact)
                check = getattr(self, f"_check_{artifact.kind}", None)
                if check is not None:
                    check(artifact, scope)
        return self.problems

    # -- every artifact ----------------------------------------------------------------------------

    def _placeholders(self, artifact: Artifact) -> None:
        for path, key in keys_in_texts(artifact.texts):
            if not is_known_key(key):
                self._problem(artifact, path, f"unknown placeholder {{{{ {key} }}}}; see the README for the list")

    def _expression_syntax(self, artifact: Artifact) -> None:
        for path, text in _expressions(artifact):
            problem = expression_syntax_problem(text)
            if problem is not None:
                self._problem(artifact, path, f"expression does not parse: {problem}")

    def _forbid_functions(self, artifact: Artifact, allowed: frozenset[str]) -> None:
        for path, text in _expressions(artifact):
            for match in _FUNCTION.finditer(text):
                if match[1] not in allowed:
                    hint = {
                        "trigger": "only a trigger's pipeline parameters can read @trigger(); pass it as a parameter",
                        "dataset": "@dataset() is only defined inside a dataset",
                        "linkedService": "@linkedService() is only defined inside a linked service",
                        "pipeline": "@pipeline() is only defined inside a pipeline",
                    }[match[1]]
                    self._problem(artifact, path, f"{match[1]}() cannot be used in a {artifact.kind}: {hint}")

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
        declared = properties.get("parameters") or {}
        for path, text in _expressions(artifact):
            for match in _LINKED_SERVICE_PARAMETER.finditer(text):
                if match[1] not in declared:
                    self._problem(artifact, path, f"@linkedService().{match[1]} is not a declared parameter")
        self._forbid_functions(artifact, frozenset({"linkedService"}))

    def _check_dataset(self, artifact: Artifact, scope: _Scope) -> None:
        properties = artifact.properties
        if not properties.get("type"):
            self._problem(artifact, "$.properties.type", "required, e.g. 'Parquet' or 'AzureSqlTable'")
        self._flattenable(artifact, properties, "$.properties")
        self._reference(
            artifact, scope, "$.properties.linkedServiceName", properties.get("linkedServiceName"), "linkedService"
        )
        declared = properties.get("parameters") or {}
        for path, text in _expressions(artifact):
            for match in _DATASET_PARAMETER.finditer(text):
                if match[1] not in declared:
                    self._problem(artifact, path, f"@dataset().{match[1]} is not a declared parameter")
        self._forbid_functions(artifact, frozenset({"dataset"}))

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
        outputs = TRIGGER_OUTPUTS[kind]
        for path, text in _expressions(artifact):
            for match in _TRIGGER_PROPERTY.finditer(text):
                if match[1] not in outputs:
                    self._problem(
                        artifact,
                        path,
                        f"@trigger().{match[1]} is not defined for a {kind}; use one of {sorted(outputs)}",
                    )
        self._forbid_functions(artifact, frozenset({"trigger"}))

    def _check_pipeline(self, artifact: Artifact, scope: _Scope) -> None:
        properties = artifact.properties
        activities = properties.get("activities")
        if not isinstance(activities, list) or not activities:
            self._problem(artifact, "$.properties.activities", "a pipeline needs at least one activity")
            return
        parameters = properties.get("parameters") or {}
        variables = properties.get("variables") or {}
        names = {a.get("name") for _, a in _all_activities(activities, "$.properties.activities")}
        for path, text in _expressions(artifact):
            for match in _PIPELINE_PARAMETER.finditer(text):
                name = match[1] or match[2]
                if name not in parameters:
                    self._problem(artifact, path, f"@pipeline().parameters.{name} is not a declared parameter")
            for match in _VARIABLE.finditer(text):
                if match[1] not in variables:
                    self._problem(artifact, path, f"variable {match[1]!r} is not declared")
            for match in _ACTIVITY.finditer(text):
                if match[1] not in names:
                    self._problem(artifact, path, f"activity {match[1]!r} does not exist in this pipeline")
        self._forbid_functions(artifact, frozenset({"pipeline"}))
        self._activities(artifact, scope, activities, "$.properties.activities")

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
            self._reference(
                artifact,
                self.scopes["synapse"],
                f"{where}.typeProperties.notebook",
                type_properties.get("notebook"),
                "notebook",
            )
        for key in CONTAINER_ACTIVITIES.get(str(kind), ()):
            inner = type_properties.get(key)
            if inner is not None:
                self._activities(artifact, scope, inner, f"{where}.typeProperties.{key}")
        if kind == "Switch":
            for index, case in enumerate(type_properties.get("cases") or []):
                self._activities(
                    artifact, scope, case.get("activities") or [], f"{where}.typeProperties.cases[{index}].activities"
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
