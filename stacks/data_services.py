"""A landing zone's data services for the seed scenarios: the ERP database, customer service, retention.

Each service is created only when ``landingZones[i].services.<service>.enabled`` is set, and is then
wired to what the zone already has: the Data Factory reads the ERP database, Synapse reads the Cosmos
DB analytical store, and Azure ML reads the enriched-curated lake and writes to the workspace lake.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from cloudscale.components import data_explorer
from cloudscale.components.baseline import Principal, ServiceBaseline
from cloudscale.components.core.azure_facts import zones_for
from cloudscale.components.cosmos_account import CosmosAccount, CosmosAccountArgs, CosmosContainer
from cloudscale.components.encryption_key import EncryptionKey, EncryptionKeyArgs
from cloudscale.components.machine_learning import (
    CodeAsset,
    LakeDatastore,
    MachineLearningArgs,
    MachineLearningWorkspace,
    OutboundPrivateEndpoint,
)
from cloudscale.components.sql_hyperscale import SqlHyperscale, SqlHyperscaleArgs
from cloudscale.dataproducts.azureml.code import CODE_ASSET, code_files, code_version
from cloudscale.pipelines.data_access import MachineLearningJobs, machine_learning_jobs
from cloudscale.stacks.config.model import CosmosConfig
from cloudscale.stacks.config.pipeline_checks import deployed_pipelines
from cloudscale.stacks.landing_context import ENRICHED, WORKSPACE, LandingZoneContext
from cloudscale.stacks.zone_scope import tenant_id

# Pipeline definitions refer to these linked services by name.
ERP_LINKED_SERVICE = "ls_sql_erp"
COSMOS_LINKED_SERVICE = "ls_cosmos_customer_service"
# Synapse's integration runtime inside its managed virtual network always has this name.
SYNAPSE_INTEGRATION_RUNTIME = "AutoResolveIntegrationRuntime"
# The Data Factory's identity reads the ERP tables it ingests, and nothing else.
ERP_READER_ROLES = ("db_datareader",)


def deploy_data_services(context: LandingZoneContext) -> dict[str, Any]:
    """Declare the enabled services of one landing zone and return the outputs to merge into the zone's."""
    services = context.zone.services
    outputs: dict[str, Any] = {}
    for service, deploy in DATA_SERVICES.items():
        if getattr(services, service).enabled:
            outputs.update(deploy(context))
    return outputs


def _baseline(context: LandingZoneContext, component: str) -> ServiceBaseline:
    return context.scope.baseline(
        context.services_group,
        component=component,
        placement=context.placement,
        log_analytics_workspace_id=context.log_analytics_workspace_id,
    )


def _alert_recipients(context: LandingZoneContext) -> dict[str, Any]:
    contacts = context.scope.config.security_contacts
    if contacts is None:
        return {}
    return {"alert_emails": list(contacts.emails), "alert_account_admins": contacts.email_admins}


def _erp_database(context: LandingZoneContext) -> dict[str, Any]:
    config = context.zone.services.sql_hyperscale
    zone = context.zone.name
    erp = SqlHyperscale(
        f"{zone}-erp",
        SqlHyperscaleArgs(
            baseline=_baseline(context, "sql_hyperscale"),
            tenant_id=tenant_id(),
            admin_group_name=config.admin_group_name,
            admin_group_object_id=str(config.admin_group_object_id),
            database_name=config.database_name,
            sku=config.sku,
            vcores=config.vcores,
            min_vcores=config.min_vcores,
            high_availability_replicas=config.high_availability_replicas,
            zone_redundant=config.zone_redundant,
            backup_storage_redundancy=config.backup_storage_redundancy,
            short_term_retention_days=config.short_term_retention_days,
            customer_managed_key=context.customer_managed_key,
            **_alert_recipients(context),
            # The audit trail goes to the zone's Log Analytics workspace, kept this long.
            audit_retention_days=context.scope.config.management.log_retention_days,
        ),
        opts=context.scope.opts(),
    )
    outputs: dict[str, Any] = {
        "sqlServerName": erp.server_name,
        "sqlServerFqdn": erp.fqdn,
        "sqlDatabaseName": erp.database_name,
        "sqlDatabaseId": erp.database_id,
    }
    factory = context.data_factory
    if factory is not None:
        factory.add_managed_private_endpoint(
            "erp-sql",
            endpoint_name=context.scope.namer.name("managed_private_endpoint", "erp-sql"),
            target_id=erp.server_id,
            group_id="sqlServer",
        )
        factory.add_linked_service(
            "erp-sql",
            linked_service_name=ERP_LINKED_SERVICE,
            properties={
                "type": "AzureSqlDatabase",
                "description": "ERP database (Hyperscale), read with the factory's managed identity",
                # The connector's current version takes server and database instead of a connection string.
                "version": "2.0",
                "typeProperties": {
                    "server": erp.fqdn,
                    "database": erp.database_name,
                    "encrypt": "mandatory",
                    "authenticationType": "SystemAssignedManagedIdentity",
                },
            },
        )
        # The factory's identity is only a database user after this one-off data-plane step.
        outputs["sqlFactoryUserScript"] = erp.contained_user_sql(factory.factory_name, ERP_READER_ROLES)
        outputs["erpLinkedServiceName"] = ERP_LINKED_SERVICE
    return outputs


