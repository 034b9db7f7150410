"""The bundled notebooks and contracts: generated from the modules, importing only what exists, reading and
publishing through their contracts."""

from __future__ import annotations

import ast
import importlib
import json
import re
import sys
from pathlib import Path

import pytest

from cloudscale.dataproducts import lake, notebooks
from cloudscale.dataproducts.contracts import catalog
from cloudscale.dataproducts.quality import DataQualityError
from cloudscale.flow.notebook import code_cells, execute

REPO = Path(__file__).resolve().parents[2]
PLATFORM_KEYS = {"lake.raw.account", "lake.enriched.account", "lake.workspace.account", "synapse.sparkPool"}
SETS = list(notebooks.notebook_sets())


@pytest.mark.parametrize("set_name", SETS)
def test_the_notebook_file_is_what_the_module_generates(set_name):
    path = notebooks.notebook_path(REPO / "pipelines", set_name)
    assert path.read_text(encoding="utf-8") == notebooks.render(notebooks.build_notebook(set_name)), (
        "regenerate with cloudscale.dataproducts.notebooks.write_notebooks('pipelines')"
    )


def test_the_contract_files_are_what_the_declarations_generate():
    stale = [
        relative
        for relative, text in catalog.generated_files().items()
        if not (REPO / "pipelines" / relative).is_file()
        or (REPO / "pipelines" / relative).read_text(encoding="utf-8") != text
    ]
    assert not stale, "regenerate with cloudscale.dataproducts.contracts.catalog.write_generated('pipelines')"


@pytest.mark.parametrize("set_name", SETS)
def test_code_cells_import_only_dataproducts_functions_that_exist(set_name):
    document = json.loads(notebooks.notebook_path(REPO / "pipelines", set_name).read_text())
    cells = code_cells(document["properties"])
    assert cells[0]["metadata"] == {"tags": ["parameters"]}
    imported: dict[str, object] = {}
    used = 0
    for cell in cells:
        tree = ast.parse("".join(cell["source"]))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                raise AssertionError(f"plain import in {set_name}: {ast.unparse(node)}")
            if isinstance(node, ast.ImportFrom):
                if node.module in sys.stdlib_module_names:
                    continue
                assert node.module in ("cloudscale.dataproducts", "cloudscale.dataproducts.contracts"), ast.unparse(
                    node
                )
                for alias in node.names:
                    imported[alias.name] = importlib.import_module(f"{node.module}.{alias.name}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in imported:
                assert hasattr(imported[node.value.id], node.attr), f"{node.value.id}.{node.attr} does not exist"
                used += 1
    assert used >= 3


@pytest.mark.parametrize("set_name", SETS)
def test_platform_values_are_placeholders_the_deployment_resolves(set_name):
    text = notebooks.notebook_path(REPO / "pipelines", set_name).read_text()
    keys = set(re.findall(r"\{\{\s*([A-Za-z][A-Za-z0-9_.-]*)\s*\}\}", text))
    assert keys and keys <= PLATFORM_KEYS


def test_the_notebook_publishes_its_contract_and_a_bad_input_fails_it_with_the_quality_message(
    spark, enriched, tmp_path
):
    from pyspark.sql import functions as F

    roots = lake.Roots(enriched=f"{tmp_path}/enriched/{{container}}", workspace=f"{tmp_path}/work/{{container}}")
    for table_id, df in enriched.items():
        if catalog.table(table_id).container in ("crm", "erp"):
            lake.write_table(spark, df, roots, table_id, "setup")
    cells = code_cells(notebooks.build_notebook("sales_analytics")["properties"])
    parameters = {
        "enriched_root": roots.enriched,
        "workspace_root": roots.workspace,
        "window_end": "2026-07-01T00:00:00Z",
    }
    execute("nb_sales_analytics", cells, spark, parameters)
    published = sorted(p.name for p in (tmp_path / "work" / "sales-analytics" / "curated").iterdir())
    assert published == ["order_status", "quality_findings", "sales_summary"]

    # A writer that drops a declared column is refused before anything is written ...
    lines = lake.read_table(spark, roots, "enriched/erp/sales_lines").drop("Amount")
    with pytest.raises(DataQualityError, match=r"enriched/erp/sales_lines lacks declared column\(s\) Amount"):
        lake.write_table(spark, lines, roots, "enriched/erp/sales_lines", "a broken conform step")
    # ... and an input that breaks the product's own rule fails the notebook, naming input and rule.
    headers = lake.read_table(spark, roots, "enriched/erp/sales_headers")
    broken = headers.withColumn(
        "CustomerId", F.when(F.col("OrderId") == "SO000003", None).otherwise(F.col("CustomerId"))
    )
    lake.write_table(spark, broken, roots, "enriched/erp/sales_headers", "setup")
    with pytest.raises(
        DataQualityError, match=r"sales_headers: column CustomerId is \d+\.\d% null or blank, above the 0\.0% allowed"
    ):
        execute("nb_sales_analytics", cells, spark, parameters)
