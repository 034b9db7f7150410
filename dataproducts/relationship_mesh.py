"""Relationship mesh (seed 003): seller-account relationship strength from Microsoft 365 mail and meetings.

The seed's insights: "The strength of multiple sellers' relationships within an account" (``sellerscores``),
"The strength of a seller's relationship with individual external contacts within an account"
(``contactscores``), and "The frequency and method of communication between seller and external contact
for high-priority accounts" (``contactscores``' e-mail, in-person and online meeting counts with the
account's tier; ``interactionsdata`` per day).

Inputs are the CRM accounts and contacts (sellers are contacts of type ``Employee``) and the Graph
Data Connect ``Message_v1`` and ``Event_v1`` rows. Rules follow the relationship-mesh accelerator's
``ProcessNetgraphData`` notebook:

- an e-mail counts 30 minutes, a meeting its length; a reply ("re: ...") is not a new interaction;
- e-mails and meetings count in both directions: a seller writing to or organising with a contact, and a
  contact writing to or organising with a seller (the accelerator emits both directions of both);
- only sellers titled Director, Managing Director, Senior Director or Vice President count;
- only interactions in the 60 months up to ``as_of`` count; mail and meetings after ``as_of`` have not
  happened, so a backfill publishes what its window did;
- weighted minutes = minutes x type factor (e-mail 0.5, meeting 1.0) x location factor (remote
  meeting 0.5, otherwise 1.0) x recency factor ((10 - min(years ago, 10)) / 10);
- the impact score of a seller-account pair (primary caller only) is its weighted minutes over the
  largest pair's, x 100, so the strongest relationship scores 100; ``sellerscores`` scores every
  seller's pair the same way, with the seller's share of the account and rank within it.

In person or online is what the source says: Graph's ``isOnlineMeeting`` and ``onlineMeetingProvider``
(Microsoft Graph "event resource type"; a provider other than ``unknown`` is an online meeting). Only
when the event carries neither does the accelerator's keyword rule on the location's name decide (an
``OnlineDetailsMissing`` finding), and that rule leaves out words that name rooms as often as calls
("meeting", "conference", "call", "code", "cell", "#").

Dirty data: an e-mail address that is empty or only whitespace matches nobody; one address held by two
contacts (a person entered twice) counts for the lowest contact id only (``AmbiguousContactAddress``);
a recipient or attendee listed twice counts once; a meeting ending before it starts is left out
(``MeetingTimesInvalid``); columns the contract reads as optional (``IsCancelled``, ``IsOnlineMeeting``,
``OnlineMeetingProvider``, ``Location``) may be missing.

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

from cloudscale.dataproducts import cleansing
from cloudscale.dataproducts.contracts import integration as conformed
from cloudscale.dataproducts.contracts.products import RELATIONSHIP_MESH, inputs, outputs
from cloudscale.dataproducts.quality import check_all, expectations

CONTRACT = RELATIONSHIP_MESH
INPUTS = inputs(CONTRACT)
OUTPUTS = tuple(outputs(CONTRACT))

EXPECTATIONS = expectations(
    CONTRACT,
    max_null_rate={
        # Contacts without an e-mail cannot be met in mail or calendars; a few are ordinary, most are not.
        "contacts": {"Email": 0.2},
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
    "bridge",
    "skype",
    "online",
    "+1",
    "1-8",
    "888",
    "800",
    "google meet",
)
NO_PROVIDER = "unknown"
CHECKLIST_ROLES: tuple[str, ...] = ("CEO", "CFO", "CIO")
DEFAULT_CHECKLIST_TIERS: tuple[str, ...] = ("Tier 1", "Tier 2", "Tier 3")


def check_inputs(inputs: dict[str, DataFrame]) -> dict[str, DataFrame]:
    return check_all(inputs, EXPECTATIONS)


def _address(column: Column) -> Column:
    return cleansing.match_key(column)


def _size(name: str) -> Column:
    return F.when(F.col(name).isNull(), F.lit(0)).otherwise(F.size(name))


def _one_per_address(people: DataFrame, id_column: str) -> tuple[DataFrame, DataFrame]:
    """Each address once, held by its lowest id; and findings for the ids that lose it."""
    by_address = Window.partitionBy("Address").orderBy(F.col(id_column).asc())
    ranked = people.where(F.col("Address").isNotNull()).withColumn("__rank", F.row_number().over(by_address))
    winners = ranked.where("__rank = 1").select("Address", F.col(id_column).alias("__winner"))
    losers = ranked.where("__rank > 1").join(winners, "Address")
    found = cleansing.finding(
        losers,
        "AmbiguousContactAddress",
        "contacts",
        F.col(id_column),
        F.concat(F.lit("shares its e-mail address with "), F.col("__winner")),
        "Mail and meetings with the address count for the lowest contact id only",
    )
    return ranked.where("__rank = 1").drop("__rank"), found


def _people(contacts: DataFrame) -> tuple[DataFrame, DataFrame, DataFrame]:
    """Sellers, external contacts (one per address each), and the findings of shared addresses."""
    people = contacts.select(
        cleansing.text("ContactId").alias("ContactId"),
        cleansing.text("CustomerId").alias("CustomerId"),
        cleansing.text("Title").alias("Title"),
        cleansing.text("ContactType").alias("ContactType"),
        _address(F.col("Email")).alias("Address"),
    ).where(F.col("ContactId").isNotNull())
    sellers, seller_findings = _one_per_address(
        people.where((F.col("ContactType") == "Employee") & F.col("Title").isin(*SELLER_TITLES)), "ContactId"
    )
    external, contact_findings = _one_per_address(people.where(F.col("ContactType") == "Contact"), "ContactId")
    return (
        sellers.select(F.col("ContactId").alias("SellerId"), F.col("Address").alias("SellerAddress")),
        external.select(
            "ContactId", F.col("CustomerId").alias("AccountId"), F.col("Address").alias("ContactAddress"), "Title"
        ),
        seller_findings.unionByName(contact_findings),
    )


def _not_a_reply(subject: Column) -> Column:
    return ~F.lower(F.trim(F.coalesce(subject, F.lit("")))).startswith("re:")


_INTERACTION_KEY = ("InteractionType", "SourceId", "SellerId", "ContactId")


def _seller_contact_pairs(pairs: DataFrame, sellers: DataFrame, external: DataFrame) -> DataFrame:
    """Rows of ``pairs`` (addresses A and B) where A is a seller's and B an external contact's."""
    return pairs.join(sellers, sellers.SellerAddress == pairs.A).join(external, external.ContactAddress == pairs.B)


def email_interactions(messages: DataFrame, contacts: DataFrame) -> DataFrame:
    """One row per e-mail and seller-contact pair, in either direction (a recipient listed twice, once)."""
    sellers, external, _ = _people(contacts)
    base = messages.where(_not_a_reply(F.col("Subject"))).select(
        cleansing.text("Id").alias("SourceId"),
        F.to_date("SentDateTime").alias("InteractionDate"),
        _address(F.col("Sender.EmailAddress.Address")).alias("SenderAddress"),
        (_size("ToRecipients") + _size("CcRecipients") + _size("BccRecipients")).alias("NoOfPeople"),
        F.concat(
            F.coalesce("ToRecipients", F.array()),
            F.coalesce("CcRecipients", F.array()),
            F.coalesce("BccRecipients", F.array()),
        ).alias("Recipients"),
    )
    recipients = base.select(
        "SourceId", "InteractionDate", "SenderAddress", "NoOfPeople", F.explode("Recipients").alias("Recipient")
    ).withColumn("RecipientAddress", _address(F.col("Recipient.EmailAddress.Address")))
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
    return (
        _seller_contact_pairs(forward.unionByName(backward), sellers, external)
        .where(F.col("SourceId").isNotNull())
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
        .dropDuplicates(list(_INTERACTION_KEY))
    )


def keyword_flag(location: Column) -> Column:
    """The fallback: Remote when the location's name has a word of a call or online meeting."""
    lowered = F.lower(F.coalesce(location, F.lit("")))
    remote = F.lit(False)
    for keyword in REMOTE_KEYWORDS:
        remote = remote | lowered.contains(keyword)
    return F.when(remote, "Remote").otherwise("InPerson")


