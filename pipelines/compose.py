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

from cloudscale.dataproducts.contracts import serving
from cloudscale.dataproducts.contracts.integration import CONFORMS
from cloudscale.dataproducts.contracts.model import SetContract
from cloudscale.pipelines.definitions import (
    Artifact,
    DefinitionProblem,
    DefinitionSet,
    Target,
    bundled_root,
    is_set_folder,
    load_set,
)
from cloudscale.pipelines.inline import (
    final_steps,
    inline_activities,
    inline_variables,
    product_pipeline_of,
    window_parameters,
)
from cloudscale.pipelines.platform import (
    INTEGRATION_RUNTIME,
    SERVERLESS_LINKED_SERVICE,
    SYNAPSE_ARTIFACTS_LINKED_SERVICE,
)

MASTER_SET = "master"
SERVING_SET = serving.SERVING_SET
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
    steps: list[str] = field(default_factory=list)
    """The notebook sets the master runs besides the products (conforming, links), by set name."""

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
    synapse: bool = True,
) -> ZonePipelines:
    """Load what a zone deploys and compose its master pipeline (``master_target`` None: no master).

    A selected ingestion set brings the bundled set that conforms what it lands (``crm_ingestion``:
    ``crm_conform``) where the zone has a Synapse workspace to run it; a data product brings its set.
    """
    sets, chosen, problems = _load_chosen(choices)
    companions = [CONFORMS[name] for name in chosen if name in CONFORMS] if synapse else []
    for name in [*companions, *(product_set_name(p) for p in products)]:
        folder = (product_root or bundled_root()) / name
        if name not in chosen and name not in {s.name for s in sets} and is_set_folder(folder):
            definitions, found = _load(folder, "synapse", None)
            sets.append(definitions)
            problems += found
    result = ZonePipelines(sets, chosen, problems)
    if master_target is None:
        return result
    _select_master_steps(result, products, master_target)
    if not result.orchestrated and not result.products and not result.steps:
        return result
    pipelines = _product_pipelines(sets, result.products)
    result.inlined = {product: pipeline.name for product, pipeline in pipelines.items()}
    master = master_set(
        master_target,
        [s for s in sets if s.name in result.orchestrated],
        result.products,
        master_schedule,
        pipelines,
        steps=[s for s in sets if s.name in result.steps],
        contracts={s.name: s.contract for s in sets if s.contract is not None},
        serving=synapse and SERVING_SET in chosen,
    )
    sets.append(master)
    result.choices[MASTER_SET] = SetChoice(MASTER_SET, Path(), "orchestration", master_target, master_schedule)
    return result


def _load_chosen(
    choices: Sequence[SetChoice],
) -> tuple[list[DefinitionSet], dict[str, SetChoice], list[DefinitionProblem]]:
    """The sets the zone selects, by name, with what is wrong in their folders."""
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
    return sets, chosen, problems


def _select_master_steps(result: ZonePipelines, products: Sequence[str], master_target: Target) -> None:
    """What the master runs: the selected pipelines of its service, the products with a notebook, and the
    notebook steps (conforming, links) that have a contract to order them by."""
    sets, chosen = result.sets, result.choices
    notebooks = {name for s in sets if s.target == "synapse" for name in s.of_kind("notebook")}
    result.products = [product for product in products if notebook_of(product) in notebooks]
    orchestrated = [
        s
        for s in sets
        if s.target == master_target and s.name in chosen and not s.of_kind("trigger") and s.of_kind("pipeline")
    ]
    result.orchestrated = [s.name for s in orchestrated]
    product_sets = {product_set_name(p) for p in result.products}
    result.steps = [
        s.name
        for s in sets
        if s.target == "synapse"
        and s.name not in product_sets
        and s.contract is not None
        and f"nb_{s.name}" in s.of_kind("notebook")
        and not s.of_kind("trigger")
    ]


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


class _Writers:
    """Which master step writes each table, from the sets' contracts: a step waits for the writers of
    what it reads, so each product runs as soon as its own inputs are conformed."""

    def __init__(self, contracts: Mapping[str, SetContract]) -> None:
        self.contracts = contracts
        self.by_table: dict[str, list[str]] = {}

    def add(self, set_name: str, finals: Sequence[str]) -> None:
        contract = self.contracts.get(set_name)
        for table in contract.writes if contract else ():
            self.by_table.setdefault(table.id, []).extend(finals)

    def before(self, set_name: str, fallback: Sequence[str]) -> list[str]:
        """The steps a set's first steps wait for; without a contract, every ingestion step."""
        contract = self.contracts.get(set_name)
        if contract is None:
            return list(fallback)
        found: list[str] = []
        for read in contract.reads:
            for step in self.by_table.get(read.table, []):
                if step not in found:
                    found.append(step)
        return found


