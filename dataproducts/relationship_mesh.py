"""Relationship mesh: seller-account relationship strength from Microsoft 365 mail and meetings.

Inputs are the CRM accounts and contacts (sellers are contacts of type ``Employee``) and the Graph
Data Connect ``Message_v0`` and ``Event_v0`` rows. Rules follow the relationship-mesh accelerator's
``ProcessNetgraphData`` notebook:

- an e-mail counts 30 minutes, a meeting its length; a reply ("re: ...") is not a new interaction;
- only sellers titled Director, Managing Director, Senior Director or Vice President count;
- only interactions in the 60 months up to ``as_of`` count; meetings after ``as_of`` have not happened;
- weighted minutes = minutes x type factor (e-mail 0.5, meeting 1.0) x location factor (remote
  meeting 0.5, otherwise 1.0) x recency factor ((10 - min(years ago, 10)) / 10);
- the impact score of a seller-account pair (primary caller only) is its weighted minutes over the
  largest pair's, x 100, so the strongest relationship scores 100.

Where the accelerator contradicts itself, this module picks one rule and says so:

- Its overall "no interaction" flag tests the meeting gap twice; here it is set when both the e-mail
  gap and the meeting gap are 180 days or more.
- Its prospecting checklist keeps accounts of ``Tier 0/1/2`` while its data has ``Tier 1/2/3``, which
  silently drops most accounts; here the tiers are a parameter defaulting to every tier the CRM uses
  (``Tier 1``, ``Tier 2``, ``Tier 3``), the evident intent of "the three tiers".
- Its calendar is hard-coded to 2015-2025; here it spans the scoring window up to the next year.
- ``AdjustedNoOfPeople`` is computed but unused there; it is not computed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from cloudscale.dataproducts.contracts.products import RELATIONSHIP_MESH, inputs, outputs
from cloudscale.dataproducts.quality import check_all, expectations

CONTRACT = RELATIONSHIP_MESH
INPUTS = inputs(CONTRACT)
OUTPUTS = tuple(outputs(CONTRACT))

EXPECTATIONS = expectations(
    CONTRACT,
    max_null_rate={
        "contacts": {"Email": 0.0},
        "messages": {"SentDateTime": 0.0, "Sender": 0.0},
        "events": {"Start": 0.0, "End": 0.0},
    },
    allow_empty=("events",),
)

SELLER_TITLES: tuple[str, ...] = ("Director", "Managing Director", "Senior Director", "Vice President")
EMAIL_MINUTES = 30
WINDOW_MONTHS = 60
GAP_DAYS = 180
TYPE_FACTOR = {"Email": 0.5, "Meeting": 1.0}
REMOTE_FACTOR = 0.5
REMOTE_KEYWORDS: tuple[str, ...] = (
    "teams",
    "zoom",
    "webex",
    "loopup",
    "dial",
    "conference",
    "+1",
    "meeting",
    "cell",
    "1-8",
    "code",
    "888",
    "800",
    "call",
    "#",
    "google meet",
)
CHECKLIST_ROLES: tuple[str, ...] = ("CEO", "CFO", "CIO")
DEFAULT_CHECKLIST_TIERS: tuple[str, ...] = ("Tier 1", "Tier 2", "Tier 3")


def check_inputs(inputs: dict[str, DataFrame]) -> dict[str, DataFrame]:
    return check_all(inputs, EXPECTATIONS)


def _address(column: Column) -> Column:
    return F.lower(F.trim(column))


def _size(name: str) -> Column:
    return F.when(F.col(name).isNull(), F.lit(0)).otherwise(F.size(name))


def _people(contacts: DataFrame) -> tuple[DataFrame, DataFrame]:
    people = contacts.withColumn("Address", _address(F.col("Email")))
    sellers = people.where((F.col("ContactType") == "Employee") & F.col("Title").isin(*SELLER_TITLES)).select(
        F.col("ContactId").alias("SellerId"), F.col("Address").alias("SellerAddress")
    )
    external = people.where(F.col("ContactType") == "Contact").select(
        F.col("ContactId"), F.col("CustomerId").alias("AccountId"), F.col("Address").alias("ContactAddress"), "Title"
    )
    return sellers, external


def _not_a_reply(subject: Column) -> Column:
    return ~F.lower(F.trim(F.coalesce(subject, F.lit("")))).startswith("re:")


def email_interactions(messages: DataFrame, contacts: DataFrame) -> DataFrame:
    """One row per e-mail between a seller and an external contact, in either direction."""
    sellers, external = _people(contacts)
    base = messages.where(_not_a_reply(F.col("Subject"))).select(
        F.col("Id").alias("SourceId"),
        F.to_date("SentDateTime").alias("InteractionDate"),
        _address(F.col("Sender.EmailAddress.Address")).alias("SenderAddress"),
        (_size("ToRecipients") + _size("CcRecipients") + _size("BccRecipients")).alias("NoOfPeople"),
        "ToRecipients",
        "CcRecipients",
        "BccRecipients",
    )
    recipients = None
    for column in ("ToRecipients", "CcRecipients", "BccRecipients"):
        exploded = base.select(
            "SourceId", "InteractionDate", "SenderAddress", "NoOfPeople", F.explode(column).alias("Recipient")
        ).select(
            "SourceId",
            "InteractionDate",
            "SenderAddress",
            "NoOfPeople",
            _address(F.col("Recipient.EmailAddress.Address")).alias("RecipientAddress"),
        )
        recipients = exploded if recipients is None else recipients.unionByName(exploded)
    assert recipients is not None
    # Both directions: seller-initiated mail and mail a customer sends to a seller.
    forward = recipients.select(
        "SourceId",
        "InteractionDate",
        "NoOfPeople",
        F.col("SenderAddress").alias("A"),
        F.col("RecipientAddress").alias("B"),
    )
    backward = recipients.select(
        "SourceId",
        "InteractionDate",
        "NoOfPeople",
        F.col("RecipientAddress").alias("A"),
        F.col("SenderAddress").alias("B"),
    )
    pairs = forward.unionByName(backward)
    return (
        pairs.join(sellers, sellers.SellerAddress == pairs.A)
        .join(external, external.ContactAddress == pairs.B)
        .select(
            "SellerId",
            "ContactId",
            "AccountId",
            F.lit("Email").alias("InteractionType"),
            "SourceId",
            "InteractionDate",
            F.lit(float(EMAIL_MINUTES)).alias("Duration"),
            "NoOfPeople",
            F.lit("NotApplicable").alias("LocationFlag"),
        )
    )


def location_flag(location: Column) -> Column:
    lowered = F.lower(F.coalesce(location, F.lit("")))
    remote = F.lit(False)
    for keyword in REMOTE_KEYWORDS:
        remote = remote | lowered.contains(keyword)
    return F.when(remote, "Remote").otherwise("InPerson")


def meeting_interactions(events: DataFrame, contacts: DataFrame, as_of: date) -> DataFrame:
    """One row per meeting a seller organised with an external contact, held on or before ``as_of``."""
    sellers, external = _people(contacts)
    start = F.col("Start.DateTime").cast("timestamp")
    end = F.col("End.DateTime").cast("timestamp")
    meetings = events.where(~F.coalesce(F.col("IsCancelled"), F.lit(False))).select(
        F.col("Id").alias("SourceId"),
        F.to_date(start).alias("InteractionDate"),
        ((F.unix_timestamp(end) - F.unix_timestamp(start)) / 60.0).alias("Duration"),
        _size("Attendees").alias("NoOfPeople"),
        location_flag(F.col("Location.DisplayName")).alias("LocationFlag"),
        _address(F.col("Organizer.EmailAddress.Address")).alias("OrganizerAddress"),
        F.explode("Attendees").alias("Attendee"),
    )
    meetings = meetings.where(F.col("InteractionDate") <= F.lit(as_of)).withColumn(
        "AttendeeAddress", _address(F.col("Attendee.EmailAddress.Address"))
    )
    return (
        meetings.join(sellers, meetings.OrganizerAddress == sellers.SellerAddress)
        .join(external, meetings.AttendeeAddress == external.ContactAddress)
        .select(
            "SellerId",
            "ContactId",
            "AccountId",
            F.lit("Meeting").alias("InteractionType"),
            "SourceId",
            "InteractionDate",
            "Duration",
            "NoOfPeople",
            "LocationFlag",
        )
    )


def interactions(
    customers: DataFrame, contacts: DataFrame, messages: DataFrame, events: DataFrame, as_of: date
) -> DataFrame:
    """Every counted interaction with its weights and weighted minutes."""
    union = email_interactions(messages, contacts).unionByName(meeting_interactions(events, contacts, as_of))
    window_start = F.add_months(F.lit(as_of), -WINDOW_MONTHS)
    in_window = (F.col("InteractionDate") >= window_start) & (F.col("InteractionDate") <= F.lit(as_of))
    years_ago = F.least(F.year(F.lit(as_of)) - F.year("InteractionDate"), F.lit(10))
    primary = customers.select(F.col("CustomerId").alias("AccountId"), F.col("PrimaryContactId"))
    weighted = (
        union.where(in_window)
        .join(primary, "AccountId", "left")
        .withColumn("PrimaryCaller_Flag", F.when(F.col("SellerId") == F.col("PrimaryContactId"), 1).otherwise(0))
        .drop("PrimaryContactId")
        .withColumn(
            "TypeFactor",
            F.when(F.col("InteractionType") == "Email", TYPE_FACTOR["Email"]).otherwise(TYPE_FACTOR["Meeting"]),
        )
        .withColumn("LocationFactor", F.when(F.col("LocationFlag") == "Remote", REMOTE_FACTOR).otherwise(1.0))
        .withColumn("RecencyFactor", (F.lit(10) - years_ago) / 10.0)
    )
    return weighted.withColumn(
        "WeightedMinutes", F.col("Duration") * F.col("TypeFactor") * F.col("LocationFactor") * F.col("RecencyFactor")
    )


def interactions_data(interactions_df: DataFrame) -> DataFrame:
    """Per seller, contact, account, type and day: minutes, weighted minutes, days, count."""
    return interactions_df.groupBy("SellerId", "ContactId", "AccountId", "InteractionType", "InteractionDate").agg(
        F.sum("Duration").alias("TotalMinutes"),
        F.round(F.sum("WeightedMinutes"), 2).alias("WeightedMinutes"),
        F.round(F.sum("Duration") / (24 * 60), 4).alias("TotalDays"),
        F.count(F.lit(1)).alias("InteractionCount"),
    )


def impact_scores(interactions_df: DataFrame, as_of: date) -> DataFrame:
    """The relationship score per primary caller and account, normalised so the strongest is 100."""
    primary = interactions_df.where(F.col("PrimaryCaller_Flag") == 1)
    is_email = F.col("InteractionType") == "Email"
    scores = primary.groupBy("SellerId", "AccountId").agg(
        F.sum("WeightedMinutes").alias("AdjustedDuration"),
        F.max(F.when(is_email, F.col("InteractionDate"))).alias("LastEmailDate"),
        F.max(F.when(~is_email, F.col("InteractionDate"))).alias("LastMeetingDate"),
    )
    days_since_email = F.datediff(F.lit(as_of), "LastEmailDate")
    days_since_meeting = F.datediff(F.lit(as_of), "LastMeetingDate")
    email_gap = F.when(days_since_email.isNull() | (days_since_email >= GAP_DAYS), 1).otherwise(0)
    meeting_gap = F.when(days_since_meeting.isNull() | (days_since_meeting >= GAP_DAYS), 1).otherwise(0)
    strongest = scores.agg(F.max("AdjustedDuration").alias("MaxAdjustedDuration"))
    return scores.crossJoin(strongest).select(
        "SellerId",
        "AccountId",
        F.round("AdjustedDuration", 2).alias("AdjustedDuration"),
        "LastEmailDate",
        days_since_email.alias("DaysSinceLastEmail"),
        "LastMeetingDate",
        days_since_meeting.alias("DaysSinceLastMeeting"),
        email_gap.alias("email_na_flag"),
        meeting_gap.alias("meeting_na_flag"),
        (email_gap * meeting_gap).alias("no_interaction_flag"),
        F.round(F.col("AdjustedDuration") / F.col("MaxAdjustedDuration") * 100, 2).alias("ImpactScore"),
    )


def prospecting_checklist(
    customers: DataFrame,
    contacts: DataFrame,
    interactions_df: DataFrame,
    as_of: date,
    tiers: Sequence[str] = DEFAULT_CHECKLIST_TIERS,
) -> DataFrame:
    """Per account, "Met with CEO / CFO / CIO in last 6 months": 1 when its primary caller did."""
    titles = contacts.select("ContactId", F.upper(F.col("Title")).alias("ContactTitle"))
    recent_meetings = (
        interactions_df.where(
            (F.col("InteractionType") == "Meeting")
            & (F.col("PrimaryCaller_Flag") == 1)
            & (F.datediff(F.lit(as_of), "InteractionDate") < GAP_DAYS)
        )
        .join(titles, "ContactId")
        .select("AccountId", "ContactTitle")
    )
    roles = customers.select(F.col("CustomerId").alias("AccountId"), "Name", "Tier").crossJoin(
        customers.sparkSession.createDataFrame([(role,) for role in CHECKLIST_ROLES], "Role string")
    )
    met = (
        roles.join(recent_meetings, "AccountId", "left")
        .withColumn(
            "Hit",
            F.when(
                F.col("ContactTitle").isNotNull()
                & F.col("ContactTitle").contains(F.col("Role"))
                & F.col("Tier").isin(*tiers),
                1,
            ).otherwise(0),
        )
        .groupBy("AccountId", "Name", "Tier", "Role")
        .agg(F.max("Hit").alias("Flag"))
    )
    return met.select(
        "AccountId",
        "Name",
        "Tier",
        F.concat(F.lit("Met with "), F.col("Role"), F.lit(" in last 6 months")).alias("ChecklistItem"),
        "Flag",
    )


def calendar_data(spark: SparkSession, start: date, end: date) -> DataFrame:
    """The date dimension the report slices by, one row per day from ``start`` to ``end``."""
    days = spark.createDataFrame([(start, end)], "Start date, End date").select(
        F.explode(F.sequence("Start", "End")).alias("Date")
    )
    weekday = F.dayofweek("Date")  # 1 = Sunday ... 7 = Saturday
    is_weekday = (weekday >= 2) & (weekday <= 6)
    month_window = Window.partitionBy(F.year("Date"), F.month("Date")).orderBy("Date")
    return days.select(
        "Date",
        F.year("Date").alias("Year"),
        F.month("Date").alias("Month"),
        F.dayofmonth("Date").alias("Day"),
        F.date_format("Date", "yyyyMM").cast("int").alias("YearMonth"),
        F.date_format("Date", "yyyyMMdd").cast("int").alias("DateKey"),
        F.date_format("Date", "EEEE").alias("WeekdayName"),
        weekday.alias("WeekdayNumber"),
        F.dayofyear("Date").alias("DayOfYear"),
        F.date_format("Date", "MMMM").alias("MonthName"),
        F.weekofyear("Date").alias("IsoWeek"),
        F.quarter("Date").alias("Quarter"),
        F.concat(F.year("Date"), F.lit("-Q"), F.quarter("Date")).alias("YearQuarter"),
        F.when(F.month("Date") <= 6, 1).otherwise(2).alias("Half"),
        F.concat(F.year("Date"), F.lit("-H"), F.when(F.month("Date") <= 6, 1).otherwise(2)).alias("YearHalf"),
        F.date_format("Date", "MMMM, yyyy").alias("MonthYear"),
        is_weekday.alias("IsWeekday"),
        F.sum(F.when(is_weekday, 1).otherwise(0)).over(month_window).alias("WeekdayOfMonth"),
    )


def build(
    inputs: dict[str, DataFrame], as_of: date, tiers: Sequence[str] = DEFAULT_CHECKLIST_TIERS
) -> dict[str, DataFrame]:
    """Check the inputs, then compute every output of the product."""
    checked = check_inputs(inputs)
    counted = interactions(checked["customers"], checked["contacts"], checked["messages"], checked["events"], as_of)
    spark = checked["customers"].sparkSession
    return {
        "interactions": counted,
        "interactionsdata": interactions_data(counted),
        "impactscores": impact_scores(counted, as_of),
        "prospectingchecklist": prospecting_checklist(checked["customers"], checked["contacts"], counted, as_of, tiers),
        "calendardata": calendar_data(
            spark, date(as_of.year - WINDOW_MONTHS // 12, 1, 1), date(as_of.year + 1, 12, 31)
        ),
    }
