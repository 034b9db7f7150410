"""The data flow a zone's definitions implement, drawn from their contracts: each source system into
``raw``, each conforming step into ``enriched``, each data product into the workspace lake, the serving
views over what the products publish (which Power BI reads).

Nodes are a system or a lake container (``raw/crm``, ``enriched/erp``, ``curated/sales-analytics``), edges
are labelled with the set that moves the data, so the diagram stays readable at a zone's scale; the
tables behind each edge are in the contracts (and in ``cloudscale flow run``'s lineage, from what ran).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cloudscale.dataproducts.contracts.serving import SERVING_SET
from cloudscale.pipelines.definitions import DefinitionSet

SERVING = "serverless SQL endpoint (Power BI)"
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


def data_flow(sets: Sequence[DefinitionSet], products: Sequence[str] = ()) -> list[FlowEdge]:
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
    return sorted(edges)
