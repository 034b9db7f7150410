"""A zone's pipelines: the selected bundled sets, its data products' sets, users' folders, and the
master pipeline composed from them.

The master pipeline runs every orchestrated ingestion set (each set's entry pipelines, with the
ingestion window), then one ``SynapseNotebook`` activity per data product of the zone that has a
notebook ``nb_<product_with_underscores>``, each with retries, a timeout and a ``Fail`` activity on
its failure path. A product whose set also ships ``pl_<product_with_underscores>`` (Customer 360:
features, Azure ML training, scoring) runs that pipeline's activities instead, inlined into the master
(``cloudscale.pipelines.inline`` says why a call would not work from a factory). Its tumbling-window
trigger hands the window to every step, so no definition holds
a date. In a factory, notebooks run through an ``AzureSynapseArtifacts`` linked service to the
zone's workspace; in a workspace, natively.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cloudscale.pipelines.definitions import (
    Artifact,
    DefinitionProblem,
    DefinitionSet,
    Target,
    bundled_root,
    is_set_folder,
    load_set,
)
from cloudscale.pipelines.inline import inline_activities, inline_variables, product_pipeline_of
from cloudscale.pipelines.platform import SYNAPSE_ARTIFACTS_LINKED_SERVICE

MASTER_SET = "master"
MASTER_PIPELINE = "pl_master"
MASTER_TRIGGER = "tr_master"
WINDOW_PARAMETERS = ("windowStart", "windowEnd")
# Tumbling windows only count in minutes, hours and months (Data Factory "Create a tumbling window
# trigger": frequency Minute, Hour or Month), so days and weeks become hours.
_HOURS_PER = {"Day": 24, "Week": 168}
INGESTION_POLICY = {"secureInput": False}
PRODUCT_POLICY = {
    "timeout": "0.04:00:00",
    "retry": 1,
    "retryIntervalInSeconds": 600,
    "secureOutput": False,
    "secureInput": False,
}


@dataclass(frozen=True)
class Schedule:
    frequency: str
    interval: int
    start_time: str
    time_zone: str = "UTC"

    def values(self) -> dict[str, Any]:
        return {
            "schedule.frequency": self.frequency,
            "schedule.interval": self.interval,
            "schedule.startTime": self.start_time,
            "schedule.timeZone": self.time_zone,
        }

    def tumbling(self) -> tuple[str, int]:
        if self.frequency in _HOURS_PER:
            return "Hour", self.interval * _HOURS_PER[self.frequency]
        return self.frequency, self.interval


@dataclass(frozen=True)
class SetChoice:
    """One set a zone deploys: a bundled scenario by name, or a user's folder."""

    name: str
    folder: Path
    key: str
    """The config key that chose it, for problems (e.g. ``landingZones[0].pipelines[1]``)."""
    target: Target | None = None
    schedule: Schedule | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    """Values of ``{{ settings.<key> }}``: text, or what a bundled set's settings make of it (a list)."""

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = dict(self.schedule.values()) if self.schedule else {}
        values.update({f"settings.{key}": value for key, value in self.settings.items()})
        return values


@dataclass
class ZonePipelines:
    sets: list[DefinitionSet]
    choices: dict[str, SetChoice]
    """By set name; the master set has a choice too (its schedule)."""
    problems: list[DefinitionProblem]
    orchestrated: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    inlined: dict[str, str] = field(default_factory=dict)
    """Product -> the product pipeline the master runs inline (instead of the product's one notebook)."""

    def values_for(self, set_name: str) -> dict[str, Any]:
        choice = self.choices.get(set_name)
        return choice.values() if choice else {}


def product_set_name(product: str) -> str:
    return product.replace("-", "_")


def notebook_of(product: str) -> str:
    return f"nb_{product_set_name(product)}"


def bundled_choice(name: str, key: str, **kwargs: Any) -> SetChoice:
    return SetChoice(name=name, folder=bundled_root() / name, key=key, **kwargs)


def entry_pipelines(definitions: DefinitionSet) -> list[Artifact]:
    """The set's pipelines that no other pipeline of the set runs."""
    pipelines = definitions.of_kind("pipeline")
    called = {
        str((activity.get("typeProperties") or {}).get("pipeline", {}).get("referenceName"))
        for pipeline in pipelines.values()
        for activity in pipeline.properties.get("activities") or []
        if activity.get("type") == "ExecutePipeline"
    }
    return [pipeline for name, pipeline in sorted(pipelines.items()) if name not in called]