def master_set(
    target: Target,
    ingestion: Sequence[DefinitionSet],
    products: Sequence[str],
    schedule: Schedule | None,
    product_pipelines: Mapping[str, Artifact] | None = None,
    *,
    steps: Sequence[DefinitionSet] = (),
    contracts: Mapping[str, SetContract] | None = None,
    serving: bool = False,
) -> DefinitionSet:
    """The zone's master pipeline: ingestion, then each notebook step (conforming, links, products) once
    the steps writing what it reads succeeded, then the serving views of each product that published."""
    master = DefinitionSet(MASTER_SET, target)
    inlined = product_pipelines or {}
    writers = _Writers(contracts or {})
    activities, ingested = _ingestion_activities(ingestion, writers)
    for definitions in _in_contract_order(steps, contracts or {}):
        step = f"Run {definitions.name}"
        activities += _notebook_activities(
            target, step, f"nb_{definitions.name}", writers.before(definitions.name, ingested)
        )
        writers.add(definitions.name, [step])
    built, variables, finals = _product_activities(target, products, inlined, writers, ingested)
    activities += built
    if serving and products:
        activities += serving_activities(products, finals, contracts or {})
    pipeline_properties = {
        "description": "Runs the zone's ingestion, conforming, data products and serving views, for one window.",
        "activities": activities,
        "parameters": {name: {"type": "String"} for name in WINDOW_PARAMETERS},
        **({"variables": variables} if variables else {}),
        "concurrency": 1,
        "annotations": ["cloudscale", "orchestration"],
        "folder": {"name": "orchestration"},
    }
    path = f"{MASTER_SET}/pipeline/{MASTER_PIPELINE}.json"
    master.add(Artifact("pipeline", MASTER_PIPELINE, pipeline_properties, path, MASTER_SET))
    if target == "dataFactory" and (products or steps):
        master.add(_synapse_artifacts_linked_service())
    if serving and products:
        master.add(_serverless_linked_service())
    if schedule is not None:
        master.add(_master_trigger(schedule))
    return master


def _product_activities(
    target: Target,
    products: Sequence[str],
    inlined: Mapping[str, Artifact],
    writers: _Writers,
    ingested: Sequence[str],
) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, list[str]]]:
    """Each product's steps (its notebook, or its own pipeline inlined), after the writers of what it reads;
    with the inlined pipelines' variables and each product's final steps."""
    activities: list[dict[str, Any]] = []
    variables: dict[str, Any] = {}
    finals: dict[str, list[str]] = {}
    for product in products:
        after = writers.before(product_set_name(product), ingested)
        if product in inlined:
            added = inline_activities(target, product, inlined[product], after)
            variables.update(inline_variables(product, inlined[product]))
            finals[product] = final_steps(added)
        else:
            added = _notebook_activities(target, f"Build {product}", notebook_of(product), after)
            finals[product] = [f"Build {product}"]
        activities += added
        writers.add(product_set_name(product), finals[product])
    return activities, variables, finals


def _in_contract_order(steps: Sequence[DefinitionSet], contracts: Mapping[str, SetContract]) -> list[DefinitionSet]:
    """Notebook steps ordered so that a step comes after the steps writing what it reads."""
    written = {t.id: s.name for s in steps if s.contract for t in s.contract.writes}
    ordered: list[DefinitionSet] = []
    seen: set[str] = set()
    by_name = {s.name: s for s in steps}

    def visit(definitions: DefinitionSet, trail: tuple[str, ...]) -> None:
        if definitions.name in seen or definitions.name in trail:
            return
        contract = contracts.get(definitions.name)
        for read in contract.reads if contract else ():
            writer = written.get(read.table)
            if writer and writer != definitions.name:
                visit(by_name[writer], (*trail, definitions.name))
        seen.add(definitions.name)
        ordered.append(definitions)

    for definitions in steps:
        visit(definitions, ())
    return ordered


