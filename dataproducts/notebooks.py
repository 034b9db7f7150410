"""The Synapse notebooks of the bundled sets, as Synapse notebook JSON (Synapse Studio's git layout).

Each notebook is a thin I/O shell: a parameters cell (the lakes' roots, with platform values as
``{{ key }}`` placeholders the deployment resolves from the zone's outputs, and the window the master
pipeline runs for), then cells that read the tables its set's contract names, call the pure functions
of ``cloudscale.dataproducts`` and publish what the contract says it writes. ``write_notebooks``
regenerates ``pipelines/<set>/notebook/nb_<name>.json``; a test keeps the files and this module identical.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cloudscale.dataproducts import PRODUCT_MODULES

SPARK_POOL = "{{ synapse.sparkPool }}"
COSMOS_LINKED_SERVICE = "ls_cosmos_customer_service"
CONFORM_SETS = {"crm_conform": "crm", "erp_conform": "erp", "leasing_conform": "leasing", "m365_conform": "m365"}
LINK_SET = "customer_service_link"

PARAMETERS = (
    "# Parameters: the pipeline sets them; platform values are resolved when the notebook is deployed.\n"
    'raw_root = "abfss://{container}@{{ lake.raw.account }}.dfs.core.windows.net"\n'
    'enriched_root = "abfss://{container}@{{ lake.enriched.account }}.dfs.core.windows.net"\n'
    'workspace_root = "abfss://{container}@{{ lake.workspace.account }}.dfs.core.windows.net"\n'
    "# The window the master pipeline runs for (ISO 8601, UTC); the business date is the day it ends in.\n"
    'window_start = ""\n'
    'window_end = ""\n'
    "# A business date (ISO) instead of the window's, for a run by hand.\n"
    'as_of = ""\n'
)
_INTEGRATION = "from cloudscale.dataproducts.contracts import integration"
_ROOTS = "roots = lake.Roots(raw=raw_root, enriched=enriched_root, workspace=workspace_root)\n"
_BUSINESS_DATE = "run_date = lake.business_date(window_end, as_of)\n"


def _header(imports: str) -> str:
    return f"{imports}\n\n{_ROOTS}{_BUSINESS_DATE}"


def _conform_cells(set_name: str, source: str) -> list[tuple[str, str]]:
    raw = {"crm": "CRM_RAW", "erp": "ERP_RAW", "leasing": "LEASING_RAW", "m365": "M365_RAW"}[source]
    extra = "# The organisation's base language: the Choice labels the conformed tables carry.\nlanguage = 1033\n"
    call = (
        f"conform.conform_{source}(raw, language=int(language))"
        if source == "crm"
        else f"conform.conform_{source}(raw)"
    )
    return [
        (
            "markdown",
            f"# Conform {source}\n\nEvery window of raw/{source} up to the run's window, turned into the enriched"
            " tables its contract declares: business names, types, the latest version of each key.",
        ),
        ("parameters", PARAMETERS + (extra if source == "crm" else "")),
        (
            "code",
            _header(f"from cloudscale.dataproducts import conform, lake\n{_INTEGRATION}")
            + f"raw = {{t.id: lake.read_windows(spark, roots, t, until=window_end) for t in integration.{raw}}}\n",
        ),
        ("code", f"tables = {call}\n"),
        (
            "code",
            f'print(lake.publish(spark, roots, integration.{set_name.upper()}, tables, "nb_{set_name}"))\n',
        ),
    ]


def _link_cells() -> list[tuple[str, str]]:
    return [
        (
            "markdown",
            "# Customer-service link\n\nThe customer-service container's analytical store, read with `cosmos.olap`"
            " through the workspace's Cosmos DB linked service (managed identity, no keys, no load on the"
            " operational store), snapshotted as the enriched table its contract declares.",
        ),
        (
            "parameters",
            PARAMETERS + "# The Cosmos DB analytical store: the workspace's linked service.\n"
            f'linked_service = "{COSMOS_LINKED_SERVICE}"\n',
        ),
        (
            "code",
            _header(f"from cloudscale.dataproducts import cosmos, lake\n{_INTEGRATION}")
            + 'store = lake.read_cosmos_analytical(spark, linked_service, "interactions")\n',
        ),
        ("code", "snapshot = cosmos.snapshot(store, integration.INTERACTIONS, window_end)\n"),
        (
            "code",
            "tables = {integration.INTERACTIONS.id: snapshot}\n"
            f'print(lake.publish(spark, roots, integration.CUSTOMER_SERVICE_LINK, tables, "nb_{LINK_SET}"))\n',
        ),
    ]


# The findings a product reports without stopping, in the run's log beside the published table.
_FINDINGS = ("code", "print(cleansing.summary(outputs[cleansing.FINDINGS]))\n")


def _product_cells(title: str, text: str, build: str, module: str, extra: str = "") -> list[tuple[str, str]]:
    return [
        ("markdown", f"# {title}\n\n{text}"),
        ("parameters", PARAMETERS + extra),
        (
            "code",
            _header(f"from cloudscale.dataproducts import cleansing, lake, {module}")
            + f"inputs = lake.read_inputs(spark, roots, {module}.INPUTS)\n",
        ),
        ("code", f"outputs = {build}\n"),
        ("code", f'print(lake.publish(spark, roots, {module}.CONTRACT, outputs, "nb_{module}"))\n'),
        _FINDINGS,
    ]


def _sales_analytics_cells(module: str) -> list[tuple[str, str]]:
    return _product_cells(
        "Sales analytics",
        "CRM customers joined with ERP sales: revenue by customer, territory and month; open orders; payment status.",
        f"{module}.build(inputs, as_of=run_date)",
        module,
    )


def _relationship_mesh_cells(module: str) -> list[tuple[str, str]]:
    cells = _product_cells(
        "Relationship mesh",
        "Seller-account relationship scores from Microsoft 365 mail and meetings, the prospecting checklist and"
        " the calendar.",
        f"{module}.build(inputs, as_of=run_date, tiers=[t.strip() for t in checklist_tiers.split(',') if t.strip()])",
        module,
        '# Account tiers the prospecting checklist covers.\nchecklist_tiers = "Tier 1,Tier 2,Tier 3"\n',
    )
    return cells


def _customer_service_cells(module: str) -> list[tuple[str, str]]:
    return _product_cells(
        "Customer service to revenue",
        "The customer-service cases (the Cosmos DB container's snapshot the link publishes) joined with ERP orders.",
        f"{module}.build(inputs, as_of=run_date)",
        module,
    )


def _customer_dimension_cells(module: str) -> list[tuple[str, str]]:
    cells = _product_cells(
        "Enhanced customer dimension",
        "The unified customer with churn score and affinities, written as a Common Data Model folder (manifest,"
        " entity documents, parquet partitions) for serverless SQL.",
        f"{module}.build(inputs, as_of=run_date)",
        module,
    )
    cells[-2] = (
        "code",
        f'written = lake.publish(spark, roots, {module}.CONTRACT, outputs, "nb_{module}")\n'
        f'cdm_root = lake.join(roots.workspace.format(container="customer-dimension"), {module}.CDM_FOLDER)\n'
        f"for path, text in {module}.cdm_documents(outputs).items():\n"
        "    lake.write_text(spark, lake.join(cdm_root, path), text)\n"
        "    written.append(lake.join(cdm_root, path))\n"
        "print(written)\n",
    )
    return cells


def _customer_360_cells(module: str) -> list[tuple[str, str]]:
    return [
        (
            "markdown",
            "# Customer 360\n\nStage `features`: unified profiles and renewal features. The Azure ML job"
            " `lease-renewal-training` then trains the model. Stage `score`: renewal predictions per customer.",
        ),
        (
            "parameters",
            PARAMETERS + '# "features" before the Azure ML training job, "score" after it.\nstage = "features"\n',
        ),
        (
            "code",
            _header(f"from cloudscale.dataproducts import cleansing, lake, {module}")
            + 'if stage not in ("features", "score"):\n'
            '    raise ValueError(f"stage must be features or score, not {stage!r}")\n',
        ),
        (
            "code",
            'if stage == "features":\n'
            f"    inputs = lake.read_inputs(spark, roots, {module}.INPUTS)\n"
            f"    outputs = {module}.build_features(inputs, as_of=run_date)\n"
            f'    print(lake.publish(spark, roots, {module}.CONTRACT, outputs, "nb_{module}"))\n'
            "    print(cleansing.summary(outputs[cleansing.FINDINGS]))\n",
        ),
        (
            "code",
            'if stage == "score":\n'
            f"    features = lake.read_table(spark, roots, {module}.FEATURES)\n"
            f'    model_file = lake.join(roots.location({module}.MODEL), "model.json")\n'
            f"    model = {module}.load_model(lake.read_text(spark, model_file))\n"
            f"    outputs = {module}.build_predictions(features, model)\n"
            f'    print(lake.publish(spark, roots, {module}.CONTRACT, outputs, "nb_{module}"))\n',
        ),
    ]


_PRODUCT_CELLS: dict[str, Callable[[str], list[tuple[str, str]]]] = {
    "sales-analytics": _sales_analytics_cells,
    "relationship-mesh": _relationship_mesh_cells,
    "customer-service": _customer_service_cells,
    "customer-dimension": _customer_dimension_cells,
    "customer-360": _customer_360_cells,
}


def notebook_sets() -> dict[str, str]:
    """Set name -> the notebook it holds, for every bundled notebook."""
    found = {name: f"nb_{name}" for name in CONFORM_SETS}
    found[LINK_SET] = f"nb_{LINK_SET}"
    found.update({module: f"nb_{module}" for module in PRODUCT_MODULES.values()})
    return found


def _cells(set_name: str) -> list[tuple[str, str]]:
    if set_name in CONFORM_SETS:
        return _conform_cells(set_name, CONFORM_SETS[set_name])
    if set_name == LINK_SET:
        return _link_cells()
    product = next(p for p, m in PRODUCT_MODULES.items() if m == set_name)
    return _PRODUCT_CELLS[product](set_name)


def _source(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    return lines or [""]


def build_notebook(set_name: str) -> dict[str, Any]:
    """The Synapse notebook document of one bundled set (``nb_<set>``)."""
    cells = []
    for kind, text in _cells(set_name):
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
        "name": f"nb_{set_name}",
        "properties": {
            "description": f"{set_name}: reads the tables its contract names, writes the tables it declares.",
            "folder": {
                "name": "cloudscale/dataproducts" if set_name in PRODUCT_MODULES.values() else "cloudscale/integration"
            },
            "nbformat": 4,
            "nbformat_minor": 2,
            "bigDataPool": {"referenceName": SPARK_POOL, "type": "BigDataPoolReference"},
            "sessionProperties": {
                "driverMemory": "28g",
                "driverCores": 4,
                "executorMemory": "28g",
                "executorCores": 4,
                "numExecutors": 2,
                "conf": {"spark.dynamicAllocation.enabled": "false", "spark.sql.session.timeZone": "UTC"},
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


def notebook_path(root: str | Path, set_name: str) -> Path:
    return Path(root, set_name, "notebook", f"nb_{set_name}.json")


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=4, ensure_ascii=False) + "\n"


def write_notebooks(pipelines_root: str | Path) -> list[Path]:
    """Write every bundled notebook under ``pipelines_root``; returns the files."""
    written = []
    for set_name in notebook_sets():
        path = notebook_path(pipelines_root, set_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(build_notebook(set_name)), encoding="utf-8")
        written.append(path)
    return written
