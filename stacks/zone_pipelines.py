"""A landing zone's pipelines: definitions resolved against the zone and deployed in dependency order.

Data Factory sets become azure-native ``datafactory`` resources in the zone's factory, with started
triggers (``DataFactoryTrigger``); Synapse sets become data-plane artifacts behind the workspace's
development endpoint. Each service identity is granted exactly the lake containers the definitions
read or write (``cloudscale.pipelines.data_access``). Config checks have already validated all of
it, so nothing here can fail on a definition.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi_azure_native import datafactory

from cloudscale.components.data_factory import DataFactory
from cloudscale.components.data_factory_triggers import DataFactoryTrigger, DataFactoryTriggerArgs
from cloudscale.components.data_lake import DataLake
from cloudscale.components.key_vault import KeyVault
from cloudscale.components.synapse_artifacts import SynapseArtifact, SynapseArtifactArgs
from cloudscale.components.synapse_workspace import SynapseWorkspace
from cloudscale.pipelines.compose import product_set_name
from cloudscale.pipelines.data_access import lake_access
from cloudscale.pipelines.data_flow import data_flow
from cloudscale.pipelines.definitions import KINDS, Artifact, DefinitionSet
from cloudscale.pipelines.placeholders import resolve
from cloudscale.pipelines.platform import SYNAPSE_ARTIFACTS_LINKED_SERVICE
from cloudscale.stacks.config import LandingZoneConfig, PlatformConfig
from cloudscale.stacks.config.pipeline_checks import zone_pipelines
from cloudscale.stacks.zone_scope import ZoneScope

RUN_AFTER_CHANGE = "run-after-change"
# The path each data product publishes its serving table under (a Delta table), which the logical
# data warehouse exposes as one view per product.
CURATED_FOLDER = "curated"


def zone_data_flows(config: PlatformConfig) -> dict[str, list[tuple[str, str, str]]]:
    """Each deployed zone's data flow, from its definitions (what ``cloudscale plan`` draws)."""
    flows: dict[str, list[tuple[str, str, str]]] = {}
    for zone in config.deployed_zones():
        composed = zone_pipelines(config.landing_zones.index(zone), zone)
        edges = data_flow(composed.sets, composed.products)
        if edges:
            flows[zone.name] = [(e.source, e.destination, e.label) for e in edges]
    return flows


def curated_views(products: list[str]) -> list[dict[str, str]]:
    return [{"view": product_set_name(p), "path": f"{p}/{CURATED_FOLDER}/{product_set_name(p)}/"} for p in products]


def platform_values(
    zone: LandingZoneConfig,
    lakes: Mapping[str, DataLake],
    vault: KeyVault,
    factory: DataFactory | None,
    workspace: SynapseWorkspace | None,
    service_outputs: Mapping[str, Any],
) -> dict[str, Any]:
    values: dict[str, Any] = {"zone.name": zone.name, "keyVault.uri": vault.vault.properties.vault_uri}
    for key in ("raw", "enriched", "workspace"):
        values[f"lake.{key}.dfs"] = lakes[key].dfs_endpoint
        values[f"lake.{key}.account"] = lakes[key].account_name
    if factory is not None:
        values["dataFactory.name"] = factory.factory_name
    if workspace is not None:
        values["synapse.workspace"] = workspace.workspace_name
        values["synapse.workspaceId"] = workspace.id
        values["synapse.serverless"] = workspace.serverless_sql_endpoint
        values["synapse.sparkPool"] = workspace.spark_pool.name
    optional = {
        "sql.server": "sqlServerFqdn",
        "sql.database": "sqlDatabaseName",
        "cosmos.endpoint": "cosmosEndpoint",
        "cosmos.database": "cosmosDatabaseName",
        "ml.workspace": "machineLearningWorkspaceName",
        "ml.compute": "machineLearningComputeName",
    }
    values.update({key: service_outputs[output] for key, output in optional.items() if output in service_outputs})
    if zone.services.cosmos.enabled:
        values["cosmos.containers"] = ",".join(c.name for c in zone.services.cosmos.containers)
    return values


