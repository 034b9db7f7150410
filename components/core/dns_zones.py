"""The private DNS zones the platform hosts beyond those its own types need, and how zones are written.

Each resource type declares the zones of its private-link groups next to its component
(``declare_type(..., private_link=...)``); ``cloudscale.components.library.platform_zones`` is every
declared zone plus ``ADDITIONAL_ZONES``, rendered for a location: the management zone creates exactly
those, and a bring-your-own hub must provide them. ``{region}`` is filled from the configured location.
"""

from __future__ import annotations

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
    # The Microsoft Purview portal's platform endpoint, which the reference forgets; the platform
    # creates only the account's and the ingestion storage's endpoints.
    "privatelink.purview-service.microsoft.com",
)


def render_zone(zone: str, location: str) -> str:
    """A zone as declared (``privatelink.{region}.azmk8s.io``) for one location."""
    return zone.replace("{region}", location)


def zone_resource_label(zone: str) -> str:
    """A short, stable logical name for a zone; Pulumi names may not contain every DNS character."""
    return zone.replace("privatelink.", "").replace(".", "-")