def compose_zone(
    choices: Sequence[SetChoice],
    *,
    products: Sequence[str],
    master_target: Target | None,
    master_schedule: Schedule | None,
    product_root: Path | None = None,
) -> ZonePipelines:
    """Load what a zone deploys and compose its master pipeline (``master_target`` None: no master)."""
    sets: list[DefinitionSet] = []
    problems: list[DefinitionProblem] = []
    chosen: dict[str, SetChoice] = {}
    for choice in choices:
        if not is_set_folder(choice.folder):
            problems.append(DefinitionProblem(str(choice.folder), "$", f"{choice.key}: not a definition folder"))
            continue
        definitions, found = _load(choice.folder, choice.target, choice.name)
        sets.append(definitions)
        problems += found
        chosen[definitions.name] = choice
    root = product_root or bundled_root()
    for product in products:
        folder = root / product_set_name(product)
        if product_set_name(product) not in chosen and is_set_folder(folder):
            definitions, found = _load(folder, "synapse", None)
            sets.append(definitions)
            problems += found
    result = ZonePipelines(sets, chosen, problems)
    if master_target is None:
        return result
    notebooks = {name for s in sets if s.target == "synapse" for name in s.of_kind("notebook")}
    result.products = [product for product in products if notebook_of(product) in notebooks]
    orchestrated = [
        s
        for s in sets
        if s.target == master_target and s.name in chosen and not s.of_kind("trigger") and s.of_kind("pipeline")
    ]
    result.orchestrated = [s.name for s in orchestrated]
    if not result.orchestrated and not result.products:
        return result
    pipelines = _product_pipelines(sets, result.products)
    result.inlined = {product: pipeline.name for product, pipeline in pipelines.items()}
    master = master_set(master_target, orchestrated, result.products, master_schedule, pipelines)
    sets.append(master)
    result.choices[MASTER_SET] = SetChoice(MASTER_SET, Path(), "orchestration", master_target, master_schedule)
    return result


def _load(folder: Path, target: Target | None, name: str | None) -> tuple[DefinitionSet, list[DefinitionProblem]]:
    """A set's definitions; a bundled set is read once per process and shared by every zone that selects it.

    Bundled sets are package data, fixed for the life of the process; a user's folder is read each time.
    Composed sets are read-only: the master pipeline inlines copies, placeholders resolve into copies.
    """
    if folder.parent == bundled_root():
        definitions, problems = _load_bundled(folder, target, name)
        return definitions, list(problems)
    return load_set(folder, target=target, name=name)


@functools.cache
def _load_bundled(
    folder: Path, target: Target | None, name: str | None
) -> tuple[DefinitionSet, tuple[DefinitionProblem, ...]]:
    definitions, problems = load_set(folder, target=target, name=name)
    return definitions, tuple(problems)


def _product_pipelines(sets: Sequence[DefinitionSet], products: Sequence[str]) -> dict[str, Artifact]:
    """Each product's own pipeline ``pl_<product>``, where its Synapse set ships one."""
    found: dict[str, Artifact] = {}
    for product in products:
        name = product_pipeline_of(product_set_name(product))
        for definitions in sets:
            if definitions.target == "synapse" and name in definitions.of_kind("pipeline"):
                found[product] = definitions.of_kind("pipeline")[name]
    return found


def master_set(
    target: Target,
    ingestion: Sequence[DefinitionSet],
    products: Sequence[str],
    schedule: Schedule | None,
    product_pipelines: Mapping[str, Artifact] | None = None,
) -> DefinitionSet:
    master = DefinitionSet(MASTER_SET, target)
    inlined = product_pipelines or {}
    activities, ingested = _ingestion_activities(ingestion)
    variables: dict[str, Any] = {}
    for product in products:
        if product in inlined:
            activities += inline_activities(target, product, inlined[product], ingested)
            variables.update(inline_variables(product, inlined[product]))
        else:
            activities += _product_activities(target, [product], ingested)
    pipeline_properties = {
        "description": "Runs the zone's ingestion, then its data products, for one window.",
        "activities": activities,
        "parameters": {name: {"type": "String"} for name in WINDOW_PARAMETERS},
        **({"variables": variables} if variables else {}),
        "concurrency": 1,
        "annotations": ["cloudscale", "orchestration"],
        "folder": {"name": "orchestration"},
    }
    master.add(
        Artifact(
            "pipeline",
            MASTER_PIPELINE,
            pipeline_properties,
            f"{MASTER_SET}/pipeline/{MASTER_PIPELINE}.json",
            MASTER_SET,
        )
    )
    if target == "dataFactory" and products:
        master.add(_synapse_artifacts_linked_service())
    if schedule is not None:
        master.add(_master_trigger(schedule))
    return master


