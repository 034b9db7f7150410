"""``cloudscale plan`` says, per zone, which data products run and what each publishes."""

from __future__ import annotations

import json

from cloudscale.cli.main import main
from cloudscale.dataproducts.contracts.products import PRODUCTS
from cloudscale.stacks.config import parse_config
from cloudscale.stacks.zone_pipelines import zone_data_products

from ..stacks.support import config_with, sales_zone

RUNS = {
    "sales-analytics": "notebook nb_sales_analytics in pl_master",
    "customer-360": "pl_customer_360 inlined in pl_master",
    "relationship-mesh": "notebook nb_relationship_mesh in pl_master",
    "customer-dimension": "notebook nb_customer_dimension in pl_master",
    "customer-service": "notebook nb_customer_service in pl_master",
}


def _published(product: str) -> list[str]:
    """What the serving layer reads of a product: its contract's Delta and CDM tables, in contract order."""
    return [t.path for t in PRODUCTS[product].writes if t.format in ("delta", "cdm")]


DEV_PRODUCTS = [{"product": p, "runs": runs, "publishes": _published(p)} for p, runs in RUNS.items()]


def test_plan_text_and_report_list_each_zone_products_and_their_tables(plan_reads_stack_runs, tmp_path, capsys):
    report = tmp_path / "plan.md"
    assert main(["plan", "--stack", "dev", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "Data products [sales]:\n  sales-analytics: notebook nb_sales_analytics in pl_master\n" in out
    customer_360 = ", ".join(_published("customer-360"))
    assert "curated/profiles" in customer_360
    assert (
        "  customer-360: pl_customer_360 inlined in pl_master\n"
        f"    publishes to workspace/customer-360: {customer_360}\n"
    ) in out
    markdown = report.read_text()
    assert "## Data products" in markdown
    cells = ", ".join(f"`{path}`" for path in _published("customer-360"))
    assert f"| sales | `customer-360` | pl_customer_360 inlined in pl_master | {cells} |" in markdown


def test_plan_json_lists_the_data_products_per_zone(plan_reads_stack_runs, capsys):
    assert main(["plan", "--stack", "dev", "--json", "--report", ""]) == 0
    assert json.loads(capsys.readouterr().out)["dataProducts"] == {"sales": DEV_PRODUCTS}


def test_a_product_that_does_not_run_says_why(dev_config):
    zone = sales_zone(dev_config)
    zone["dataProducts"] = [*zone["dataProducts"], "churn-model"]
    products = zone_data_products(parse_config(config_with(dev_config, landingZones=[zone])))
    assert products["sales"][-1] == {
        "product": "churn-model",
        "runs": "not run: no notebook nb_churn_model",
        "publishes": [],
    }
    zone["orchestration"] = {"enabled": False}
    products = zone_data_products(parse_config(config_with(dev_config, landingZones=[zone])))
    assert {p["runs"] for p in products["sales"]} == {"not run: orchestration is disabled"}
