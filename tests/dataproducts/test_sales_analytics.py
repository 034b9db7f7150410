"""Sales analytics on generated CRM and ERP data: revenue, territories, open orders, payments."""

from __future__ import annotations

from collections import defaultdict

import pytest
from pyspark.sql import functions as F

from cloudscale.dataproducts import sales_analytics
from cloudscale.dataproducts.quality import DataQualityError
from cloudscale.dataproducts.sample_data import DEFAULT_AS_OF as AS_OF

from .conftest import inputs_of


@pytest.fixture(scope="module")
def outputs(enriched, sample):
    built = sales_analytics.build(inputs_of(enriched, sales_analytics.INPUTS), as_of=sample.facts.as_of)
    return {name: df.cache() for name, df in built.items()}


def test_revenue_per_customer_is_the_sum_of_lines_of_orders_not_cancelled(outputs, sample):
    status = {h["OrderId"]: h["Status"] for h in sample.tables["enriched/erp/sales_headers"]}
    customer = {h["OrderId"]: h["CustomerId"] for h in sample.tables["enriched/erp/sales_headers"]}
    expected: dict[str, float] = defaultdict(float)
    for line in sample.tables["enriched/erp/sales_lines"]:
        if status[line["OrderId"]] != "Cancelled":
            expected[customer[line["OrderId"]]] += line["Amount"]
    rows = outputs["sales_summary"].groupBy("CustomerId").agg(F.sum("Revenue").alias("Revenue")).collect()
    actual = {row["CustomerId"]: row["Revenue"] for row in rows}
    assert actual.keys() == expected.keys()
    for customer_id, revenue in expected.items():
        assert actual[customer_id] == pytest.approx(revenue, abs=0.05)


def test_a_cancelled_order_brings_no_revenue_and_is_not_outstanding(outputs, sample):
    row = outputs["order_status"].where(F.col("OrderId") == sample.facts.cancelled_order_id).first()
    assert row["PaymentStatus"] == "Cancelled"
    assert row["Outstanding"] == 0.0
    assert row["OrderAmount"] > 0


def test_a_partially_paid_order_is_reported_with_its_outstanding_amount(outputs, sample):
    row = outputs["order_status"].where(F.col("OrderId") == sample.facts.partially_paid_order_id).first()
    assert row["PaymentStatus"] == "PartiallyPaid"
    assert row["Outstanding"] == pytest.approx(row["OrderAmount"] - row["AmountPaid"], abs=0.01)
    assert 0 < row["AmountPaid"] < row["OrderAmount"]


def test_a_reassigned_customer_revenue_splits_at_the_reassignment_date(outputs, sample):
    facts = sample.facts
    rows = outputs["sales_summary"].where(F.col("CustomerId") == facts.reassigned_customer_id).collect()
    cutoff = facts.reassignment_date.strftime("%Y-%m")
    territories = {(row["Territory"], row["Month"] >= cutoff) for row in rows if row["Month"] != cutoff}
    assert territories <= {(facts.old_territory, False), (facts.new_territory, True)}
    assert {t for t, _ in territories} == {facts.old_territory, facts.new_territory}
    # Every customer the CRM knows has a territory; the ERP's customers without an account have none.
    crm = {c["CustomerId"] for c in sample.tables["enriched/crm/customers"]}
    unassigned = {r["CustomerId"] for r in outputs["sales_summary"].where(F.col("Territory").isNull()).collect()}
    assert unassigned == {h["CustomerId"] for h in sample.tables["enriched/erp/sales_headers"]} - crm
    assert facts.erp_only_customer_id in unassigned


def test_open_orders_are_counted_with_their_value(outputs, sample):
    open_orders = [h for h in sample.tables["enriched/erp/sales_headers"] if h["Status"] == "Open"]
    total = outputs["sales_summary"].agg(F.sum("OpenOrders"), F.sum("OpenOrderValue")).first()
    assert total[0] == len(open_orders) > 0
    assert total[1] == pytest.approx(sum(h["Total"] for h in open_orders), abs=0.05)


def test_a_duplicated_order_id_fails_with_a_message_naming_the_input_and_key(enriched):
    inputs = inputs_of(enriched, sales_analytics.INPUTS)
    headers = inputs["sales_headers"]
    inputs["sales_headers"] = headers.unionByName(headers.limit(1))
    with pytest.raises(DataQualityError, match=r"sales_headers: key \(OrderId\) is not unique: 1 duplicated value"):
        sales_analytics.build(inputs, as_of=AS_OF)
