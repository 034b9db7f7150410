"""Which lake containers each service identity reads or writes, derived from the definitions.

The zone grants exactly this, container by container, so a pipeline never gets a role it does not
use. A Copy activity's input datasets are read and its outputs written by the identity of the
service that runs the pipeline; a Synapse notebook always runs as the workspace's identity, and the
lake URLs it is handed (``abfss://<container>@{{ lake.<key>.account }}.dfs.core.windows.net/...``)
are read, or written when the parameter's name starts with ``output``, ``target`` or ``sink``.
What a set's code touches that no definition shows (the lake paths a notebook builds itself) is
declared in the set's ``access.json``, and granted to the set's service identity. A notebook that
names a lake container literally which neither declares is a problem: its grant would be missing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cloudscale.components.data_factory import lake_linked_service_name
from cloudscale.pipelines.definitions import Artifact, DefinitionProblem, DefinitionSet, Target
from cloudscale.pipelines.platform import LAKE_KEYS
from cloudscale.pipelines.validate import all_activities

_LAKE_URL = re.compile(r"abfss://([a-z0-9][a-z0-9-]{1,61}[a-z0-9])@\{\{\s*lake\.([a-z]+)\.account\s*\}\}")
_LAKE_ENDPOINT = re.compile(r"^\{\{\s*lake\.([a-z]+)\.dfs\s*\}\}/?$")
_PLATFORM_LAKES = {lake_linked_service_name(key): key for key in (*LAKE_KEYS, "external")}
_WRITE_PARAMETER = re.compile(r"^(output|target|sink)", re.IGNORECASE)
READ_ACTIVITIES = frozenset({"Lookup", "GetMetadata", "Validation"})


@dataclass(frozen=True, order=True)
class LakeAccess:
    identity: Target
    lake: str
    container: str
    write: bool
    origin: str = field(default="", compare=False)
    """Where a declared grant comes from (``<set>/access.json: $.reads[0]``); empty when derived."""


def _lake_of_linked_service(name: str, linked_services: Mapping[str, Artifact]) -> str | None:
    if name in _PLATFORM_LAKES:
        return _PLATFORM_LAKES[name]
    found = linked_services.get(name)
    if found is None or found.type != "AzureBlobFS":
        return None
    match = _LAKE_ENDPOINT.match(str((found.properties.get("typeProperties") or {}).get("url", "")))
    return match[1] if match else None


def lake_access(sets: Sequence[DefinitionSet]) -> tuple[set[LakeAccess], list[DefinitionProblem]]:
    """The minimal grants: a write on a container makes a read of it redundant."""
    found: set[LakeAccess] = set()
    problems: list[DefinitionProblem] = []
    by_target: dict[Target, dict[str, dict[str, Artifact]]] = {}
    for definitions in sets:
        for artifact in definitions:
            by_target.setdefault(definitions.target, {}).setdefault(artifact.kind, {})[artifact.name] = artifact
    for definitions in sets:
        scope = by_target[definitions.target]
        for pipeline in definitions.of_kind("pipeline").values():
            for path, activity in all_activities(pipeline):
                found |= _activity_access(definitions.target, scope, pipeline, path, activity, problems)
        found |= {
            LakeAccess(definitions.target, d.lake, d.container, d.write, f"{d.file}: {d.path}")
            for d in definitions.declared_access
        }
    covered = {(a.identity, a.lake, a.container) for a in found}
    for definitions in sets:
        for notebook in definitions.of_kind("notebook").values():
            for lake, container in sorted(_literal_lake_paths(notebook)):
                if ("synapse", lake, container) not in covered:
                    problems.append(
                        DefinitionProblem(
                            notebook.file,
                            "$.properties.cells",
                            f"uses container {container!r} of the {lake} lake, which neither {definitions.name}/"
                            "access.json nor a pipeline declares; add it to reads or writes there",
                        )
                    )
    writes = {(a.identity, a.lake, a.container) for a in found if a.write}
    return {a for a in found if a.write or (a.identity, a.lake, a.container) not in writes}, problems


def _activity_access(
    target: Target,
    scope: Mapping[str, Mapping[str, Artifact]],
    pipeline: Artifact,
    path: str,
    activity: Mapping[str, Any],
    problems: list[DefinitionProblem],
) -> set[LakeAccess]:
    kind = activity.get("type")
    type_properties = activity.get("typeProperties") or {}
    used: list[tuple[str, Any, bool]] = []
    if kind == "Copy":
        used += [(f"{path}.inputs[{i}]", ref, False) for i, ref in enumerate(activity.get("inputs") or [])]
        used += [(f"{path}.outputs[{i}]", ref, True) for i, ref in enumerate(activity.get("outputs") or [])]
    elif kind in READ_ACTIVITIES or kind == "Delete":
        used.append((f"{path}.typeProperties.dataset", type_properties.get("dataset"), kind == "Delete"))
    access: set[LakeAccess] = set()
    for where, reference, write in used:
        name = reference.get("referenceName") if isinstance(reference, Mapping) else None
        dataset = scope.get("dataset", {}).get(str(name))
        if dataset is None:
            continue
        linked = (dataset.properties.get("linkedServiceName") or {}).get("referenceName", "")
        lake = _lake_of_linked_service(str(linked), scope.get("linkedService", {}))
        if lake is None:
            continue
        location = (dataset.properties.get("typeProperties") or {}).get("location") or {}
        # ADLS locations name a fileSystem, blob locations (the flat external lake) a container.
        field = "fileSystem" if "fileSystem" in location else "container"
        container = location.get(field)
        if not isinstance(container, str) or "@" in container or "{{" in container:
            problems.append(
                DefinitionProblem(
                    dataset.file,
                    f"$.properties.typeProperties.location.{field}",
                    f"name the container literally (used by {pipeline.name} at {where}): "
                    "access is granted per container",
                )
            )
            continue
        access.add(LakeAccess(target, lake, container, write))
    if kind == "SynapseNotebook":
        for parameter, spec in (type_properties.get("parameters") or {}).items():
            value = spec.get("value") if isinstance(spec, Mapping) else spec
            for match in _LAKE_URL.finditer(str(value)):
                access.add(LakeAccess("synapse", match[2], match[1], bool(_WRITE_PARAMETER.match(parameter))))
    return access


def _literal_lake_paths(notebook: Artifact) -> set[tuple[str, str]]:
    text = json.dumps(notebook.properties.get("cells") or [])
    return {(match[2], match[1]) for match in _LAKE_URL.finditer(text)}


# A Web activity that PUTs or GETs an Azure ML job of the zone's workspace (Azure ML REST "Jobs").
_ML_JOB_URL = re.compile(r"/providers/Microsoft\.MachineLearningServices/workspaces/\{\{\s*ml\.workspace\s*\}\}/jobs/")
_ML_CODE_ID = re.compile(r"/codes/([A-Za-z0-9_.-]+)/versions/([A-Za-z0-9_.-]+)")


@dataclass(frozen=True)
class MachineLearningJobs:
    """What the definitions ask of the zone's Azure ML workspace."""

    submitters: frozenset[Target]
    """The service identities whose pipelines submit or follow jobs."""
    code: frozenset[tuple[str, str]]
    """The code assets (name, version) the submitted jobs run."""


def machine_learning_jobs(sets: Sequence[DefinitionSet]) -> MachineLearningJobs:
    submitters: set[Target] = set()
    code: set[tuple[str, str]] = set()
    for definitions in sets:
        for pipeline in definitions.of_kind("pipeline").values():
            for _path, activity in all_activities(pipeline):
                type_properties = activity.get("typeProperties") or {}
                if activity.get("type") != "WebActivity" or not _ML_JOB_URL.search(
                    json.dumps(type_properties.get("url"))
                ):
                    continue
                submitters.add(definitions.target)
                code |= set(_ML_CODE_ID.findall(json.dumps(type_properties.get("body"))))
    return MachineLearningJobs(frozenset(submitters), frozenset(code))