def _ingestion_activities(ingestion: Sequence[DefinitionSet]) -> tuple[list[dict[str, Any]], list[str]]:
    """Each set's entry pipelines with the window, and their failure paths; also the steps' names."""
    activities: list[dict[str, Any]] = []
    ingested: list[str] = []
    for definitions in ingestion:
        for pipeline in entry_pipelines(definitions):
            declared = pipeline.properties.get("parameters") or {}
            step = f"Ingest {pipeline.name}"
            activities.append(
                {
                    "name": step,
                    "type": "ExecutePipeline",
                    "dependsOn": [],
                    "policy": INGESTION_POLICY,
                    "userProperties": [],
                    "typeProperties": {
                        "pipeline": {"referenceName": pipeline.name, "type": "PipelineReference"},
                        "waitOnCompletion": True,
                        "parameters": {
                            name: {"value": f"@pipeline().parameters.{name}", "type": "Expression"}
                            for name in WINDOW_PARAMETERS
                            if name in declared
                        },
                    },
                }
            )
            activities.append(_fail(step, f"{definitions.name} ingestion failed", "INGESTION_FAILED"))
            ingested.append(step)
    return activities, ingested


def _product_activities(target: Target, products: Sequence[str], ingested: Sequence[str]) -> list[dict[str, Any]]:
    """One notebook run per data product once every ingestion step succeeded, and its failure path."""
    activities: list[dict[str, Any]] = []
    for product in products:
        step = f"Build {product}"
        activity: dict[str, Any] = {
            "name": step,
            "type": "SynapseNotebook",
            "dependsOn": [{"activity": name, "dependencyConditions": ["Succeeded"]} for name in ingested],
            "policy": PRODUCT_POLICY,
            "userProperties": [],
            "typeProperties": {
                "notebook": {"referenceName": notebook_of(product), "type": "NotebookReference"},
                "parameters": {
                    "window_end": {
                        "value": {"value": "@pipeline().parameters.windowEnd", "type": "Expression"},
                        "type": "string",
                    }
                },
                "sparkPool": {"referenceName": "{{ synapse.sparkPool }}", "type": "BigDataPoolReference"},
            },
        }
        if target == "dataFactory":
            activity["linkedServiceName"] = {
                "referenceName": SYNAPSE_ARTIFACTS_LINKED_SERVICE,
                "type": "LinkedServiceReference",
            }
        else:
            # Only a Synapse pipeline can keep a snapshot of the notebook's output; the Data Factory
            # SynapseNotebook activity has no such property (azure-native datafactory.SynapseNotebookActivity).
            activity["typeProperties"]["snapshot"] = True
        activities.append(activity)
        activities.append(_fail(step, f"data product {product} failed", "DATA_PRODUCT_FAILED"))
    return activities


def _synapse_artifacts_linked_service() -> Artifact:
    return Artifact(
        "linkedService",
        SYNAPSE_ARTIFACTS_LINKED_SERVICE,
        {
            "description": "The zone's Synapse workspace, where the data product notebooks run",
            "annotations": ["cloudscale"],
            "type": "AzureSynapseArtifacts",
            "typeProperties": {
                "endpoint": "https://{{ synapse.workspace }}.dev.azuresynapse.net",
                "authentication": "MSI",
                "workspaceResourceId": "{{ synapse.workspaceId }}",
            },
        },
        f"{MASTER_SET}/linkedService/{SYNAPSE_ARTIFACTS_LINKED_SERVICE}.json",
        MASTER_SET,
    )


def _master_trigger(schedule: Schedule) -> Artifact:
    frequency, interval = schedule.tumbling()
    return Artifact(
        "trigger",
        MASTER_TRIGGER,
        {
            "description": "One run of the master pipeline per window; the window is its only date input.",
            "annotations": ["cloudscale"],
            "type": "TumblingWindowTrigger",
            "pipeline": {
                "pipelineReference": {"referenceName": MASTER_PIPELINE, "type": "PipelineReference"},
                "parameters": {
                    "windowStart": "@trigger().outputs.windowStartTime",
                    "windowEnd": "@trigger().outputs.windowEndTime",
                },
            },
            "typeProperties": {
                "frequency": frequency,
                "interval": interval,
                "startTime": schedule.start_time,
                "delay": "00:00:00",
                "maxConcurrency": 1,
                "retryPolicy": {"count": 2, "intervalInSeconds": 900},
                "dependsOn": [],
            },
        },
        f"{MASTER_SET}/trigger/{MASTER_TRIGGER}.json",
        MASTER_SET,
    )


def _fail(step: str, what: str, code: str) -> dict[str, Any]:
    return {
        "name": f"Fail {step.split(' ', 1)[1]}",
        "type": "Fail",
        "dependsOn": [{"activity": step, "dependencyConditions": ["Failed"]}],
        "userProperties": [],
        "typeProperties": {
            "message": {
                "value": f"@concat('{what} for the window ', pipeline().parameters.windowStart, ' to ', "
                "pipeline().parameters.windowEnd)",
                "type": "Expression",
            },
            "errorCode": code,
        },
    }
