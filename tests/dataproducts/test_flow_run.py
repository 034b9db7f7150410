"""``cloudscale flow run --stack dev``: the dev zone's master pipeline played end to end on local Spark, from
source-shaped extracts to the serving views, checked through the views as Power BI would read them."""

from __future__ import annotations

import json
from collections import defaultdict

import duckdb
import pytest

from cloudscale.cli.main import main
from cloudscale.dataproducts.sample_data import generate


@pytest.fixture(scope="module")
def flow(spark, tmp_path_factory):
    """Two runs of the same first-load window into one folder, as a retried window would be."""
    out = tmp_path_factory.mktemp("flow")
    first = main(["flow", "run", "--stack", "dev", "--out", str(out), "--json"])
    report = json.loads((out / "flow-report.json").read_text())
    snapshot = _views(out)
    second = main(["flow", "run", "--stack", "dev", "--out", str(out), "--json"])
    return {"exit": (first, second), "report": report, "first": snapshot, "second": _views(out), "out": out}


def _views(out):
    connection = duckdb.connect(str(out / "serving.duckdb"), read_only=True)
    try:
        names = connection.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'VIEW'"
        ).fetchall()
        return {
            f"{schema}.{name}": sorted(connection.execute(f'SELECT * FROM "{schema}"."{name}"').fetchall(), key=repr)
            for schema, name in names
        }
    finally:
        connection.close()