def deploy_zone_pipelines(
    scope: ZoneScope,
    index: int,
    zone: LandingZoneConfig,
    lakes: Mapping[str, DataLake],
    vault: KeyVault,
    factory: DataFactory | None,
    workspace: SynapseWorkspace | None,
    service_outputs: Mapping[str, Any],
) -> dict[str, Any]:
    """Declare the zone's pipelines; returns the zone outputs describing them (for people and the plan)."""
    composed = zone_pipelines(index, zone)
    if not composed.sets:
        return {}
    values = platform_values(zone, lakes, vault, factory, workspace, service_outputs)
    listing: list[dict[str, Any]] = []
    for definitions in composed.sets:
        set_values = {**values, **composed.values_for(definitions.name)}
        if definitions.target == "dataFactory" and factory is not None:
            listing += _deploy_to_factory(definitions, set_values, factory)
        elif definitions.target == "synapse" and workspace is not None:
            listing += _deploy_to_synapse(definitions, set_values, workspace, composed.products)
    if (
        factory is not None
        and workspace is not None
        and any(SYNAPSE_ARTIFACTS_LINKED_SERVICE in s.of_kind("linkedService") for s in composed.sets)
    ):
        # The factory's managed VNet reaches the workspace's development endpoint only privately.
        factory.add_managed_private_endpoint(
            "synapse-dev",
            endpoint_name=scope.namer.name("managed_private_endpoint", "synapse-dev"),
            target_id=workspace.id,
            group_id="Dev",
        )
    access, _ = lake_access(composed.sets)
    principals = {
        "dataFactory": factory.principal if factory else None,
        "synapse": workspace.principal if workspace else None,
    }
    for grant in sorted(access):
        principal = principals[grant.identity]
        if principal is not None:
            lake = lakes[grant.lake]
            (lake.grant_write if grant.write else lake.grant_read)(principal, grant.container)
    return {
        "pipelines": listing,
        "dataAccess": [
            f"{g.identity} {'writes' if g.write else 'reads'} {g.lake}/{g.container}" for g in sorted(access)
        ],
    }


def _flatten(properties: Mapping[str, Any]) -> dict[str, Any]:
    """azure-native's shape: ``typeProperties`` merged into the object, recursively for activities."""
    flat = {key: value for key, value in properties.items() if key != "typeProperties"}
    flat.update(properties.get("typeProperties") or {})
    for key in ("activities", "ifTrueActivities", "ifFalseActivities", "defaultActivities"):
        if isinstance(flat.get(key), list):
            flat[key] = [_flatten(activity) for activity in flat[key]]
    if isinstance(flat.get("cases"), list):
        flat["cases"] = [
            {**case, "activities": [_flatten(a) for a in case.get("activities") or []]} for case in flat["cases"]
        ]
    return flat


def _schedule_of(artifact: Artifact, values: Mapping[str, Any]) -> str:
    type_properties = artifact.properties.get("typeProperties") or {}
    recurrence = type_properties.get("recurrence") or type_properties
    frequency = resolve(recurrence.get("frequency"), values)
    interval = resolve(recurrence.get("interval"), values)
    start = resolve(recurrence.get("startTime"), values)
    return f"{artifact.type}: every {interval} {frequency} from {start}"


