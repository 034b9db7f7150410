"""The ingestion pipelines' item lists, generated from the sources' contracts.

Each ingestion pipeline copies its source's tables in a ForEach over a parameter array; each item names
the source table, the raw folder it lands in (the table's own name) and the columns the copy maps, under
the source's own names (a ``TabularTranslator``: without one the service infers the schema from sampled
rows and leaves out columns that are empty there; Learn, "Copy and transform data in Dynamics 365
(Microsoft Dataverse) or Dynamics CRM", "Data type mapping"). So what raw holds is exactly what the raw
contracts declare, and ``cloudscale.dataproducts.contracts`` stays the one place that says it. A test keeps
the bundled pipelines' defaults identical to these lists.
"""

from __future__ import annotations

from typing import Any

from cloudscale.dataproducts.contracts import sources
from cloudscale.dataproducts.contracts.integration import INGESTED, raw_folder
from cloudscale.dataproducts.contracts.model import Table

# Copy's interim types for the contracts' Spark types (Learn, "Data type mapping in copy activity").
_INTERIM = {
    "string": "String",
    "boolean": "Boolean",
    "int": "Int32",
    "bigint": "Int64",
    "double": "Double",
    "timestamp": "DateTime",
    "date": "DateTime",
}


def _interim(spark_type: str) -> str:
    return "Decimal" if spark_type.startswith("decimal") else _INTERIM.get(spark_type, "String")


def mappings(table: Table) -> list[dict[str, Any]]:
    """The translator's column mappings: every contract column, source name to the same sink name."""
    return [{"source": {"name": c.name, "type": _interim(c.type)}, "sink": {"name": c.name}} for c in table.columns]


def _folder(source: Table) -> str:
    return next((raw.path for src, raw in INGESTED if src.id == source.id), raw_folder(source))


def crm_entities() -> list[dict[str, Any]]:
    """Per Dataverse table: its logical name, the FetchXML attributes to read, the column its window filters
    on (``stringmap`` has none: it is copied whole each window), its raw folder and column mappings."""
    return [
        {
            "entity": table.path,
            "attributes": "".join(f'<attribute name="{c.name}"/>' for c in table.columns),
            "watermark": table.watermark,
            "folder": _folder(table),
            "columns": mappings(table),
        }
        for table in sources.DATAVERSE_TABLES
    ]


def erp_tables() -> list[dict[str, Any]]:
    """Per ERP table: schema, table, the select list, the column its window filters on, folder, mappings."""
    found = []
    for table in sources.ERP_TABLES:
        schema, name = table.path.split(".", 1)
        found.append(
            {
                "schema": schema,
                "table": name,
                "select": ", ".join(f"[{c.name}]" for c in table.columns),
                "watermark": table.watermark,
                "folder": _folder(table),
                "columns": mappings(table),
            }
        )
    return found


def leasing_extracts() -> list[dict[str, Any]]:
    """Per extract of the property system: its drop folder, raw folder and the header's columns."""
    return [
        {"extract": table.path.rsplit("/", 1)[-1], "folder": _folder(table), "columns": mappings(table)}
        for table in sources.LEASING_TABLES
    ]


def m365_datasets() -> list[dict[str, Any]]:
    """Per Graph Data Connect dataset: its table, raw folder, the column its window filters on and the output
    columns to extract (nothing beyond what the contract names: no bodies, no attachments)."""
    return [
        {
            "table": table.path,
            "folder": _folder(table),
            "dateFilterColumn": table.watermark,
            "columns": [{"name": c.name} for c in table.columns],
        }
        for table in sources.MGDC_TABLES
    ]


ITEMS = {
    ("crm_ingestion", "pl_crm_ingestion", "entities"): crm_entities,
    ("erp_ingestion", "pl_erp_ingestion", "tables"): erp_tables,
    ("leasing_ingestion", "pl_leasing_ingestion", "extracts"): leasing_extracts,
    ("m365_ingestion", "pl_m365_ingestion", "datasets"): m365_datasets,
}
"""(set, pipeline, parameter) -> the function that generates the parameter's default."""


def write_items(pipelines_root: str) -> list[str]:
    """Set each ingestion pipeline's item parameter to the generated list; returns the files changed."""
    import json
    from pathlib import Path

    changed = []
    for (set_name, pipeline, parameter), generate in ITEMS.items():
        path = Path(pipelines_root, set_name, "pipeline", f"{pipeline}.json")
        document = json.loads(path.read_text(encoding="utf-8"))
        document["properties"]["parameters"][parameter]["defaultValue"] = generate()
        text = json.dumps(document, indent=4, ensure_ascii=False) + "\n"
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(str(path))
    return changed
