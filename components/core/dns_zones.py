"""Every private DNS zone the platform uses, and which zones each private-endpoint groupId needs.

This is the single list: the management zone creates exactly ``platform_zones(location)``,
bring-your-own-hub validation checks the supplied ids against it, and every private endpoint
resolves its zone group through ``zones_for``. ``{region}`` is filled from the configured location.
"""

from __future__ import annotations

# (service, groupId) -> zones its private DNS zone group must reference.
PRIVATE_LINK_ZONES: dict[tuple[str, str], tuple[str, ...]] = {
    ("storage", "blob"): ("privatelink.blob.core.windows.net",),
    ("storage", "dfs"): ("privatelink.dfs.core.windows.net",),
    ("storage", "file"): ("privatelink.file.core.windows.net",),
    ("storage", "queue"): ("privatelink.queue.core.windows.net",),
    ("storage", "table"): ("privatelink.table.core.windows.net",),
    ("storage", "web"): ("privatelink.web.core.windows.net",),
    ("key_vault", "vault"): ("privatelink.vaultcore.azure.net",),
    ("container_registry", "registry"): ("privatelink.azurecr.io",),
    ("synapse_workspace", "Sql"): ("privatelink.sql.azuresynapse.net",),
    ("synapse_workspace", "SqlOnDemand"): ("privatelink.sql.azuresynapse.net",),
    ("synapse_workspace", "Dev"): ("privatelink.dev.azuresynapse.net",),
    ("synapse_private_link_hub", "Web"): ("privatelink.azuresynapse.net",),
    ("data_factory", "dataFactory"): ("privatelink.datafactory.azure.net",),
    ("data_factory", "portal"): ("privatelink.adf.azure.com",),
    ("sql_server", "sqlServer"): ("privatelink.database.windows.net",),
    ("cosmos", "Sql"): ("privatelink.documents.azure.com",),
    ("cosmos", "Analytical"): ("privatelink.analytics.cosmos.azure.com",),
    ("purview", "account"): ("privatelink.purview.azure.com",),
    ("purview", "portal"): ("privatelink.purviewstudio.azure.com",),
    ("purview", "platform"): ("privatelink.purview-service.microsoft.com",),
    ("purview_ingestion", "blob"): ("privatelink.blob.core.windows.net",),
    ("purview_ingestion", "queue"): ("privatelink.queue.core.windows.net",),
    ("purview_ingestion", "namespace"): ("privatelink.servicebus.windows.net",),
    ("machine_learning", "amlworkspace"): ("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"),
    ("monitor", "azuremonitor"): (
        "privatelink.monitor.azure.com",
        "privatelink.oms.opinsights.azure.com",
        "privatelink.ods.opinsights.azure.com",
        "privatelink.agentsvc.azure-automation.net",
        "privatelink.blob.core.windows.net",
    ),
}

# Zones the reference deploys for services a landing zone may add later (Databricks, Event Hubs,
# AKS, Batch, ...), so data products can bring them without touching the hub.
ADDITIONAL_ZONES: tuple[str, ...] = (
    "privatelink.afs.azure.net",
    "privatelink.analysis.windows.net",
    "privatelink.azure-automation.net",
    "privatelink.azure-devices.net",
    "privatelink.azuredatabricks.net",
    "privatelink.azurewebsites.net",
    "privatelink.cassandra.cosmos.azure.com",
    "privatelink.cognitiveservices.azure.com",
    "privatelink.eventgrid.azure.net",
    "privatelink.gremlin.cosmos.azure.com",
    "privatelink.mariadb.database.azure.com",
    "privatelink.mongo.cosmos.azure.com",
    "privatelink.mysql.database.azure.com",
    "privatelink.pbidedicated.windows.net",
    "privatelink.postgres.database.azure.com",
    "privatelink.prod.powerquery.microsoft.com",
    "privatelink.redis.cache.windows.net",
    "privatelink.search.windows.net",
    "privatelink.service.signalr.net",
    "privatelink.servicebus.windows.net",
    "privatelink.table.cosmos.azure.com",
    "privatelink.{region}.azmk8s.io",
    # Microsoft Learn, "Azure Private Endpoint private DNS zone values": Batch (batchAccount and
    # nodeManagement) and Azure Cache for Redis Enterprise (redisEnterprise) use these region-less
    # zones; the reference's privatelink.<region>.batch.azure.com and
    # <region>.privatelink.redisenterprise.cache.azure.net are outdated names.
    "privatelink.batch.azure.com",
    "privatelink.redisenterprise.cache.azure.net",
)


def _render(zone: str, location: str) -> str:
    return zone.replace("{region}", location)


def zones_for(service: str, group_id: str, location: str) -> tuple[str, ...]:
    try:
        zones = PRIVATE_LINK_ZONES[(service, group_id)]
    except KeyError:
        known = ", ".join(f"{s}/{g}" for s, g in sorted(PRIVATE_LINK_ZONES))
        raise KeyError(f"no private DNS zone is known for {service}/{group_id}; known: {known}") from None
    return tuple(_render(zone, location) for zone in zones)


def platform_zones(location: str) -> list[str]:
    """Every zone the management zone hosts, sorted and without duplicates."""
    zones = {zone for group in PRIVATE_LINK_ZONES.values() for zone in group}
    zones.update(ADDITIONAL_ZONES)
    return sorted(_render(zone, location) for zone in zones)


def zone_resource_label(zone: str) -> str:
    """A short, stable logical name for a zone; Pulumi names may not contain every DNS character."""
    return zone.replace("privatelink.", "").replace(".", "-")
