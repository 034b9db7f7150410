"""A landing zone's last hop: its Fabric workspace, lakehouse shortcuts and the data products' semantic models.

What is deployed follows from the zone's composed definitions, not from a second list: each product set's
semantic model (``semanticModel/<Name>.SemanticModel``, bundled or a team's own) as its TMDL is written, and
a table shortcut for each served view a Direct Lake model reads. A model in DirectQuery reads the zone's
serverless SQL endpoint instead (its views are created by the master pipeline's serving steps).
"""

from __future__ import annotations

import json

from cloudscale.components.baseline import ServiceBaseline
from cloudscale.components.data_lake import DataLake
from cloudscale.components.fabric_capacity import capacity_name
from cloudscale.components.fabric_serving import FabricServing, FabricServingArgs, ModelDefinition, ServedTable
from cloudscale.components.synapse_workspace import synapse_workspace_name
from cloudscale.dataproducts.contracts.tmdl import PLATFORM_FILE, ModelFiles
from cloudscale.pipelines import dax
from cloudscale.pipelines.model_check import served_views
from cloudscale.stacks.config.model import LandingZoneConfig
from cloudscale.stacks.config.pipeline_checks import deployed_pipelines
from cloudscale.stacks.contract import ZoneContract
from cloudscale.stacks.zone_scope import ZoneScope

MANAGEMENT_ZONE = "mgmt"


def fabric_capacity_name(scope: ZoneScope) -> str:
    """The capacity's name, which is also its display name in Fabric: fixed by the naming function, so a
    landing stack finds the management stack's capacity without reading its outputs."""
    return capacity_name(scope.namer.for_zone(MANAGEMENT_ZONE))


def _description(model: ModelFiles) -> str:
    try:
        return str(json.loads(model.files.get(PLATFORM_FILE, "{}")).get("metadata", {}).get("description", ""))
    except json.JSONDecodeError:
        return ""


def zone_models(zone: LandingZoneConfig) -> tuple[list[ServedTable], list[ModelDefinition]]:
    """The shortcuts and semantic models the zone's composed definitions call for."""
    sets = deployed_pipelines(zone).sets
    served = served_views(sets) or {}
    tables: dict[str, ServedTable] = {}
    models = []
    for definitions in sets:
        for model in definitions.semantic_models:
            resolved = dax.resolve(model)
            direct_lake = model.storage_mode == "directLake"
            reads = [served[t.view] for t in resolved.tables.values() if t.view in served]
            if direct_lake:
                for view in reads:
                    tables[view.qualified] = ServedTable(view.schema, view.name, view.table.container, view.table.path)
            models.append(
                ModelDefinition(
                    name=model.name,
                    description=_description(model),
                    parts=model.files,
                    schemas=tuple(sorted({v.schema for v in reads})) if direct_lake else (),
                )
            )
    return [tables[key] for key in sorted(tables)], models


def deploy_fabric_serving(
    scope: ZoneScope,
    zone: LandingZoneConfig,
    contract: ZoneContract,
    lake: DataLake,
    baseline: ServiceBaseline,
) -> FabricServing:
    tables, models = zone_models(zone)
    serverless = (
        f"{synapse_workspace_name(scope.namer)}-ondemand.sql.azuresynapse.net"
        if zone.services.synapse.enabled
        else None
    )
    settings = zone.fabric
    return FabricServing(
        f"{zone.name}-fabric",
        FabricServingArgs(
            baseline=baseline,
            capacity_name=fabric_capacity_name(scope),
            lake=lake,
            tables=tables,
            models=models,
            serverless_endpoint=serverless,
            admins=[str(g) for g in settings.admins],
            contributors=[str(g) for g in settings.contributors],
            viewers=[str(g) for g in settings.viewers],
            capacity=contract.fabric_capacity,
        ),
        opts=scope.opts(),
    )