def _meeting_mode(events: DataFrame) -> tuple[Column, Column]:
    """(LocationFlag, whether the source said it): what the event's online details say, else the keywords."""
    online = cleansing.optional(events, conformed.EVENTS, "IsOnlineMeeting")
    provider = F.lower(cleansing.text(cleansing.optional(events, conformed.EVENTS, "OnlineMeetingProvider")))
    location = cleansing.optional(events, conformed.EVENTS, "Location")
    has_provider = provider.isNotNull() & (provider != NO_PROVIDER)
    said_online = (online == F.lit(True)) | has_provider
    said_in_person = (online == F.lit(False)) & ~F.coalesce(has_provider, F.lit(False))
    flag = (
        F.when(said_online, "Remote")
        .when(said_in_person, "InPerson")
        .otherwise(keyword_flag(location.getField("DisplayName")))
    )
    return flag, F.coalesce(said_online | said_in_person, F.lit(False))


def _meetings(events: DataFrame, as_of: date) -> DataFrame:
    """The events held on or before ``as_of`` and not cancelled, with length, mode and participants."""
    start = F.col("Start.DateTime").cast("timestamp")
    end = F.col("End.DateTime").cast("timestamp")
    cancelled = F.coalesce(cleansing.optional(events, conformed.EVENTS, "IsCancelled"), F.lit(False))
    flag, from_source = _meeting_mode(events)
    return (
        events.where(~cancelled)
        .select(
            cleansing.text("Id").alias("SourceId"),
            F.to_date(start).alias("InteractionDate"),
            ((F.unix_timestamp(end) - F.unix_timestamp(start)) / 60.0).alias("Duration"),
            _size("Attendees").alias("NoOfPeople"),
            flag.alias("LocationFlag"),
            from_source.alias("FromSource"),
            _address(F.col("Organizer.EmailAddress.Address")).alias("OrganizerAddress"),
            F.col("Attendees"),
        )
        .where(F.col("SourceId").isNotNull() & (F.col("InteractionDate") <= F.lit(as_of)))
    )