def _ingestion_activities(
    ingestion: Sequence[DefinitionSet], writers: _Writers
) -> tuple[list[dict[str, Any]], list[str]]:
    """Each set's entry pipelines with the window, and their failure paths; also the steps' names."""
    activities: list[dict[str, Any]] = []
    ingested: list[str] = []
    for definitions in ingestion:
        steps = []
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
            steps.append(step)
        ingested += steps
        writers.add(definitions.name, steps)
    return activities, ingested


def _notebook_activities(target: Target, step: str, notebook: str, after: Sequence[str]) -> list[dict[str, Any]]:
    """One notebook run for the window once ``after`` succeeded, and its failure path."""
    activity: dict[str, Any] = {
        "name": step,
        "type": "SynapseNotebook",
        "dependsOn": [{"activity": name, "dependencyConditions": ["Succeeded"]} for name in after],
        "policy": PRODUCT_POLICY,
        "userProperties": [],
        "typeProperties": {
            "notebook": {"referenceName": notebook, "type": "NotebookReference"},
            "parameters": window_parameters(),
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
    what = f"data product {step.removeprefix('Build ')}" if step.startswith("Build ") else step.removeprefix("Run ")
    code = "DATA_PRODUCT_FAILED" if step.startswith("Build ") else "STEP_FAILED"
    return [activity, _fail(step, f"{what} failed", code)]


def serving_activities(
    products: Sequence[str], finals: Mapping[str, Sequence[str]], contracts: Mapping[str, SetContract]
) -> list[dict[str, Any]]:
    """The serving database, then each product's views once that product published.

    The views are recreated with every window, after the product wrote its tables: a serverless view
    over a Delta folder needs the folder's log to exist when it is created.
    """
    database = "Prepare serving database"
    source = "Prepare serving data source"
    activities = [
        _script(database, [serving.tsql_database()], "master", []),
        _fail(database, "could not create the serving database", "SERVING_FAILED"),
        _script(source, [serving.tsql_data_source()], serving.DATABASE, [database]),
        _fail(source, "could not create the serving data source", "SERVING_FAILED"),
    ]
    for product in products:
        reads = contracts.get(SERVING_SET) or serving.SERVING
        statements = serving.tsql_product(serving.views([product], contracts, reads))
        if not statements:
            continue
        step = f"Serve {product}"
        activities.append(_script(step, statements, serving.DATABASE, [source, *finals.get(product, [])]))
        activities.append(_fail(step, f"views of {product} failed", "SERVING_FAILED"))
    return activities


def _script(step: str, statements: Sequence[str], database: str, after: Sequence[str]) -> dict[str, Any]:
    return {
        "name": step,
        "type": "Script",
        "dependsOn": [{"activity": name, "dependencyConditions": ["Succeeded"]} for name in after],
        "policy": {
            "timeout": "0.00:10:00",
            "retry": 2,
            "retryIntervalInSeconds": 60,
            "secureOutput": False,
            "secureInput": False,
        },
        "userProperties": [],
        "linkedServiceName": {
            "referenceName": SERVERLESS_LINKED_SERVICE,
            "type": "LinkedServiceReference",
            "parameters": {"database": database},
        },
        "typeProperties": {
            "scripts": [{"type": "NonQuery", "text": text} for text in statements],
            "scriptBlockExecutionTimeout": "00:10:00",
        },
    }


def _serverless_linked_service() -> Artifact:
    return Artifact(
        "linkedService",
        SERVERLESS_LINKED_SERVICE,
        {
            "description": "The workspace's serverless SQL endpoint, where the serving views live; signed in as the"
            " service's managed identity",
            "annotations": ["cloudscale"],
            "type": "AzureSqlDW",
            "parameters": {"database": {"type": "String", "defaultValue": serving.DATABASE}},
            "typeProperties": {
                "connectionString": "Integrated Security=False;Encrypt=True;Connection Timeout=30;"
                "Data Source={{ synapse.serverless }};Initial Catalog=@{linkedService().database}"
            },
            "connectVia": {"referenceName": INTEGRATION_RUNTIME, "type": "IntegrationRuntimeReference"},
        },
        f"{MASTER_SET}/linkedService/{SERVERLESS_LINKED_SERVICE}.json",
        MASTER_SET,
    )


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
        "name": f"Fail {step[:1].lower()}{step[1:]}",
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
