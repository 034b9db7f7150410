"""The data flow a zone's definitions implement: source -> raw -> enriched -> curated -> serving.

Derived, like the grants, from what the definitions say: Copy activities move a source dataset into a
lake container; a Synapse notebook reads the linked services and lake URLs it is handed and writes
its output URL; a data product notebook of the master pipeline reads the integrated layers and writes
its curated container; the logical data warehouse serves the curated layer on the serverless SQL
endpoint, which Power BI reads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cloudscale.pipelines.compose import MASTER_SET
from cloudscale.pipelines.definitions import Artifact, DefinitionSet
from cloudscale.pipelines.platform import COSMOS_LINKED_SERVICE, ERP_LINKED_SERVICE
from cloudscale.pipelines.validate import all_activities

_LAKE_URL = re.compile(r"abfss://([a-z0-9-]+)@\{\{\s*lake\.([a-z]+)\.account\s*\}\}")
_WRITE_PARAMETER = re.compile(r"^(output|target|sink)", re.IGNORECASE)
_LAKE_SERVICES = {
    "ls_lake_raw": "raw",
    "ls_lake_enriched": "enriched",
    "ls_lake_workspace": "curated",
    "ls_lake_external": "external drop",
}
SERVING = "serverless SQL endpoint (Power BI)"
# Platform linked services by what they connect to, for people reading the diagram.
SOURCE_TITLES = {
    ERP_LINKED_SERVICE: "ERP database (SQL Hyperscale)",
    COSMOS_LINKED_SERVICE: "Cosmos DB analytical store",
}
_TYPE_TITLES = {
    "CommonDataServiceForApps": "Dynamics 365 / Dataverse",
    "Dynamics": "Dynamics 365 / Dataverse",
    "Office365": "Microsoft 365 (Graph Data Connect)",
    "AzureSqlDatabase": "Azure SQL",
    "CosmosDb": "Cosmos DB",
}


@dataclass(frozen=True, order=True)
class FlowEdge:
    source: str
    destination: str
    label: str


def _layer(lake: str, container: str) -> str:
    return f"{'curated' if lake == 'workspace' else lake}/{container}"


def _source_title(name: str, linked_services: Mapping[str, Artifact]) -> str:
    if name in SOURCE_TITLES:
        return SOURCE_TITLES[name]
    found = linked_services.get(name)
    return _TYPE_TITLES.get(found.type, found.type) if found else name


def data_flow(sets: Sequence[DefinitionSet], products: Sequence[str] = ()) -> list[FlowEdge]:
    linked: dict[str, Artifact] = {}
    datasets: dict[str, Artifact] = {}
    for definitions in sets:
        linked.update(definitions.of_kind("linkedService"))
        datasets.update(definitions.of_kind("dataset"))
    edges: set[FlowEdge] = set()
    for definitions in sets:
        for pipeline in definitions.of_kind("pipeline").values():
            for _path, activity in all_activities(pipeline):
                edges |= _activity_edges(pipeline.name, activity, linked, datasets)
            if any(
                a.get("type") == "Script"
                and (a.get("linkedServiceName") or {}).get("referenceName") == "ls_serverless_sql"
                for _p, a in all_activities(pipeline)
            ):
                curated = [f"curated/{p}" for p in products] or ["curated"]
                edges |= {FlowEdge(layer, SERVING, pipeline.name) for layer in curated}
    integrated = {e.destination for e in edges if e.destination.startswith(("raw/", "enriched/"))}
    has_master = any(s.name == MASTER_SET for s in sets)
    for product in products if has_master else ():
        notebook = f"nb_{product.replace('-', '_')}"
        edges |= {FlowEdge(layer, f"curated/{product}", notebook) for layer in integrated}
    return sorted(edges)


def _activity_edges(
    pipeline: str, activity: Mapping[str, Any], linked: Mapping[str, Artifact], datasets: Mapping[str, Artifact]
) -> set[FlowEdge]:
    edges: set[FlowEdge] = set()
    if activity.get("type") == "Copy":
        sources = [_node(ref, linked, datasets) for ref in activity.get("inputs") or []]
        sinks = [_node(ref, linked, datasets) for ref in activity.get("outputs") or []]
        edges |= {FlowEdge(s, d, pipeline) for s in sources for d in sinks if s and d}
    if activity.get("type") == "SynapseNotebook":
        reads: list[str] = []
        writes: list[str] = []
        for name, spec in ((activity.get("typeProperties") or {}).get("parameters") or {}).items():
            value = str(spec.get("value") if isinstance(spec, Mapping) else spec)
            if value in linked or value in SOURCE_TITLES:
                reads.append(_source_title(value, linked))
            for match in _LAKE_URL.finditer(value):
                (writes if _WRITE_PARAMETER.match(name) else reads).append(_layer(match[2], match[1]))
        edges |= {FlowEdge(s, d, pipeline) for s in reads for d in writes}
    return edges


def _node(reference: Any, linked: Mapping[str, Artifact], datasets: Mapping[str, Artifact]) -> str | None:
    dataset = datasets.get(str(reference.get("referenceName"))) if isinstance(reference, Mapping) else None
    if dataset is None:
        return None
    service = str((dataset.properties.get("linkedServiceName") or {}).get("referenceName", ""))
    if service in _LAKE_SERVICES:
        location = (dataset.properties.get("typeProperties") or {}).get("location") or {}
        return f"{_LAKE_SERVICES[service]}/{location.get('fileSystem') or location.get('container')}"
    return _source_title(service, linked)