def _cosmos_containers(config: CosmosConfig) -> list[CosmosContainer]:
    return [
        CosmosContainer(
            name=container.name,
            partition_key=container.partition_key,
            analytical_ttl_seconds=container.analytical_ttl_seconds,
            default_ttl_seconds=container.default_ttl_seconds,
        )
        for container in config.containers
    ]


def _customer_service_database(context: LandingZoneContext) -> dict[str, Any]:
    config = context.zone.services.cosmos
    zone = context.zone.name
    cosmos = CosmosAccount(
        f"{zone}-customer-service",
        CosmosAccountArgs(
            baseline=_baseline(context, "cosmos"),
            database_name=config.database_name,
            containers=_cosmos_containers(config),
            schema_type=config.schema_type,
            backup_tier=config.backup_tier,
            consistency=config.consistency,
            zone_redundant=config.zone_redundant,
            autoscale_max_throughput=config.autoscale_max_throughput,
            customer_managed_key=context.customer_managed_key,
        ),
        opts=context.scope.opts(),
    )
    outputs: dict[str, Any] = {
        "cosmosAccountName": cosmos.account_name,
        "cosmosEndpoint": cosmos.endpoint,
        "cosmosDatabaseName": cosmos.database_name,
    }
    synapse = context.synapse
    if synapse is not None:
        # Synapse Link: Spark in the managed VNet reaches the analytical store, and the account's
        # gateway for container metadata, only through these two managed private endpoints.
        for group_id in ("Analytical", "Sql"):
            synapse.add_managed_private_endpoint(
                f"customer-service-{group_id.lower()}",
                endpoint_name=context.scope.namer.name("managed_private_endpoint", f"care-{group_id.lower()}"),
                target_id=cosmos.id,
                group_id=group_id,
            )
        cosmos.grant_analytics_read(synapse.principal)
        synapse.add_linked_service(
            "customer-service",
            linked_service_name=COSMOS_LINKED_SERVICE,
            properties={
                "type": "CosmosDb",
                "description": "Customer-service database; Spark reads its analytical store with cosmos.olap",
                # No key: local auth is off, so the workspace's managed identity signs in. For
                # system-assigned managed identity authentication the connector takes exactly
                # accountEndpoint and database (no connection string, tenant or credential type), plus
                # connectVia (Learn, "Copy and transform data in Azure Cosmos DB for NoSQL", MicrosoftDocs
                # azure-docs data-factory/connector-azure-cosmos-db.md, "System-assigned managed identity
                # authentication"; the page applies to Synapse pipelines as well).
                "typeProperties": {"accountEndpoint": cosmos.endpoint, "database": cosmos.database_name},
                "connectVia": {"referenceName": SYNAPSE_INTEGRATION_RUNTIME, "type": "IntegrationRuntimeReference"},
            },
        )
        outputs["cosmosLinkedServiceName"] = COSMOS_LINKED_SERVICE
    return outputs