def meeting_interactions(events: DataFrame, contacts: DataFrame, as_of: date) -> DataFrame:
    """One row per meeting and seller-contact pair held on or before ``as_of``: a seller organising with a
    contact attending, or a contact organising with a seller attending."""
    sellers, external, _ = _people(contacts)
    meetings = _meetings(events, as_of).where(F.col("Duration") >= 0)
    attendees = meetings.select("*", F.explode("Attendees").alias("Attendee")).withColumn(
        "AttendeeAddress", _address(F.col("Attendee.EmailAddress.Address"))
    )
    columns = ("SourceId", "InteractionDate", "Duration", "NoOfPeople", "LocationFlag")
    forward = attendees.select(*columns, F.col("OrganizerAddress").alias("A"), F.col("AttendeeAddress").alias("B"))
    backward = attendees.select(*columns, F.col("AttendeeAddress").alias("A"), F.col("OrganizerAddress").alias("B"))
    return (
        _seller_contact_pairs(forward.unionByName(backward), sellers, external)
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
        .dropDuplicates(list(_INTERACTION_KEY))
    )


def meeting_findings(events: DataFrame, as_of: date) -> DataFrame:
    """Findings: meetings whose times make no length, and meetings decided by keywords."""
    meetings = _meetings(events, as_of)
    invalid = cleansing.finding(
        meetings.where(F.col("Duration").isNull() | (F.col("Duration") < 0)),
        "MeetingTimesInvalid",
        "events",
        F.col("SourceId"),
        F.lit("its end is before its start, or a time is missing"),
        "Left out",
    )
    guessed = cleansing.finding(
        meetings.where(~F.col("FromSource")),
        "OnlineDetailsMissing",
        "events",
        F.col("SourceId"),
        F.concat(F.lit("no isOnlineMeeting or onlineMeetingProvider; keywords say "), F.col("LocationFlag")),
        "In person or online decided by the location's name",
    )
    return invalid.unionByName(guessed)


def interactions(
    customers: DataFrame, contacts: DataFrame, messages: DataFrame, events: DataFrame, as_of: date
) -> DataFrame:
    """Every counted interaction with its weights and weighted minutes."""
    union = email_interactions(messages, contacts).unionByName(meeting_interactions(events, contacts, as_of))
    window_start = F.add_months(F.lit(as_of), -WINDOW_MONTHS)
    in_window = (F.col("InteractionDate") >= window_start) & (F.col("InteractionDate") <= F.lit(as_of))
    years_ago = F.least(F.year(F.lit(as_of)) - F.year("InteractionDate"), F.lit(10))
    primary = customers.select(
        cleansing.text("CustomerId").alias("AccountId"), cleansing.text("PrimaryContactId").alias("PrimaryContactId")
    ).where(F.col("AccountId").isNotNull())
    primary = primary.dropDuplicates(["AccountId"])
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
    strongest = Window.partitionBy()
    return scores.withColumn("MaxAdjustedDuration", F.max("AdjustedDuration").over(strongest)).select(
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
        _score("AdjustedDuration", "MaxAdjustedDuration").alias("ImpactScore"),
    )


def _score(value: str, strongest: str) -> Column:
    """``value`` over the strongest's, x 100, within 0-100 (0 where nothing has any weight)."""
    share = F.col(value) / F.col(strongest) * 100
    return F.round(F.when(F.col(strongest) > 0, F.least(F.greatest(share, F.lit(0.0)), F.lit(100.0))).otherwise(0.0), 2)


def _counts() -> list[Column]:
    is_email = F.col("InteractionType") == "Email"
    return [
        F.count_distinct(F.when(is_email, F.col("SourceId"))).alias("Emails"),
        F.count_distinct(F.when(~is_email, F.col("SourceId"))).alias("Meetings"),
        F.sum("WeightedMinutes").alias("AdjustedDuration"),
        F.max("InteractionDate").alias("LastInteractionDate"),
    ]


