"""A landing zone's pipelines: definitions resolved against the zone and deployed in dependency order.

Data Factory sets become azure-native ``datafactory`` resources in the zone's factory, with started
triggers (``DataFactoryTrigger``); Synapse sets become data-plane artifacts behind the workspace's
development endpoint. Each service identity is granted exactly the lake containers the definitions
read or write (``cloudscale.pipelines.data_access``). Config checks have already validated all of
it, so nothing here can fail on a definition.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi
from pulumi_azure_native import datafactory

from cloudscale.components.baseline import Principal
from cloudscale.components.data_factory import DataFactory, flatten_definition
from cloudscale.components.data_factory_triggers import DataFactoryTrigger, DataFactoryTriggerArgs
from cloudscale.components.data_lake import DataLake
from cloudscale.components.key_vault import KeyVault
from cloudscale.components.synapse_artifacts import SynapseArtifact, SynapseArtifactArgs
from cloudscale.components.synapse_libraries import WorkspacePackage
from cloudscale.components.synapse_workspace import SynapseWorkspace
from cloudscale.dataproducts import PRODUCT_MODULES
from cloudscale.dataproducts.contracts.serving import served
from cloudscale.dataproducts.wheel import content_version, spark_wheel, wheel_file_name
from cloudscale.pipelines.compose import MASTER_PIPELINE, MASTER_SET, notebook_of, product_set_name
from cloudscale.pipelines.data_access import lake_access
from cloudscale.pipelines.data_flow import data_flow
from cloudscale.pipelines.definitions import KINDS, Artifact, DefinitionSet, Target
from cloudscale.pipelines.linked_services import credential_names
from cloudscale.pipelines.placeholders import resolve
from cloudscale.pipelines.platform import SERVERLESS_LINKED_SERVICE, SYNAPSE_ARTIFACTS_LINKED_SERVICE
from cloudscale.pipelines.set_settings import M365IngestionSettings, set_settings
from cloudscale.pipelines.validate import all_activities
from cloudscale.stacks.config import LandingZoneConfig, PlatformConfig
from cloudscale.stacks.config.pipeline_checks import deployed_pipelines, zone_pipelines
from cloudscale.stacks.zone_scope import ZoneScope

RUN_AFTER_CHANGE = "run-after-change"
# The bundled Microsoft 365 set, whose Graph Data Connect app writes this container of the raw lake.
GRAPH_DATA_CONNECT_SET = "m365_ingestion"
GRAPH_DATA_CONNECT_CONTAINER = "m365"


def pipeline_grants(
    zone: LandingZoneConfig, lakes: Mapping[str, DataLake], identity: Target, principal: Principal
) -> list[pulumi.Resource]:
    """The lake roles the zone's definitions need for one service identity, container by container.

    Called from the service's ``access`` callback, so everything acting as the identity waits for them.
    """
    access, _ = lake_access(deployed_pipelines(zone).sets)
    grants = []
    for grant in sorted(access):
        if grant.identity == identity:
            lake = lakes[grant.lake]
            grants.append((lake.grant_write if grant.write else lake.grant_read)(principal, grant.container))
    return grants


def graph_data_connect(zone: LandingZoneConfig, location: str) -> M365IngestionSettings | None:
    """The zone's Microsoft 365 ingestion settings, when it selects the set (validated by the config check)."""
    for selection in zone.pipelines:
        if selection.name == GRAPH_DATA_CONNECT_SET:
            settings, _problems = set_settings(selection.name, selection.settings, location=location)
            return settings if isinstance(settings, M365IngestionSettings) else None
    return None


def factory_credentials(zone: LandingZoneConfig) -> list[str]:
    """The credentials the zone's factory definitions name; the factory backs each with an identity."""
    return credential_names(deployed_pipelines(zone).sets)


def spark_packages(zone: LandingZoneConfig) -> list[WorkspacePackage]:
    """The data products' wheel, when the zone runs a bundled product notebook (they import it)."""
    if not set(deployed_pipelines(zone).products) & set(PRODUCT_MODULES):
        return []
    version = content_version()
    return [WorkspacePackage(wheel_file_name(version), spark_wheel(version))]


