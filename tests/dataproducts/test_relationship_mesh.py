"""Relationship mesh on generated CRM and Graph Data Connect data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pyspark.sql import functions as F

from cloudscale.dataproducts import relationship_mesh
from cloudscale.dataproducts.quality import DataQualityError

from .conftest import inputs_of


@pytest.fixture(scope="module")
def outputs(enriched, sample):
    built = relationship_mesh.build(inputs_of(enriched, relationship_mesh.INPUTS), as_of=sample.facts.as_of)
    return {name: df.cache() for name, df in built.items()}


def test_the_planted_strongest_relationship_scores_100(outputs, sample):
    scores = outputs["impactscores"].orderBy(F.desc("ImpactScore")).collect()
    top = scores[0]
    assert (top["SellerId"], top["AccountId"]) == (sample.facts.top_seller_id, sample.facts.top_account_id)
    assert top["ImpactScore"] == 100.0
    assert all(0 < row["ImpactScore"] < 100 for row in scores[1:])


def test_a_reply_is_not_counted(outputs, sample):
    assert outputs["interactions"].where(F.col("SourceId") == sample.facts.reply_message_id).count() == 0
    # The original messages of the same seller are counted, so the filter is what removed the reply.
    assert outputs["interactions"].where(F.col("InteractionType") == "Email").count() > 0


def test_a_future_meeting_is_excluded(outputs, sample):
    assert outputs["interactions"].where(F.col("SourceId") == sample.facts.future_event_id).count() == 0
    latest = outputs["interactions"].agg(F.max("InteractionDate")).first()[0]
    assert latest <= sample.facts.as_of


def test_only_seller_titles_count(outputs, enriched):
    sellers = {
        r["ContactId"]
        for r in enriched["enriched/crm/contacts"].where("ContactType = 'Employee'").collect()
        if r["Title"] in relationship_mesh.SELLER_TITLES
    }
    counted = {r["SellerId"] for r in outputs["interactions"].select("SellerId").distinct().collect()}
    assert counted <= sellers and "E9999" not in counted


def test_weights_follow_type_location_and_recency(outputs, sample):
    rows = outputs["interactions"].collect()
    as_of = sample.facts.as_of
    for row in rows:
        type_factor = 0.5 if row["InteractionType"] == "Email" else 1.0
        location_factor = 0.5 if row["LocationFlag"] == "Remote" else 1.0
        recency = (10 - min(as_of.year - row["InteractionDate"].year, 10)) / 10
        assert row["WeightedMinutes"] == pytest.approx(row["Duration"] * type_factor * location_factor * recency)
    assert {r["LocationFlag"] for r in rows if r["InteractionType"] == "Meeting"} == {"Remote", "InPerson"}
    assert min(r["InteractionDate"] for r in rows) >= date(as_of.year - 5, as_of.month, 1) - timedelta(days=31)


def test_the_checklist_marks_the_ceo_meeting_of_the_top_account(outputs, sample):
    rows = outputs["prospectingchecklist"].where(F.col("AccountId") == sample.facts.top_account_id).collect()
    flags = {row["ChecklistItem"]: row["Flag"] for row in rows}
    assert flags == {
        "Met with CEO in last 6 months": 1,
        "Met with CFO in last 6 months": 0,
        "Met with CIO in last 6 months": 0,
    }


def test_the_calendar_covers_the_window_with_one_row_per_day(outputs, sample):
    calendar = outputs["calendardata"]
    as_of = sample.facts.as_of
    first, last, rows = calendar.agg(F.min("Date"), F.max("Date"), F.count("Date")).first()
    assert (first, last) == (date(as_of.year - 5, 1, 1), date(as_of.year + 1, 12, 31))
    assert rows == (last - first).days + 1
    row = calendar.where(F.col("Date") == date(2026, 6, 30)).first()
    assert (row["WeekdayName"], row["IsWeekday"], row["YearQuarter"], row["DateKey"]) == (
        "Tuesday",
        True,
        "2026-Q2",
        20260630,
    )
    assert row["WeekdayOfMonth"] == 22


def test_a_contact_without_email_fails_with_the_null_rate(enriched):
    inputs = inputs_of(enriched, relationship_mesh.INPUTS)
    inputs["contacts"] = inputs["contacts"].withColumn(
        "Email", F.when(F.col("ContactType") == "Contact", F.lit(None)).otherwise(F.col("Email"))
    )
    with pytest.raises(
        DataQualityError, match=r"contacts: column Email is 9\d\.\d% null or blank, above the 20\.0% allowed"
    ):
        relationship_mesh.build(inputs, as_of=date(2026, 6, 30))
