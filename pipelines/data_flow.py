"""The data flow a zone's definitions implement, drawn from their contracts: each source system into
``raw``, each conforming step into ``enriched``, each data product into the workspace lake, the serving
views over what the products publish, and the products' Power BI semantic models over those views (or, in
a zone with a Fabric workspace, over OneLake shortcuts to the published Delta tables, in Direct Lake).

Nodes are a system or a lake container (``raw/crm``, ``enriched/erp``, ``curated/sales-analytics``), edges
are labelled with the set that moves the data, so the diagram stays readable at a zone's scale; the
tables behind each edge are in the contracts (and in ``cloudscale flow run``'s lineage, from what ran).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cloudscale.dataproducts.contracts.serving import SERVING_SET
from cloudscale.pipelines.definitions import DefinitionSet

SERVING = "serverless SQL endpoint"
ONELAKE = "OneLake shortcuts (Fabric lakehouse)"
_SYSTEMS = {
    "dataverse": "Dynamics 365 / Dataverse",
    "erp": "ERP database (SQL Hyperscale)",
    "mgdc": "Microsoft 365 (Graph Data Connect)",
    "cosmos": "Cosmos DB analytical store",
}


@dataclass(frozen=True, order=True)
class FlowEdge:
    source: str
    destination: str
    label: str


def node(table_id: str) -> str:
    """A table's node: its system, or its lake and container (the workspace lake is the curated layer)."""
    layer, rest = table_id.split("/", 1)
    if layer in _SYSTEMS:
        return _SYSTEMS[layer]
    container = rest.split("/", 1)[0]
    if layer == "external":
        return "external drop"
    return f"{'curated' if layer == 'workspace' else layer}/{container}"


def report(model_name: str) -> str:
    return f"Power BI: {model_name}"


def data_flow(sets: Sequence[DefinitionSet], products: Sequence[str] = (), *, fabric: bool = False) -> list[FlowEdge]:
    contracts = {s.name: s.contract for s in sets if s.contract is not None}
    served = set(products)
    edges: set[FlowEdge] = set()
    for name, contract in contracts.items():
        reads = [t.id for t in contract.sources] + [r.table for r in contract.reads]
        if name == SERVING_SET:
            edges |= {FlowEdge(node(t), SERVING, name) for t in reads if t.split("/")[1] in served}
            continue
        for written in contract.writes:
            edges |= {FlowEdge(node(t), node(written.id), name) for t in reads if node(t) != node(written.id)}
    return sorted(edges | _reports(sets, served, fabric))


def _reports(sets: Sequence[DefinitionSet], products: set[str], fabric: bool) -> set[FlowEdge]:
    """The last hop: each served product's semantic model, from what it reads."""
    from cloudscale.pipelines.dax import resolve
    from cloudscale.pipelines.model_check import served_views

    views = served_views(sets) or {}
    edges: set[FlowEdge] = set()
    for definitions in sets:
        for model in definitions.semantic_models:
            read = [views[t.view] for t in resolve(model).tables.values() if t.view in views]
            if not read or not {v.product for v in read} <= products:
                continue
            if fabric and model.storage_mode == "directLake":
                edges |= {FlowEdge(node(v.table.id), ONELAKE, "shortcut") for v in read}
                edges.add(FlowEdge(ONELAKE, report(model.name), "Direct Lake"))
            else:
                edges.add(FlowEdge(SERVING, report(model.name), "DirectQuery"))
    return edges