def zone_data_products(config: PlatformConfig) -> dict[str, list[dict[str, Any]]]:
    """Each deployed zone's data products: whether and how its master runs them, what each publishes."""
    found: dict[str, list[dict[str, Any]]] = {}
    for zone in config.deployed_zones():
        composed = deployed_pipelines(zone)
        orchestrated = any(s.name == MASTER_SET for s in composed.sets)
        entries = []
        for product in zone.data_products:
            if orchestrated and product in composed.inlined:
                runs = f"{composed.inlined[product]} inlined in {MASTER_PIPELINE}"
            elif orchestrated and product in composed.products:
                runs = f"notebook {notebook_of(product)} in {MASTER_PIPELINE}"
            elif not zone.services.synapse.enabled:
                runs = "not run: services.synapse is not enabled"
            elif not orchestrated:
                runs = "not run: orchestration is disabled"
            else:
                runs = f"not run: no notebook {notebook_of(product)}"
            contract = next(
                (x.contract for x in composed.sets if x.name == product_set_name(product) and x.contract), None
            )
            publishes = [t.path for t in contract.writes if served(t)] if contract else []
            entries.append({"product": product, "runs": runs, "publishes": publishes})
        if entries:
            found[zone.name] = entries
    return found


def zone_data_flows(config: PlatformConfig) -> dict[str, list[tuple[str, str, str]]]:
    """Each deployed zone's data flow, from its definitions (what ``cloudscale plan`` draws)."""
    flows: dict[str, list[tuple[str, str, str]]] = {}
    for zone in config.deployed_zones():
        composed = deployed_pipelines(zone)
        edges = data_flow(composed.sets, composed.products, fabric=zone.fabric.enabled)
        if edges:
            flows[zone.name] = [(e.source, e.destination, e.label) for e in edges]
    return flows


def serves_from_factory(sets: Sequence[DefinitionSet]) -> bool:
    """Whether the zone's master pipeline runs in the factory and recreates the serving views."""
    return any(
        s.name == MASTER_SET and s.target == "dataFactory" and SERVERLESS_LINKED_SERVICE in s.of_kind("linkedService")
        for s in sets
    )


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
    if "machineLearningWorkspaceId" in service_outputs:
        # /subscriptions/<sub>/resourceGroups/<group>/providers/...
        workspace_id = pulumi.Output.from_input(service_outputs["machineLearningWorkspaceId"])
        values["ml.subscriptionId"] = workspace_id.apply(lambda value: value.split("/")[2])
        values["ml.resourceGroup"] = workspace_id.apply(lambda value: value.split("/")[4])
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

    def values_for(set_name: str) -> dict[str, Any]:
        return {**values, **composed.values_for(set_name)}

    synapse_artifacts: list[pulumi.Resource] = []
    if workspace is not None:
        synapse_sets = [s for s in composed.sets if s.target == "synapse"]
        synapse_artifacts = _deploy_to_synapse(synapse_sets, values_for, workspace, composed.products, listing)
    runs_notebooks = (
        factory is not None
        and workspace is not None
        and any(SYNAPSE_ARTIFACTS_LINKED_SERVICE in s.of_kind("linkedService") for s in composed.sets)
    )
    if runs_notebooks and factory is not None and workspace is not None:
        # The factory's identity runs the workspace's notebooks (Synapse RBAC), and its managed VNet
        # reaches the workspace's development endpoint only privately.
        synapse_artifacts = [*synapse_artifacts, *workspace.grant_run_notebooks(factory.principal)]
        factory.add_managed_private_endpoint(
            "synapse-dev",
            endpoint_name=scope.namer.name("managed_private_endpoint", "synapse-dev"),
            target_id=workspace.id,
            group_id="Dev",
        )
    if factory is not None and workspace is not None and serves_from_factory(composed.sets):
        # The master's serving steps run their T-SQL on the workspace's serverless SQL endpoint, which the
        # factory's managed VNet reaches only through a private endpoint to SqlOnDemand.
        factory.add_managed_private_endpoint(
            "synapse-sqlondemand",
            endpoint_name=scope.namer.name("managed_private_endpoint", "synapse-sqlondemand"),
            target_id=workspace.id,
            group_id="SqlOnDemand",
        )
    if factory is not None:
        # The master pipeline runs the workspace's notebooks, so the factory's artifacts come after
        # them and after the roles that let the factory run them.
        factory_sets = [s for s in composed.sets if s.target == "dataFactory"]
        _deploy_to_factory(factory_sets, values_for, factory, listing, after=synapse_artifacts)
    access, _ = lake_access(composed.sets)
    return {
        "pipelines": listing,
        "dataAccess": [
            f"{g.identity} {'writes' if g.write else 'reads'} {g.lake}/{g.container}" for g in sorted(access)
        ],
    }


