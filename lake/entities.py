"""What the bundled pipelines write into the lake, per integration: read from their contracts.

Ingestion (Data Factory) lands each source's tables in ``raw/<integration>/<table>/``; the conforming
steps and the customer-service link (Synapse) write ``enriched/<integration>/<table>/``
(``cloudscale.dataproducts.contracts``). A flow that is not one of a zone's integrations, like the
customer-service link, writes under the shared ``data`` container.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cloudscale.dataproducts.contracts.integration import INTEGRATION_SETS, SHARED_CONTAINER

Writer = Literal["dataFactory", "synapse"]
Layer = Literal["raw", "enriched"]


@dataclass(frozen=True)
class PipelineOutput:
    """One folder a bundled pipeline writes: ``<layer>/<integration>/<entity>/``, and who writes it."""

    layer: Layer
    integration: str
    entity: str
    writer: Writer


def _outputs() -> tuple[PipelineOutput, ...]:
    found = []
    for contract in INTEGRATION_SETS:
        for table in contract.writes:
            if table.layer not in ("raw", "enriched"):
                continue
            integration, entity = (
                table.path.split("/", 1) if table.container == SHARED_CONTAINER else (table.container, table.path)
            )
            writer: Writer = "dataFactory" if table.layer == "raw" else "synapse"
            found.append(PipelineOutput(table.layer, integration, entity, writer))  # type: ignore[arg-type]
    return tuple(found)


BUNDLED_PIPELINE_ENTITIES: tuple[PipelineOutput, ...] = _outputs()