def _deploy_to_factory(
    definitions: DefinitionSet, values: Mapping[str, Any], factory: DataFactory
) -> list[dict[str, Any]]:
    created: list[pulumi.Resource] = []
    listing: list[dict[str, Any]] = []
    group = factory.resource_group_name
    prefix = f"{factory._name}-{definitions.name}"
    for kind in KINDS:
        made: list[pulumi.Resource] = []
        for artifact in definitions.of_kind(kind).values():
            properties = resolve(artifact.properties, values)
            opts = factory.child_opts(depends_on=[factory.integration_runtime, *created])
            if kind == "linkedService":
                made.append(
                    factory.add_linked_service(
                        f"{definitions.name}-{artifact.name}", linked_service_name=artifact.name, properties=properties
                    )
                )
            elif kind == "dataset":
                made.append(
                    datafactory.Dataset(
                        f"{prefix}-ds-{artifact.name}",
                        factory_name=factory.factory.name,
                        resource_group_name=group,
                        dataset_name=artifact.name,
                        properties=_flatten(properties),
                        opts=opts,
                    )
                )
            elif kind == "pipeline":
                flat = _flatten(properties)
                made.append(
                    datafactory.Pipeline(
                        f"{prefix}-pl-{artifact.name}",
                        factory_name=factory.factory.name,
                        resource_group_name=group,
                        pipeline_name=artifact.name,
                        activities=flat.get("activities"),
                        parameters=flat.get("parameters"),
                        variables=flat.get("variables"),
                        annotations=flat.get("annotations"),
                        concurrency=flat.get("concurrency"),
                        description=flat.get("description"),
                        folder=flat.get("folder"),
                        opts=opts,
                    )
                )
                listing.append(
                    {"service": "dataFactory", "kind": "pipeline", "name": artifact.name, "set": definitions.name}
                )
            elif kind == "trigger":
                made.append(
                    DataFactoryTrigger(
                        f"{prefix}-tr-{artifact.name}",
                        DataFactoryTriggerArgs(
                            subscription_id=factory.id.apply(lambda factory_id: factory_id.split("/")[2]),
                            resource_group_name=group,
                            factory_name=factory.factory.name,
                            trigger_name=artifact.name,
                            properties=properties,
                        ),
                        opts=opts,
                    )
                )
                listing.append(
                    {
                        "service": "dataFactory",
                        "kind": "trigger",
                        "name": artifact.name,
                        "set": definitions.name,
                        "schedule": _schedule_of(artifact, values),
                    }
                )
        created += made
    return listing


def _deploy_to_synapse(
    definitions: DefinitionSet, values: Mapping[str, Any], workspace: SynapseWorkspace, products: list[str]
) -> list[dict[str, Any]]:
    created: list[pulumi.Resource] = []
    listing: list[dict[str, Any]] = []
    for kind in KINDS:
        made: list[pulumi.Resource] = []
        for artifact in definitions.of_kind(kind).values():
            properties = resolve(artifact.properties, values)
            if kind == "integrationRuntime":
                continue  # Synapse's managed-VNet AutoResolve runtime is the only one the zone uses
            if kind == "linkedService":
                made.append(
                    workspace.add_linked_service(
                        f"{definitions.name}-{artifact.name}", linked_service_name=artifact.name, properties=properties
                    )
                )
                continue
            run_after_change = RUN_AFTER_CHANGE in (artifact.properties.get("annotations") or [])
            declared = artifact.properties.get("parameters") or {}
            made.append(
                SynapseArtifact(
                    f"{workspace._name}-{definitions.name}-{kind}-{artifact.name}",
                    SynapseArtifactArgs(
                        workspace_name=workspace.workspace.name,
                        kind=kind,
                        artifact_name=artifact.name,
                        properties=properties,
                        run_after_change=kind == "pipeline" and run_after_change,
                        run_parameters={"products": curated_views(products)} if "products" in declared else None,
                    ),
                    opts=workspace.data_plane_opts(after=created),
                )
            )
            if kind in ("pipeline", "trigger"):
                entry: dict[str, Any] = {
                    "service": "synapse",
                    "kind": kind,
                    "name": artifact.name,
                    "set": definitions.name,
                }
                if kind == "trigger":
                    entry["schedule"] = _schedule_of(artifact, values)
                elif run_after_change:
                    entry["schedule"] = "once after each change"
                listing.append(entry)
        created += made
    return listing
