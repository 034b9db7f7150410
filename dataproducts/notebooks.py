"""The data-product notebooks as Synapse notebook JSON (Synapse Studio's git layout).

Each notebook is a thin I/O shell: a parameters cell (platform values are ``{{ key }}`` placeholders
the pipeline deployment resolves from the zone's component outputs), then cells that read the lake,
call the product's pure functions (which check their inputs first) and write the curated tables.
``write_notebooks`` regenerates ``pipelines/<product>/notebook/nb_<product>.json``; a test keeps the
files and this module identical.

Raw tables live in the raw lake as ``abfss://<integration>@<raw account>/<entity>``, the layout the
ingestion pipelines write; each product writes to its own container of the workspace lake.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cloudscale.dataproducts import PRODUCT_MODULES

RAW_ROOT = "abfss://{integration}@{{ lake.raw.account }}.dfs.core.windows.net"
SPARK_POOL = "{{ synapse.sparkPool }}"
COSMOS_LINKED_SERVICE = "ls_cosmos_customer_service"


def product_root(product: str) -> str:
    return f"abfss://{product}@{{{{ lake.workspace.account }}}}.dfs.core.windows.net"


def _parameters(product: str, extra: str = "") -> str:
    return (
        "# Parameters: the pipeline sets them; platform values are resolved when the notebook is deployed.\n"
        f'raw_root = "{RAW_ROOT}"\n'
        f'output_root = "{product_root(product)}"\n'
        "# Curated tables are Delta on the Synapse Spark 3.5 runtime; any Spark format name works here.\n"
        'output_format = "delta"\n'
        "# The business date (ISO); empty means the master pipeline's window end, or else today.\n"
        'as_of = ""\n'
        'window_end = ""\n' + extra
    )


_RUN_DATE = (
    "from datetime import date, datetime, timezone\n\n"
    "business_date = as_of or window_end[:10]\n"
    "run_date = date.fromisoformat(business_date) if business_date else datetime.now(timezone.utc).date()\n"
)


def _sales_analytics_cells(product: str, module: str, read: str, write: str) -> list[tuple[str, str]]:
    return [
        (
            "markdown",
            "# Sales analytics\n\nCRM customers joined with ERP sales: revenue by customer, territory and month;"
            " open orders; payment status.",
        ),
        ("parameters", _parameters(product)),
        ("code", f"from cloudscale.dataproducts import lake, quality, {module}\n\n{read}"),
        ("code", f"outputs = {module}.build(inputs)\n"),
        ("code", write),
    ]


def _relationship_mesh_cells(product: str, module: str, read: str, write: str) -> list[tuple[str, str]]:
    return [
        (
            "markdown",
            "# Relationship mesh\n\nSeller-account relationship scores from Microsoft 365 mail and meetings,"
            " the prospecting checklist and the calendar.",
        ),
        (
            "parameters",
            _parameters(
                product,
                '# Account tiers the prospecting checklist covers.\nchecklist_tiers = "Tier 1,Tier 2,Tier 3"\n',
            ),
        ),
        ("code", f"{_RUN_DATE}\nfrom cloudscale.dataproducts import lake, quality, {module}\n\n{read}"),
        (
            "code",
            'tiers = [t.strip() for t in checklist_tiers.split(",") if t.strip()]\n'
            f"outputs = {module}.build(inputs, as_of=run_date, tiers=tiers)\n",
        ),
        ("code", write),
    ]


def _customer_service_cells(product: str, module: str, read: str, write: str) -> list[tuple[str, str]]:
    return [
        (
            "markdown",
            "# Customer service to revenue\n\nThe customer-service Cosmos DB container, read from its analytical"
            " store (Synapse Link, no ETL), joined with ERP orders.",
        ),
        (
            "parameters",
            _parameters(
                product,
                "# The Cosmos DB analytical store: the workspace's linked service and the container.\n"
                f'cosmos_linked_service = "{COSMOS_LINKED_SERVICE}"\n'
                'interactions_container = "interactions"\n'
                "# Empty reads the analytical store; a path reads a snapshot of the container instead.\n"
                'interactions_path = ""\n',
            ),
        ),
        (
            "code",
            f"from cloudscale.dataproducts import lake, quality, {module}\n\n"
            f'orders = {{k: v for k, v in {module}.INPUTS.items() if k != "interactions"}}\n'
            + _read_raw("inputs", module, "orders")
            + 'inputs["interactions"] = (\n'
            "    spark.read.parquet(interactions_path)\n"
            "    if interactions_path\n"
            "    else lake.read_cosmos_analytical(spark, cosmos_linked_service, interactions_container)\n"
            ")\n",
        ),
        ("code", f"outputs = {module}.build(inputs)\n"),
        ("code", write),
    ]


def _customer_dimension_cells(product: str, module: str, read: str, write: str) -> list[tuple[str, str]]:
    return [
        (
            "markdown",
            "# Enhanced customer dimension\n\nThe unified customer with churn score and affinities, written as a"
            " Common Data Model folder (manifest, entity documents, parquet partitions) for serverless SQL.",
        ),
        (
            "parameters",
            _parameters(product, '# The CDM folder inside the product container.\ncdm_folder = "cdm"\n'),
        ),
        ("code", f"{_RUN_DATE}\nfrom cloudscale.dataproducts import lake, quality, {module}\n\n{read}"),
        ("code", f"outputs = {module}.build(inputs, as_of=run_date)\n"),
        (
            "code",
            "# CDM partitions are plain parquet whatever output_format says (see customer_dimension).\n"
            "cdm_root = lake.join(output_root, cdm_folder)\n"
            'written = lake.write_tables(outputs, cdm_root, fmt="parquet")\n'
            f"for path, text in {module}.cdm_documents(outputs).items():\n"
            "    lake.write_text(spark, lake.join(cdm_root, path), text)\n"
            "    written.append(lake.join(cdm_root, path))\n"
            "print(written)\n",
        ),
    ]


def _customer_360_cells(product: str, module: str, read: str, write: str) -> list[tuple[str, str]]:
    return [
        (
            "markdown",
            "# Customer 360\n\nStage `features`: unified profiles and renewal features. The Azure ML job"
            " `lease-renewal-training` then trains the model. Stage `score`: renewal predictions per customer.",
        ),
        (
            "parameters",
            _parameters(
                product,
                '# "features" before the Azure ML training job, "score" after it.\n'
                'stage = "features"\n'
                '# Where the training job writes model.json (its output "model").\n'
                'model_folder = "models/renewal"\n',
            ),
        ),
        (
            "code",
            f"from cloudscale.dataproducts import lake, quality, {module}\n\n"
            'if stage not in ("features", "score"):\n'
            '    raise ValueError(f"stage must be features or score, not {stage!r}")\n',
        ),
        (
            "code",
            'if stage == "features":\n'
            + _read_raw("    inputs", module, f"{module}.FEATURE_INPUTS")
            + f"    outputs = {module}.build_features(inputs)\n"
            "    # The training job reads the features with pyarrow: plain parquet, not Delta.\n"
            '    written = lake.write_tables({"profiles": outputs["profiles"]}, output_root, fmt=output_format)\n'
            '    features = {"renewal_features": outputs["renewal_features"]}\n'
            '    written += lake.write_tables(features, output_root, fmt="parquet")\n'
            "    print(written)\n",
        ),
        (
            "code",
            'if stage == "score":\n'
            '    features = spark.read.parquet(lake.join(output_root, "renewal_features"))\n'
            '    model_json = lake.read_text(spark, lake.join(output_root, model_folder, "model.json"))\n'
            f"    model = {module}.load_model(model_json)\n"
            f"    outputs = {module}.build_predictions(features, model)\n"
            "    print(lake.write_tables(outputs, output_root, fmt=output_format))\n",
        ),
    ]


_CELLS: dict[str, Callable[[str, str, str, str], list[tuple[str, str]]]] = {
    "sales-analytics": _sales_analytics_cells,
    "relationship-mesh": _relationship_mesh_cells,
    "customer-service": _customer_service_cells,
    "customer-dimension": _customer_dimension_cells,
    "customer-360": _customer_360_cells,
}


def _read_raw(target: str, module: str, paths: str) -> str:
    """The notebook line that reads ``paths`` from raw, keeping each keyed input's latest window."""
    return f"{target} = lake.read_raw(spark, raw_root, {paths}, keys=quality.keys({module}.EXPECTATIONS))\n"