def _retention_workspace(context: LandingZoneContext) -> dict[str, Any]:
    config = context.zone.services.machine_learning
    zone = context.zone.name
    # Training reads the curated data and writes scores to the data products' containers of the
    # workspace lake; the lake's other filesystems (Synapse's own, the shared landing area) stay closed.
    sources, results = context.lakes[ENRICHED], context.lakes[WORKSPACE]
    containers = {
        ENRICHED: list(sources.containers),
        WORKSPACE: [product for product in context.zone.data_products if product in results.containers],
    }
    has_zones = bool(zones_for(context.scope.location))
    jobs = machine_learning_jobs(deployed_pipelines(context.zone).sets)
    workspace = MachineLearningWorkspace(
        f"{zone}-retention",
        MachineLearningArgs(
            baseline=_baseline(context, "machine_learning"),
            tenant_id=tenant_id(),
            container_registry_id=context.contract.container_registry_id if config.reuse_management_registry else None,
            isolation_mode=config.isolation_mode,
            allowed_outbound_fqdns=config.allowed_outbound_fqdns,
            outbound_private_endpoints=[
                OutboundPrivateEndpoint(f"{key}-{subresource}", lake.id, subresource, key)
                for key, lake in ((ENRICHED, sources), (WORKSPACE, results))
                for subresource in ("dfs", "blob")
            ],
            datastores=[
                LakeDatastore(_datastore_name(key, container), lake.account_name, container)
                for key, lake in ((ENRICHED, sources), (WORKSPACE, results))
                for container in containers[key]
            ],
            cluster_vm_size=config.cluster_vm_size,
            cluster_max_nodes=config.cluster_max_nodes,
            storage_sku="Standard_ZRS" if has_zones else "Standard_LRS",
            code_assets=_code_assets(jobs),
        ),
        opts=context.scope.opts(),
    )
    # The studio previews data as the workspace; training jobs run as the cluster's identity.
    for container in containers[ENRICHED]:
        sources.grant_read(workspace.principal, container)
        sources.grant_read(workspace.compute_principal, container)
    for container in containers[WORKSPACE]:
        results.grant_read(workspace.principal, container)
        results.grant_write(workspace.compute_principal, container)
    # The pipelines that submit training jobs do so as their service's identity.
    services = {"dataFactory": context.data_factory, "synapse": context.synapse}
    for identity in sorted(jobs.submitters):
        service = services[identity]
        if service is not None:
            workspace.grant_submit_jobs(service.principal)
    return {
        "machineLearningWorkspaceId": workspace.id,
        "machineLearningWorkspaceName": workspace.workspace_name,
        "machineLearningComputeName": workspace.compute_name,
    }


def _analytics_cluster(context: LandingZoneContext) -> dict[str, Any]:
    config = context.zone.services.data_explorer
    zone = context.zone.name
    key = None
    if context.customer_managed_key is not None:
        # Azure Data Explorer takes only RSA 2048 keys: its own key, in the zone's vault, beside the zone's.
        key = EncryptionKey(
            f"{zone}-analytics-cmk",
            EncryptionKeyArgs(
                baseline=context.key_vault.baseline,
                vault_name=context.key_vault.vault.name,
                vault_uri=context.key_vault.uri,
                purpose="adx",
                key_size=data_explorer.KEY_SIZE,
                hsm=context.customer_managed_key.hsm,
                vault_reachable=context.key_vault.reachable,
            ),
            opts=context.scope.opts(),
        ).customer_managed_key
    cluster = data_explorer.DataExplorer(
        f"{zone}-analytics",
        data_explorer.DataExplorerArgs(
            baseline=_baseline(context, "data_explorer"),
            tenant_id=tenant_id(),
            database_name=config.database_name,
            sku=config.sku,
            capacity=config.capacity,
            autoscale_max=config.autoscale_max,
            soft_delete_days=config.soft_delete_days,
            hot_cache_days=config.hot_cache_days,
            auto_stop=config.auto_stop,
            customer_managed_key=key,
        ),
        opts=context.scope.opts(),
    )
    for group in config.readers:
        cluster.grant_read(Principal.group(str(group), str(group)))
    for group in config.ingestors:
        cluster.grant_ingest(Principal.group(str(group), str(group)))
    return {
        "dataExplorerUri": cluster.uri,
        "dataExplorerIngestionUri": cluster.ingestion_uri,
        "dataExplorerDatabaseName": cluster.database_name,
    }


def _code_assets(jobs: MachineLearningJobs) -> list[CodeAsset]:
    """The bundled training code, registered at the version the zone's job definitions reference."""
    version = code_version()
    if (CODE_ASSET, version) not in jobs.code:
        return []
    files = {name: str(path) for name, path in code_files().items()}
    return [CodeAsset(CODE_ASSET, version, files, "Customer 360 lease-renewal training (scikit-learn, MLflow)")]


def _datastore_name(lake: str, container: str) -> str:
    # Datastore names allow letters, digits and underscores only.
    return f"{lake}_{container}".replace("-", "_")


# The zone's optional data services: each one's key under ``landingZones[i].services`` (snake_case),
# which is also its resources' ``Component`` tag, and the function that wires it into the zone.
DATA_SERVICES: Mapping[str, Callable[[LandingZoneContext], dict[str, Any]]] = {
    "sql_hyperscale": _erp_database,
    "cosmos": _customer_service_database,
    "machine_learning": _retention_workspace,
    "data_explorer": _analytics_cluster,
}
