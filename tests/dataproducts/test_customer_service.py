"""Customer service to revenue: Cosmos DB interaction documents joined with ERP orders."""

from __future__ import annotations

from collections import Counter

import pytest
from pyspark.sql import functions as F

from cloudscale.dataproducts import customer_service
from cloudscale.dataproducts.quality import DataQualityError
from cloudscale.dataproducts.sample_data import DEFAULT_AS_OF as AS_OF

from .conftest import inputs_of


@pytest.fixture(scope="module")
def outputs(enriched, sample):
    built = customer_service.build(inputs_of(enriched, customer_service.INPUTS), as_of=sample.facts.as_of)
    return {name: df.cache() for name, df in built.items()}


def test_the_service_heavy_customer_has_its_interactions_and_revenue(outputs, sample):
    facts = sample.facts
    row = outputs["service_to_revenue"].where(F.col("CustomerId") == facts.service_heavy_customer_id).first()
    assert row["Interactions"] == facts.service_heavy_interactions
    busiest = outputs["service_to_revenue"].orderBy(F.desc("Interactions")).first()
    assert busiest["CustomerId"] == facts.service_heavy_customer_id
    assert row["InteractionsPer1000Revenue"] == pytest.approx(row["Interactions"] / row["Revenue"] * 1000, rel=1e-3)


def test_interactions_are_counted_per_order_and_satisfaction_is_on_a_100_scale(outputs, sample):
    expected = Counter(
        d["orderId"] for d in sample.tables["enriched/data/customer_service/interactions"] if d["orderId"]
    )
    rows = outputs["service_by_order"].where("Interactions > 0").collect()
    assert {r["OrderId"]: r["Interactions"] for r in rows} == dict(expected)
    assert all(r["CsatScore"] is None or 20 <= r["CsatScore"] <= 100 for r in rows)
    cancelled = outputs["service_by_order"].where(F.col("OrderId") == sample.facts.cancelled_order_id).first()
    assert cancelled["Revenue"] == 0.0


def test_cosmos_system_properties_are_not_published(outputs):
    for df in outputs.values():
        assert not [c for c in df.columns if c.startswith("_")]


def test_a_document_id_seen_twice_fails_with_a_clear_message(enriched):
    inputs = inputs_of(enriched, customer_service.INPUTS)
    inputs["interactions"] = inputs["interactions"].unionByName(inputs["interactions"].limit(2))
    with pytest.raises(
        DataQualityError, match=r"interactions: key \(id\) is not unique: 2 duplicated value\(s\), e\.g\. id='case-"
    ):
        customer_service.build(inputs, as_of=AS_OF)


def test_a_missing_column_is_named(enriched):
    inputs = inputs_of(enriched, customer_service.INPUTS)
    inputs["interactions"] = inputs["interactions"].drop("customerId")
    with pytest.raises(DataQualityError, match=r"interactions: missing required column\(s\) customerId; it has "):
        customer_service.build(inputs, as_of=AS_OF)