def _cells(product: str) -> list[tuple[str, str]]:
    """(kind, source) cells of one notebook; kind is markdown, parameters or code."""
    module = PRODUCT_MODULES[product]
    read = _read_raw("inputs", module, f"{module}.INPUTS")
    write = "written = lake.write_tables(outputs, output_root, fmt=output_format)\nprint(written)\n"
    return _CELLS[product](product, module, read, write)


def _source(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    return lines or [""]


def build_notebook(product: str) -> dict[str, Any]:
    """The Synapse notebook document ``nb_<module>`` of one data product."""
    module = PRODUCT_MODULES[product]
    cells = []
    for kind, text in _cells(product):
        if kind == "markdown":
            cells.append({"cell_type": "markdown", "metadata": {}, "source": _source(text)})
        else:
            metadata = {"tags": ["parameters"]} if kind == "parameters" else {}
            cells.append(
                {
                    "cell_type": "code",
                    "metadata": metadata,
                    "source": _source(text),
                    "execution_count": None,
                    "outputs": [],
                }
            )
    return {
        "name": f"nb_{module}",
        "properties": {
            "description": f"Data product {product}: reads the lake, checks its inputs, writes the curated tables.",
            "folder": {"name": "cloudscale/dataproducts"},
            "nbformat": 4,
            "nbformat_minor": 2,
            "bigDataPool": {"referenceName": SPARK_POOL, "type": "BigDataPoolReference"},
            "sessionProperties": {
                "driverMemory": "28g",
                "driverCores": 4,
                "executorMemory": "28g",
                "executorCores": 4,
                "numExecutors": 2,
                "conf": {
                    "spark.dynamicAllocation.enabled": "false",
                    "spark.sql.session.timeZone": "UTC",
                },
            },
            "metadata": {
                "saveOutput": True,
                "enableDebugMode": False,
                "kernelspec": {"name": "synapse_pyspark", "display_name": "Synapse PySpark"},
                "language_info": {"name": "python"},
            },
            "cells": cells,
        },
    }


def notebook_path(root: str | Path, product: str) -> Path:
    module = PRODUCT_MODULES[product]
    return Path(root, module, "notebook", f"nb_{module}.json")


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=4, ensure_ascii=False) + "\n"


def write_notebooks(pipelines_root: str | Path) -> list[Path]:
    """Write every product's notebook under ``pipelines_root``; returns the files."""
    written = []
    for product in PRODUCT_MODULES:
        path = notebook_path(pipelines_root, product)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(build_notebook(product)), encoding="utf-8")
        written.append(path)
    return written
