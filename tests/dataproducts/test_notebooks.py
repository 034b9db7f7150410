"""The notebook files: generated from the module, importing only what exists, and running end to end."""

from __future__ import annotations

import ast
import importlib
import json
import sys
from pathlib import Path

import pytest

from cloudscale.dataproducts import PRODUCT_MODULES, notebooks
from cloudscale.dataproducts.azureml import train_renewal

REPO = Path(__file__).resolve().parents[2]
PLATFORM_KEYS = {"lake.raw.account", "lake.workspace.account", "synapse.sparkPool"}


def _code_cells(document):
    return [c for c in document["properties"]["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("product", list(PRODUCT_MODULES))
def test_the_notebook_file_is_what_the_module_generates(product):
    path = notebooks.notebook_path(REPO / "pipelines", product)
    assert path.read_text(encoding="utf-8") == notebooks.render(notebooks.build_notebook(product)), (
        "regenerate with cloudscale.dataproducts.notebooks.write_notebooks('pipelines')"
    )
    assert json.loads(path.read_text())["name"] == f"nb_{PRODUCT_MODULES[product]}"


@pytest.mark.parametrize("product", list(PRODUCT_MODULES))
def test_code_cells_import_only_dataproducts_functions_that_exist(product):
    document = json.loads(notebooks.notebook_path(REPO / "pipelines", product).read_text())
    cells = _code_cells(document)
    assert cells[0]["metadata"] == {"tags": ["parameters"]}
    imported: dict[str, object] = {}
    used = 0
    for cell in cells:
        tree = ast.parse("".join(cell["source"]))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                raise AssertionError(f"plain import in {product}: {ast.unparse(node)}")
            if isinstance(node, ast.ImportFrom):
                if node.module in sys.stdlib_module_names:
                    continue
                assert node.module == "cloudscale.dataproducts", ast.unparse(node)
                for alias in node.names:
                    imported[alias.name] = importlib.import_module(f"cloudscale.dataproducts.{alias.name}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in imported:
                assert hasattr(imported[node.value.id], node.attr), f"{node.value.id}.{node.attr} does not exist"
                used += 1
    assert PRODUCT_MODULES[product] in imported and used >= 3


@pytest.mark.parametrize("product", list(PRODUCT_MODULES))
def test_platform_values_are_placeholders_the_deployment_resolves(product):
    text = notebooks.notebook_path(REPO / "pipelines", product).read_text()
    import re

    keys = set(re.findall(r"\{\{\s*([A-Za-z][A-Za-z0-9_.-]*)\s*\}\}", text))
    assert keys and keys <= PLATFORM_KEYS
    assert "abfss://" + product + "@{{ lake.workspace.account }}" in text


def _run(document, spark, overrides):
    """Run a notebook as Synapse does: the parameters cell, then the pipeline's values, then the rest."""
    scope = {"spark": spark, "__name__": "__notebook__"}
    cells = _code_cells(document)
    exec("".join(cells[0]["source"]), scope)
    scope.update(overrides)
    for cell in cells[1:]:
        exec(compile("".join(cell["source"]), document["name"], "exec"), scope)
    return scope


def _listing(folder):
    # Hadoop's local file system writes a hidden .crc checksum beside each file; ABFS does not.
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def test_every_notebook_runs_end_to_end_on_the_raw_layout(spark, raw_root, sample, tmp_path):
    base = {
        "raw_root": f"{raw_root}/{{integration}}",
        "output_format": "parquet",
        "as_of": sample.facts.as_of.isoformat(),
    }
    outputs = {}
    for product in PRODUCT_MODULES:
        document = notebooks.build_notebook(product)
        overrides = {**base, "output_root": str(tmp_path / product)}
        if product == "customer-service":
            overrides["interactions_path"] = str(raw_root / "service" / "interactions")
        if product == "customer-360":
            _run(document, spark, {**overrides, "stage": "features"})
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
                patch.setenv("MLFLOW_TRACKING_URI", (tmp_path / "mlruns").as_uri())
                train_renewal.main(
                    [
                        "--features",
                        str(tmp_path / product / "renewal_features"),
                        "--model-output",
                        str(tmp_path / product / "models/renewal"),
                    ]
                )
            overrides["stage"] = "score"
        _run(document, spark, overrides)
        outputs[product] = _listing(tmp_path / product)

    assert outputs["sales-analytics"] == ["order_status", "sales_summary"]
    assert outputs["relationship-mesh"] == sorted(
        ["calendardata", "impactscores", "interactions", "interactionsdata", "prospectingchecklist"]
    )
    assert outputs["customer-service"] == ["service_by_order", "service_to_revenue"]
    assert outputs["customer-360"] == ["models", "profiles", "renewal_features", "renewal_predictions"]
    assert outputs["customer-dimension"] == ["cdm"]
    cdm = _listing(tmp_path / "customer-dimension" / "cdm")
    assert cdm == [
        "Customer",
        "Customer.cdm.json",
        "CustomerAffinity",
        "CustomerAffinity.cdm.json",
        "default.manifest.cdm.json",
    ]
    predictions = spark.read.parquet(str(tmp_path / "customer-360" / "renewal_predictions"))
    assert predictions.count() > 0 and set(predictions.columns) == {
        "CustomerId",
        "RenewalPrediction",
        "RenewalPredictionScore",
    }


def test_a_bad_raw_table_fails_the_notebook_with_the_quality_message(spark, raw_root, sample, tmp_path):
    broken = tmp_path / "raw"
    for folder in raw_root.glob("*/*"):
        target = broken / folder.relative_to(raw_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(folder)
    (broken / "erp" / "sales_lines").unlink()
    spark.read.parquet(str(raw_root / "erp" / "sales_lines")).drop("Amount").write.parquet(
        str(broken / "erp" / "sales_lines")
    )
    document = notebooks.build_notebook("sales-analytics")
    overrides = {
        "raw_root": f"{broken}/{{integration}}",
        "output_root": str(tmp_path / "out"),
        "output_format": "parquet",
    }
    from cloudscale.dataproducts.quality import DataQualityError

    with pytest.raises(DataQualityError, match=r"sales_lines: missing required column\(s\) Amount"):
        _run(document, spark, overrides)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("product", list(PRODUCT_MODULES))
def test_the_published_list_matches_the_product_outputs(product):
    from cloudscale.dataproducts import PUBLISHES

    module = importlib.import_module(f"cloudscale.dataproducts.{PRODUCT_MODULES[product]}")
    published = [name.removeprefix("cdm/") for name in PUBLISHES[product] if not name.endswith(".json")]
    assert published == list(module.OUTPUTS)