def _query(flow, sql):
    connection = duckdb.connect(str(flow["out"] / "serving.duckdb"), read_only=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def facts():
    return generate("small").facts


def test_the_master_pipeline_succeeds_and_every_view_has_rows(flow):
    assert flow["exit"] == (0, 0), flow["report"]["run"]["errors"]
    assert flow["report"]["status"] == "Succeeded"
    views = flow["report"]["views"]
    assert {
        "sales_analytics.sales_summary",
        "relationship_mesh.impactscores",
        "customer_360.renewal_predictions",
        "customer_dimension.Customer",
        "customer_service.service_to_revenue",
    } <= set(views)
    assert all(rows > 0 for rows in views.values()), views


def test_a_cancelled_order_brings_no_revenue(flow, facts):
    data = generate("small")
    status = {h["OrderId"]: h["Status"] for h in data.tables["enriched/erp/sales_headers"]}
    customer = {h["OrderId"]: h["CustomerId"] for h in data.tables["enriched/erp/sales_headers"]}
    expected: dict[str, float] = defaultdict(float)
    for line in data.tables["enriched/erp/sales_lines"]:
        if status[line["OrderId"]] != "Cancelled":
            expected[customer[line["OrderId"]]] += line["Amount"]
    revenue = dict(_query(flow, "SELECT CustomerId, sum(Revenue) FROM sales_analytics.sales_summary GROUP BY 1"))
    assert revenue.keys() == expected.keys()
    assert all(abs(revenue[c] - expected[c]) < 0.05 for c in expected)
    cancelled = _query(
        flow,
        "SELECT PaymentStatus, Outstanding FROM sales_analytics.order_status "
        f"WHERE OrderId = '{facts.cancelled_order_id}'",
    )
    assert cancelled == [("Cancelled", 0.0)]


def test_the_duplicate_customer_is_merged_into_its_earliest_record(flow, facts):
    survivor, duplicate = facts.duplicate_customer_ids
    rows = _query(flow, "SELECT CustomerId, SourceCustomerIds FROM customer_dimension.Customer")
    merged = dict(rows)
    assert merged[survivor] == f"{survivor},{duplicate}" and duplicate not in merged


def test_the_planted_relationship_ranks_first(flow, facts):
    top = _query(
        flow,
        "SELECT SellerId, AccountId, ImpactScore FROM relationship_mesh.impactscores ORDER BY ImpactScore DESC LIMIT 1",
    )
    assert top == [(facts.top_seller_id, facts.top_account_id, 100.0)]


def test_the_known_leaver_is_predicted_not_to_renew(flow, facts):
    rows = _query(
        flow,
        "SELECT p.RenewalPrediction FROM customer_360.renewal_predictions p JOIN customer_360.profiles f "
        f"USING (CustomerId) WHERE f.ResidentIds LIKE '%\"{facts.likely_leaver_resident_id}\"%'",
    )
    assert rows == [("N",)]


def test_running_the_same_window_again_leaves_the_views_as_one_run_left_them(flow):
    assert flow["first"] == flow["second"]
    assert flow["first"], "no views were created"


def test_the_report_draws_the_lineage_from_sources_to_serving(flow):
    edges = {(e["from"].split("/")[0], e["to"].split("/")[0]) for e in flow["report"]["lineage"]}
    assert {
        ("dataverse", "raw"),
        ("erp", "raw"),
        ("raw", "enriched"),
        ("enriched", "workspace"),
        ("workspace", "serving"),
    } <= edges
    assert (flow["out"] / "flow-report.md").read_text().count("```mermaid") == 1


def test_every_product_reports_its_planted_findings_through_the_serving_views(flow, facts):
    found = set(_query(flow, "SELECT 'sales', Rule, RecordKey FROM sales_analytics.quality_findings"))
    for schema in ("customer_360", "relationship_mesh", "customer_dimension", "customer_service"):
        found |= set(_query(flow, f"SELECT '{schema}', Rule, RecordKey FROM {schema}.quality_findings"))
    assert {
        ("sales", "OverlappingTerritoryAssignment", facts.overlapped_assignment_id),
        ("customer_360", "NoEmailToMatch", facts.no_email_resident_id),
        ("customer_360", "NoEmailToMatch", facts.blank_email_contact_ids[0]),
        ("relationship_mesh", "AmbiguousContactAddress", facts.duplicate_contact_ids[1]),
        ("relationship_mesh", "OnlineDetailsMissing", facts.no_online_details_event_id),
        ("customer_dimension", "MultipleBillingAddresses", facts.two_billing_customer_id),
        ("customer_dimension", "ErpCustomerWithoutCrmAccount", facts.erp_only_customer_id.removeprefix("ERP-")),
        ("customer_service", "CsatOutOfRange", facts.out_of_range_case_id),
    } <= found
    steps = json.dumps(flow["report"]["run"])
    assert "OverlappingTerritoryAssignment (territory_assignments): 1" in steps


def test_the_new_computations_answer_through_the_views(flow, facts):
    delivery = _query(
        flow, f"SELECT DeliveryStatus FROM sales_analytics.order_status WHERE OrderId = '{facts.in_transit_order_id}'"
    )
    assert delivery == [("In transit",)]
    seller, account = facts.second_seller
    sellers = _query(
        flow,
        "SELECT SellerId, PrimaryCaller_Flag, RankInAccount FROM relationship_mesh.sellerscores "
        f"WHERE AccountId = '{account}' ORDER BY RankInAccount",
    )
    assert len(sellers) == 2 and (seller, 0) in {(s, p) for s, p, _ in sellers}
    erp_id, crm_id = facts.erp_name_match
    unified = dict(_query(flow, "SELECT CustomerId, Sources || ' ' || ErpCustomerIds FROM customer_dimension.Customer"))
    assert erp_id in unified[crm_id].split(" ")[1].split(",") and unified[crm_id].startswith("CRM,ERP")
    assert unified[facts.erp_only_customer_id].startswith("ERP ")
    billing = _query(
        flow, f"SELECT City FROM customer_dimension.Customer WHERE CustomerId = '{facts.two_billing_customer_id}'"
    )
    assert billing == [(facts.billing_city,)]
    measures = _query(
        flow,
        "SELECT count(*), sum(Tenancies), count(LifetimeValue), min(CsatScore) >= 0 AND max(CsatScore) <= 100 "
        "FROM customer_360.profiles",
    )
    assert measures[0][1] > 0 and measures[0][2] > 0 and measures[0][3]
    segments = {s for (s,) in _query(flow, "SELECT DISTINCT Segment FROM customer_360.segments")}
    assert "LeaseEndingSoon" in segments
    meetings = dict(
        _query(
            flow,
            "SELECT SourceId, LocationFlag FROM relationship_mesh.interactions "
            f"WHERE SourceId IN ('{facts.meeting_room_event_id}', '{facts.customer_organised_event_id}')",
        )
    )
    assert meetings == {facts.meeting_room_event_id: "InPerson", facts.customer_organised_event_id: "InPerson"}


# --- The semantic models over the run's serving views (the measures Power BI would evaluate) ---


def _measure(flow, product, measure, group_by=(), filters=None):
    """A bundled semantic model's measure, as its TMDL reads it, evaluated over the run's serving views."""
    from cloudscale.dataproducts.contracts import semantic
    from cloudscale.pipelines import dax
    from cloudscale.pipelines.definitions import bundled_root, load_set

    model = semantic.MODELS[product]
    definitions, _ = load_set(bundled_root() / model.set_name)
    resolved = dax.resolve(definitions.semantic_models[0])
    sql = dax.to_sql(
        resolved,
        measure,
        [dax.Column(t, c) for t, c in group_by],
        {dax.Column(t, c): v for (t, c), v in (filters or {}).items()},
    )
    return _query(flow, sql)


def test_the_semantic_models_measures_give_the_planted_figures(flow, facts):
    data = generate("small")
    headers = {h["OrderId"]: h for h in data.tables["enriched/erp/sales_headers"]}
    revenue: dict[str, float] = defaultdict(float)
    for line in data.tables["enriched/erp/sales_lines"]:
        if headers[line["OrderId"]]["Status"] != "Cancelled":
            revenue[headers[line["OrderId"]]["CustomerId"]] += line["Amount"]

    # Seed 002: revenue by territory and month; the reassigned customer's revenue splits across territories.
    ((total,),) = _measure(flow, "sales-analytics", "Revenue")
    assert abs(total - sum(revenue.values())) < 0.05
    reassigned = {("sales_summary", "CustomerId"): facts.reassigned_customer_id}
    by_territory = _measure(flow, "sales-analytics", "Revenue", [("sales_summary", "Territory")], reassigned)
    assert {territory for territory, _ in by_territory} == {facts.old_territory, facts.new_territory}
    assert abs(sum(value for _, value in by_territory) - revenue[facts.reassigned_customer_id]) < 0.05
    months = _measure(flow, "sales-analytics", "Revenue", [("sales_summary", "Month")])
    assert abs(sum(value for _, value in months) - total) < 0.05
    partially_paid = {("order_status", "OrderId"): facts.partially_paid_order_id}
    assert _measure(flow, "sales-analytics", "Partially Paid Orders", filters=partially_paid) == [(1,)]

    # Seed 003: relationship strength by seller, every seller within an account (not only the primary
    # caller); the planted relationship is the strongest.
    by_seller = _measure(flow, "relationship-mesh", "Relationship Strength", [("sellerscores", "SellerId")])
    assert max(by_seller, key=lambda r: r[1]) == (facts.top_seller_id, 100.0)
    assert len(by_seller) > 1

    # Seed 001: renewal risk; the planted leaver is a customer at risk.
    ((leaver,),) = _query(
        flow,
        "SELECT CustomerId FROM customer_360.profiles "
        f"WHERE ResidentIds LIKE '%\"{facts.likely_leaver_resident_id}\"%'",
    )
    risk = _measure(flow, "customer-360", "Renewal Risk", filters={("profiles", "CustomerId"): leaver})
    assert risk == [(1.0,)]

    # Seed 004: the customer dimension counts the merged duplicate once, under its survivor.
    survivor, duplicate = facts.duplicate_customer_ids
    customers = _measure(flow, "customer-dimension", "Customers", [("Customer", "CustomerId")])
    assert dict(customers)[survivor] == 1 and duplicate not in dict(customers)

    # Seed 000: lifetime value of the service-heavy customer is its revenue.
    heavy = {("service_to_revenue", "CustomerId"): facts.service_heavy_customer_id}
    ((lifetime,),) = _measure(flow, "customer-service", "Lifetime Value", filters=heavy)
    assert abs(lifetime - revenue[facts.service_heavy_customer_id]) < 0.05