def seller_scores(interactions_df: DataFrame) -> DataFrame:
    """Every seller's relationship with every account: weighted minutes, share of the account, rank in it,
    and a score against the strongest seller-account pair of all."""
    pairs = (
        interactions_df.where(F.col("AccountId").isNotNull())
        .groupBy("SellerId", "AccountId")
        .agg(
            F.max("PrimaryCaller_Flag").alias("PrimaryCaller_Flag"),
            F.count_distinct("ContactId").alias("Contacts"),
            *_counts(),
        )
    )
    account = Window.partitionBy("AccountId")
    strongest_first = account.orderBy(F.desc("AdjustedDuration"), F.asc("SellerId"))
    return (
        pairs.withColumn("__account_total", F.sum("AdjustedDuration").over(account))
        .withColumn("__strongest", F.max("AdjustedDuration").over(Window.partitionBy()))
        .select(
            "SellerId",
            "AccountId",
            "PrimaryCaller_Flag",
            "Contacts",
            "Emails",
            "Meetings",
            F.round("AdjustedDuration", 2).alias("AdjustedDuration"),
            "LastInteractionDate",
            _score("AdjustedDuration", "__account_total").alias("ShareOfAccount"),
            F.row_number().over(strongest_first).cast("int").alias("RankInAccount"),
            _score("AdjustedDuration", "__strongest").alias("RelationshipScore"),
        )
    )


def contact_scores(interactions_df: DataFrame, customers: DataFrame, as_of: date) -> DataFrame:
    """Per seller and external contact: e-mails, meetings in person and online, recency, and a score
    against the strongest seller-contact pair."""
    remote = (F.col("InteractionType") == "Meeting") & (F.col("LocationFlag") == "Remote")
    in_person = (F.col("InteractionType") == "Meeting") & (F.col("LocationFlag") != "Remote")
    pairs = interactions_df.groupBy("SellerId", "ContactId").agg(
        F.min("AccountId").alias("AccountId"),
        F.count_distinct(F.when(in_person, F.col("SourceId"))).alias("InPersonMeetings"),
        F.count_distinct(F.when(remote, F.col("SourceId"))).alias("OnlineMeetings"),
        *_counts(),
    )
    tiers = customers.select(cleansing.text("CustomerId").alias("AccountId"), "Tier").dropDuplicates(["AccountId"])
    return (
        pairs.join(tiers, "AccountId", "left")
        .withColumn("__strongest", F.max("AdjustedDuration").over(Window.partitionBy()))
        .select(
            "SellerId",
            "ContactId",
            "AccountId",
            "Tier",
            "Emails",
            "Meetings",
            "InPersonMeetings",
            "OnlineMeetings",
            F.round("AdjustedDuration", 2).alias("AdjustedDuration"),
            "LastInteractionDate",
            F.datediff(F.lit(as_of), "LastInteractionDate").alias("DaysSinceLastInteraction"),
            _score("AdjustedDuration", "__strongest").alias("ContactScore"),
        )
    )


def prospecting_checklist(
    customers: DataFrame,
    contacts: DataFrame,
    interactions_df: DataFrame,
    as_of: date,
    tiers: Sequence[str] = DEFAULT_CHECKLIST_TIERS,
) -> DataFrame:
    """Per account, "Met with CEO / CFO / CIO in last 6 months": 1 when its primary caller did."""
    titles = contacts.select(
        cleansing.text("ContactId").alias("ContactId"), F.upper(cleansing.text("Title")).alias("ContactTitle")
    ).dropDuplicates(["ContactId"])
    recent_meetings = (
        interactions_df.where(
            (F.col("InteractionType") == "Meeting")
            & (F.col("PrimaryCaller_Flag") == 1)
            & (F.datediff(F.lit(as_of), "InteractionDate") < GAP_DAYS)
        )
        .join(titles, "ContactId")
        .select("AccountId", "ContactTitle")
    )
    accounts = customers.select(
        cleansing.text("CustomerId").alias("AccountId"), "Name", cleansing.text("Tier").alias("Tier")
    ).where(F.col("AccountId").isNotNull())
    roles = accounts.dropDuplicates(["AccountId"]).crossJoin(
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
    customers, contacts = checked["customers"], checked["contacts"]
    counted = interactions(customers, contacts, checked["messages"], checked["events"], as_of)
    spark = customers.sparkSession
    return {
        "interactions": counted,
        "interactionsdata": interactions_data(counted),
        "impactscores": impact_scores(counted, as_of),
        "sellerscores": seller_scores(counted),
        "contactscores": contact_scores(counted, customers, as_of),
        "prospectingchecklist": prospecting_checklist(customers, contacts, counted, as_of, tiers),
        "calendardata": calendar_data(
            spark, date(as_of.year - WINDOW_MONTHS // 12, 1, 1), date(as_of.year + 1, 12, 31)
        ),
        cleansing.FINDINGS: cleansing.findings(spark, _people(contacts)[2], meeting_findings(checked["events"], as_of)),
    }
