"""What the bundled pipelines write into the lake, per integration.

This is the one place the lake learns the pipelines' entities. It is a constant until the bundled
pipeline definitions can be read for it; replace ``BUNDLED_PIPELINE_ENTITIES`` by a read of those
definitions and nothing else has to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Writer = Literal["dataFactory", "synapse"]
Layer = Literal["raw", "enriched"]


@dataclass(frozen=True)
class PipelineOutput:
    """One folder a bundled pipeline writes: ``<layer>/<integration>/<entity>/``, and who writes it."""

    layer: Layer
    integration: str
    entity: str
    writer: Writer


CRM_ENTITIES = ("customers", "addresses", "contacts", "territory_assignments", "contact_history")
ERP_ENTITIES = (
    "sales_headers",
    "sales_lines",
    "shipments",
    "payments",
    # The product catalogue, which names each order line's category.
    "products",
    "product_subcategories",
    "product_categories",
)
LEASING_ENTITIES = ("residents", "leases", "work_orders", "surveys")
# Microsoft 365 mail and calendar events, as Graph Data Connect delivers them.
M365_ENTITIES = ("messages", "events")
CUSTOMER_SERVICE = "customer_service"

# Ingestion (Data Factory) lands CRM and ERP entities in raw and integrates them into enriched; the
# customer-service link (Synapse reading the Cosmos DB analytical store) writes enriched only.
BUNDLED_PIPELINE_ENTITIES: tuple[PipelineOutput, ...] = (
    *(PipelineOutput(layer, "crm", entity, "dataFactory") for layer in ("raw", "enriched") for entity in CRM_ENTITIES),
    *(PipelineOutput(layer, "erp", entity, "dataFactory") for layer in ("raw", "enriched") for entity in ERP_ENTITIES),
    # Leasing ingestion copies the property system's extracts to raw only; Customer 360 reads them there.
    *(PipelineOutput("raw", "leasing", entity, "dataFactory") for entity in LEASING_ENTITIES),
    # Microsoft 365 ingestion lands Graph Data Connect's files in raw only; the factory clears a window
    # folder before it is copied again, the MGDC app writes it (with its own role on the container).
    *(PipelineOutput("raw", "m365", entity, "dataFactory") for entity in M365_ENTITIES),
    PipelineOutput("enriched", CUSTOMER_SERVICE, "interactions", "synapse"),
)