# Studio writes dataset parameter types in lower case ("string"); ARM accepts either, the SDK's
# ParameterType enum spells them capitalised.
_PARAMETER_TYPES = {
    name.lower(): name for name in ("Array", "Bool", "Float", "Int", "Object", "SecureString", "String")
}


def _flatten(properties: Mapping[str, Any]) -> dict[str, Any]:
    """azure-native's shape: ``typeProperties`` merged into the object, recursively for activities."""
    flat = flatten_definition(properties)
    if isinstance(properties.get("parameters"), Mapping):
        flat["parameters"] = {
            name: {**spec, "type": _PARAMETER_TYPES.get(str(spec.get("type")).lower(), spec.get("type"))}
            if isinstance(spec, Mapping)
            else spec
            for name, spec in properties["parameters"].items()
        }
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


def _executed(pipeline: Artifact) -> set[str]:
    return {
        str((activity.get("typeProperties") or {}).get("pipeline", {}).get("referenceName"))
        for _path, activity in all_activities(pipeline)
        if activity.get("type") == "ExecutePipeline"
    }


Declare = Callable[[DefinitionSet, Artifact, Any, list[pulumi.Resource]], pulumi.Resource | None]


def _deploy_in_order(
    sets: Sequence[DefinitionSet], values_for: Callable[[str], Mapping[str, Any]], declare: Declare
) -> list[pulumi.Resource]:
    """Every artifact of one target after everything it may reference, across the target's sets.

    The services reject a definition that references a missing one (a team's pipeline using a
    bundled dataset, the master running an ingestion pipeline), so each kind waits for all earlier
    kinds, and a pipeline for the pipelines it executes.
    """
    declared: list[pulumi.Resource] = []
    for kind in KINDS:
        earlier = list(declared)
        items = [(s, a) for s in sets for a in s.of_kind(kind).values()]
        pipelines: dict[str, pulumi.Resource] = {}
        if kind == "pipeline":
            items = _callees_first(items)
        for definitions, artifact in items:
            after = earlier + ([pipelines[n] for n in sorted(_executed(artifact)) if n in pipelines])
            resource = declare(definitions, artifact, resolve(artifact.properties, values_for(definitions.name)), after)
            if resource is not None:
                declared.append(resource)
                if kind == "pipeline":
                    pipelines[artifact.name] = resource
    return declared


def _callees_first(items: list[tuple[DefinitionSet, Artifact]]) -> list[tuple[DefinitionSet, Artifact]]:
    by_name = {artifact.name: (definitions, artifact) for definitions, artifact in items}
    ordered: list[tuple[DefinitionSet, Artifact]] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen or name not in by_name:
            return
        seen.add(name)
        for callee in sorted(_executed(by_name[name][1])):
            visit(callee)
        ordered.append(by_name[name])

    for _definitions, artifact in items:
        visit(artifact.name)
    return ordered


def _deploy_to_factory(
    sets: Sequence[DefinitionSet],
    values_for: Callable[[str], Mapping[str, Any]],
    factory: DataFactory,
    listing: list[dict[str, Any]],
    after: Sequence[pulumi.Resource],
) -> None:
    group = factory.resource_group_name

    def declare(
        definitions: DefinitionSet, artifact: Artifact, properties: Any, earlier: list[pulumi.Resource]
    ) -> pulumi.Resource | None:
        logical = f"{factory._name}-{definitions.name}"
        opts = factory.definition_opts(after=[*after, *earlier])
        if artifact.kind == "linkedService":
            # Linked services sign in as the factory, so they wait for what ``after`` grants it.
            return factory.add_linked_service(
                f"{definitions.name}-{artifact.name}",
                linked_service_name=artifact.name,
                properties=properties,
                after=[*after, *earlier],
            )
        if artifact.kind == "integrationRuntime":
            return datafactory.IntegrationRuntime(
                f"{logical}-ir-{artifact.name}",
                factory_name=factory.factory.name,
                resource_group_name=group,
                integration_runtime_name=artifact.name,
                properties=flatten_definition(properties),
                opts=opts,
            )
        if artifact.kind == "dataset":
            return datafactory.Dataset(
                f"{logical}-ds-{artifact.name}",
                factory_name=factory.factory.name,
                resource_group_name=group,
                dataset_name=artifact.name,
                properties=_flatten(properties),
                opts=opts,
            )
        if artifact.kind == "pipeline":
            listing.append(
                {"service": "dataFactory", "kind": "pipeline", "name": artifact.name, "set": definitions.name}
            )
            return _factory_pipeline(factory, f"{logical}-pl-{artifact.name}", artifact, properties, opts)
        if artifact.kind == "trigger":
            listing.append(
                {
                    "service": "dataFactory",
                    "kind": "trigger",
                    "name": artifact.name,
                    "set": definitions.name,
                    "schedule": _schedule_of(artifact, values_for(definitions.name)),
                }
            )
            return _factory_trigger(factory, f"{logical}-tr-{artifact.name}", artifact, properties, opts)
        return None  # notebooks and SQL scripts never target a factory (validation refuses them)

    _deploy_in_order(sets, values_for, declare)


def _factory_pipeline(
    factory: DataFactory, logical_name: str, artifact: Artifact, properties: Any, opts: pulumi.ResourceOptions
) -> datafactory.Pipeline:
    flat = _flatten(properties)
    return datafactory.Pipeline(
        logical_name,
        factory_name=factory.factory.name,
        resource_group_name=factory.resource_group_name,
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


def _factory_trigger(
    factory: DataFactory, logical_name: str, artifact: Artifact, properties: Any, opts: pulumi.ResourceOptions
) -> DataFactoryTrigger:
    return DataFactoryTrigger(
        logical_name,
        DataFactoryTriggerArgs(
            subscription_id=factory.id.apply(lambda factory_id: factory_id.split("/")[2]),
            resource_group_name=factory.resource_group_name,
            factory_name=factory.factory.name,
            trigger_name=artifact.name,
            properties=properties,
        ),
        opts=opts,
    )


def _deploy_to_synapse(
    sets: Sequence[DefinitionSet],
    values_for: Callable[[str], Mapping[str, Any]],
    workspace: SynapseWorkspace,
    products: list[str],
    listing: list[dict[str, Any]],
) -> list[pulumi.Resource]:
    def declare(
        definitions: DefinitionSet, artifact: Artifact, properties: Any, earlier: list[pulumi.Resource]
    ) -> pulumi.Resource | None:
        kind = artifact.kind
        if kind == "integrationRuntime":
            return None  # Synapse's managed-VNet AutoResolve runtime is the only one the zone uses
        if kind == "linkedService":
            return workspace.add_linked_service(
                f"{definitions.name}-{artifact.name}", linked_service_name=artifact.name, properties=properties
            )
        run_after_change = RUN_AFTER_CHANGE in (artifact.properties.get("annotations") or [])
        if kind in ("pipeline", "trigger"):
            entry: dict[str, Any] = {"service": "synapse", "kind": kind, "name": artifact.name, "set": definitions.name}
            if kind == "trigger":
                entry["schedule"] = _schedule_of(artifact, values_for(definitions.name))
            elif run_after_change:
                entry["schedule"] = "once after each change"
            listing.append(entry)
        return SynapseArtifact(
            f"{workspace._name}-{definitions.name}-{kind}-{artifact.name}",
            SynapseArtifactArgs(
                workspace_name=workspace.workspace.name,
                kind=kind,
                artifact_name=artifact.name,
                properties=properties,
                run_after_change=kind == "pipeline" and run_after_change,
            ),
            opts=workspace.data_plane_opts(after=earlier),
        )

    return _deploy_in_order(sets, values_for, declare)
