"""Customer 360 (property management, seed 001): unified profiles with measures and segments, renewal
features, renewal predictions.

The seed: "Administrators configure unified customer profiles in Customer Insights, together with
measures, segments, and enrichments", then "use the unified customer profile ... for retention
prediction"; its accelerator's Customer Insights setup defines the measures (leases ending in 90 days,
air-conditioning work orders, CSAT = average survey answer x 20, lifetime value) and the segments
(leases ending in 90 days; the same with air-conditioning work orders) this module computes in Spark.

Stages, as the pipeline runs them:

1. ``features``: unify the people of the property system (``leasing/residents``) and the CRM
   (``crm/contacts``) by normalised e-mail into ``profiles``; build one renewal feature row per
   resident x property x unit (``renewal_features``).
2. The Azure ML command job (``cloudscale.dataproducts.azureml.train_renewal``) trains the renewal
   model on completed tenancies, logs to MLflow and writes the model's coefficients as JSON.
3. ``score``: score current tenancies with those coefficients in Spark (no scikit-learn on the pool)
   and publish ``renewal_predictions``: ``RenewalPrediction`` and ``RenewalPredictionScore`` per
   customer.

The accelerator implements the model twice and the two disagree; the rules chosen here:

- Early move-out: the Synapse path's "moved out more than 30 days before the lease end" (the AML
  path's "before the end date" flags a move-out one day early, which is noise, not a signal).
- Features: the Synapse path's lease, work-order and survey features, except ``TotalLeaseTerm`` and
  the ``Renewal_*`` survey answers, which both paths use but which only exist or grow when the lease
  was renewed: they leak the label (a renewal survey is taken at renewal) and cannot be known for a
  current tenancy.
- Per-customer aggregation: the Synapse path's minimum over the customer's current tenancies (a
  customer is expected to renew only if every current lease is), not the AML path's maximum.
- Scoring only current tenancies (not moved out), as the Synapse path does; the AML path scores all.
- Profile matching: e-mails are trimmed, lower-cased and stripped of blanks before matching; within a
  source the most recently created record of an id wins (ties: the record with an e-mail, then the
  greatest e-mail), as in the Customer Insights merge rules. An e-mail that is empty or only whitespace
  matches nothing: its record keeps a profile of its own, a ``NoEmailToMatch`` finding.

Measures on each profile (``profiles``), as of the business date:

- ``Tenancies`` / ``CurrentTenancies``: resident x property x unit tenancies begun, and not moved out;
- ``LeasesEndingIn90Days``: current leases (begun, not moved out) ending within 90 days after it;
- ``WorkOrders`` / ``AirConditioningWorkOrders``: repairs requested;
- ``CsatScore``: the average survey answer (0-5) x 20, 0-100; an answer outside 0-5 is a
  ``SurveyAnswerOutOfRange`` finding and left out;
- ``LifetimeValue``: rent earned to the business date, each lease's monthly rent x the months it was
  occupied (from its start to the earliest of the move-out, the lease's end and the business date).
  Customer Insights' CLV is a prediction over payments; the rent roll is the property system's own
  record of that value.

Segments a marketer can target (``segments``, one row per segment and member with the profile's e-mail):

- ``LeaseEndingSoon``: a lease ending in 90 days (the accelerator's segment);
- ``LeaseEndingSoonWithAirConditioningIssues``: that, and an air-conditioning work order (the
  accelerator's intersection);
- ``UnhappyCurrentResidents``: a current tenancy and a CSAT score below 50;
- ``HighValueResidents``: a current tenancy and a lifetime value in the top fifth of the profiles with one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from cloudscale.dataproducts import cleansing
from cloudscale.dataproducts.contracts import integration as conformed
from cloudscale.dataproducts.contracts.products import CUSTOMER_360, inputs, outputs
from cloudscale.dataproducts.quality import DataQualityError, Expectation, check_all, expectations

CONTRACT = CUSTOMER_360
FEATURE_INPUTS = inputs(CONTRACT)
INPUTS = FEATURE_INPUTS
OUTPUTS = tuple(outputs(CONTRACT))
FEATURES = outputs(CONTRACT)["renewal_features"]
MODEL = outputs(CONTRACT)["renewal"]

EXPECTATIONS = expectations(
    CONTRACT,
    max_null_rate={"residents": {"cid": 0.0, "Email": 0.05}, "leases": {"cid": 0.0, "Type": 0.0, "LeaseTerm": 0.0}},
    allow_empty=("work_orders", "surveys"),
)

LABEL = "isRenewed"
# Feature columns the model may use: the lease's initial term and every work-order and move-in
# survey column. Renewal-survey columns and TotalLeaseTerm are excluded (see the module docstring).
BASE_FEATURES: tuple[str, ...] = ("InitialLeaseTerm",)
FEATURE_PREFIXES: tuple[str, ...] = ("WO_", "Movein_")
EARLY_MOVE_OUT_DAYS = 30
RESIDENTS_SOURCE = "PropertySystem"
CRM_SOURCE = "CRM"
ENDING_SOON_DAYS = 90
AIR_CONDITIONING = "Air Conditioning"
ANSWER_RANGE = (0.0, 5.0)
CSAT_SCALE = 20
UNHAPPY_CSAT = 50.0
HIGH_VALUE_SHARE = 0.2


def check_inputs(inputs: Mapping[str, DataFrame]) -> dict[str, DataFrame]:
    return check_all(inputs, EXPECTATIONS)


def normalised_email(column: Column) -> Column:
    """The e-mail to match on: lower case, no whitespace; null when blank."""
    return cleansing.match_key(column)


def _latest_per_id(df: DataFrame, key: str, created: str) -> DataFrame:
    newest_first = Window.partitionBy(key).orderBy(
        F.col(created).desc_nulls_last(),
        normalised_email(F.col("Email")).desc_nulls_last(),
        F.col("FirstName").desc_nulls_last(),
    )
    return df.withColumn("__rank", F.row_number().over(newest_first)).where("__rank = 1").drop("__rank")


def _first_by_priority(column: str) -> Column:
    # The value of the highest-priority source that has one (residents first, then the CRM).
    return F.expr(f"min_by({column}, CASE WHEN {column} IS NULL THEN 99 ELSE Priority END)").alias(column)


def unify_profiles(residents: DataFrame, contacts: DataFrame) -> DataFrame:
    """One profile per person across the property system and the CRM, matched on normalised e-mail."""
    residents = residents.withColumn("cid", cleansing.text("cid")).where(F.col("cid").isNotNull())
    contacts = contacts.withColumn("ContactId", cleansing.text("ContactId")).where(F.col("ContactId").isNotNull())
    people = _latest_per_id(residents, "cid", "Created_date").select(
        normalised_email(F.col("Email")).alias("MatchKey"),
        F.lit(1).alias("Priority"),
        F.col("cid").alias("ResidentId"),
        F.lit(None).cast("string").alias("ContactId"),
        "FirstName",
        "LastName",
        cleansing.text("Email").alias("Email"),
        F.col("Telephone").cast("string").alias("Telephone"),
        F.col("City").cast("string").alias("City"),
        F.to_timestamp("Created_date").alias("CreatedDate"),
        F.lit(RESIDENTS_SOURCE).alias("Source"),
    )
    crm = contacts.where(F.col("ContactType") == "Contact").select(
        normalised_email(F.col("Email")).alias("MatchKey"),
        F.lit(2).alias("Priority"),
        F.lit(None).cast("string").alias("ResidentId"),
        F.col("ContactId").cast("string").alias("ContactId"),
        "FirstName",
        "LastName",
        cleansing.text("Email").alias("Email"),
        F.col("Phone").cast("string").alias("Telephone"),
        F.lit(None).cast("string").alias("City"),
        F.lit(None).cast("timestamp").alias("CreatedDate"),
        F.lit(CRM_SOURCE).alias("Source"),
    )
    records = people.unionByName(crm).withColumn(
        # A record without an e-mail cannot match anything: it keeps a profile of its own, keyed by its
        # source and id (a resident's and a contact's ids come from different systems).
        "MatchKey",
        F.coalesce(
            F.col("MatchKey"),
            F.concat(F.lit("id:"), F.col("Source"), F.lit(":"), F.coalesce("ResidentId", "ContactId")),
        ),
    )
    return (
        records.groupBy("MatchKey")
        .agg(
            F.md5(F.col("MatchKey")).alias("CustomerId"),
            _first_by_priority("FirstName"),
            _first_by_priority("LastName"),
            _first_by_priority("Email"),
            _first_by_priority("Telephone"),
            _first_by_priority("City"),
            F.min("CreatedDate").alias("CreatedDate"),
            F.array_sort(F.collect_set("ResidentId")).alias("ResidentIds"),
            F.array_sort(F.collect_set("ContactId")).alias("ContactIds"),
            F.array_sort(F.collect_set("Source")).alias("Sources"),
        )
        .withColumnRenamed("MatchKey", "NormalisedEmail")
    )


def profile_bridge(profiles: DataFrame) -> DataFrame:
    """(CustomerId, cid, NormalisedEmail) for every resident id of a profile."""
    return profiles.select("CustomerId", "NormalisedEmail", F.explode("ResidentIds").alias("cid"))


def unmatched_records(residents: DataFrame, contacts: DataFrame) -> DataFrame:
    """Findings: the records that cannot be unified with any other, having no e-mail."""
    resident_ids = residents.where(normalised_email(F.col("Email")).isNull()).select(cleansing.text("cid").alias("Id"))
    contact_ids = contacts.where(
        (F.col("ContactType") == "Contact") & normalised_email(F.col("Email")).isNull()
    ).select(cleansing.text("ContactId").alias("Id"))
    resolution = "A profile of its own"
    detail = F.lit("no e-mail (empty or only whitespace) to match on")
    return cleansing.finding(
        resident_ids.distinct(), "NoEmailToMatch", "residents", F.col("Id"), detail, resolution
    ).unionByName(cleansing.finding(contact_ids, "NoEmailToMatch", "contacts", F.col("Id"), detail, resolution))


def _answers(surveys: DataFrame) -> tuple[DataFrame, DataFrame]:
    """The survey answers within the survey's 0-5 scale, and findings for those outside it."""
    answer = F.col("answer").cast("double")
    low, high = ANSWER_RANGE
    within = answer.between(low, high)
    outside = surveys.where(answer.isNotNull() & ~within)
    found = cleansing.finding(
        outside,
        "SurveyAnswerOutOfRange",
        "surveys",
        F.col("sid"),
        F.concat(F.lit("answer "), answer.cast("string"), F.lit(f" outside {low:g}-{high:g}")),
        "Left out of the survey features and the CSAT score",
    )
    return surveys.where(within), found


def _tenancies(leases: DataFrame, as_of: date) -> DataFrame:
    """Per tenancy (``cid``, ``pid``, ``uid``): whether current (``__current``), its leases ending soon
    (``__ending``) and the rent of its occupied months (``__value``)."""
    day = F.lit(as_of)
    rent = cleansing.optional(leases, conformed.LEASES, "MonthlyRent")
    # Occupied from the start day until the move-out day, the day after the lease's last, or the day
    # after the business date, whichever comes first.
    after = F.date_add(day, 1)
    until = F.least(F.coalesce("MoveOutDate", F.date_add("EndDate", 1), after), after)
    months = F.greatest(F.months_between(until, F.col("StartDate")), F.lit(0.0))
    current = F.col("MoveOutDate").isNull() & (F.coalesce("EndDate", day) >= day)
    lease_rows = leases.select(
        "cid",
        "pid",
        "uid",
        current.alias("__current"),
        (current & F.col("EndDate").between(day, F.date_add(day, ENDING_SOON_DAYS))).alias("__ending"),
        (F.coalesce(rent, F.lit(0.0)) * months).alias("__value"),
    )
    return lease_rows.groupBy("cid", "pid", "uid").agg(
        F.max(F.col("__current").cast("int")).alias("__current"),
        F.sum(F.col("__ending").cast("int")).alias("__ending"),
        F.sum("__value").alias("__value"),
    )


def lease_measures(leases: DataFrame, bridge: DataFrame, as_of: date) -> DataFrame:
    """Per customer: tenancies, current ones, leases ending within 90 days, and lifetime value."""
    return (
        _tenancies(leases, as_of)
        .join(bridge, "cid")
        .groupBy("CustomerId")
        .agg(
            F.count(F.lit(1)).alias("Tenancies"),
            F.sum("__current").alias("CurrentTenancies"),
            F.sum("__ending").alias("LeasesEndingIn90Days"),
            F.round(F.sum("__value"), 2).alias("LifetimeValue"),
        )
    )


def work_order_measures(work_orders: DataFrame, bridge: DataFrame) -> DataFrame:
    """Per customer: work orders, and those for air conditioning."""
    return (
        work_orders.join(bridge, "cid")
        .groupBy("CustomerId")
        .agg(
            F.count(F.lit(1)).alias("WorkOrders"),
            F.count(F.when(cleansing.text("workorder_type") == AIR_CONDITIONING, True)).alias(
                "AirConditioningWorkOrders"
            ),
        )
    )


def csat_scores(profiles: DataFrame, surveys: DataFrame) -> DataFrame:
    """Per customer: the average survey answer on the CSAT scale."""
    # Surveys carry no resident id, only the address the resident answered from.
    return (
        surveys.withColumn("NormalisedEmail", normalised_email(F.col("Email")))
        .join(profiles.select("CustomerId", "NormalisedEmail"), "NormalisedEmail")
        .groupBy("CustomerId")
        .agg(F.round(F.avg(F.col("answer").cast("double")) * CSAT_SCALE, 2).alias("CsatScore"))
    )


def profile_measures(
    profiles: DataFrame, leases: DataFrame, work_orders: DataFrame, surveys: DataFrame, as_of: date
) -> DataFrame:
    """The profiles with their measures (see the module docstring), as of ``as_of``."""
    bridge = profile_bridge(profiles).select("CustomerId", "cid")
    return (
        profiles.join(lease_measures(leases, bridge, as_of), "CustomerId", "left")
        .join(work_order_measures(work_orders, bridge), "CustomerId", "left")
        .join(csat_scores(profiles, surveys), "CustomerId", "left")
        .fillna(
            {
                "Tenancies": 0,
                "CurrentTenancies": 0,
                "LeasesEndingIn90Days": 0,
                "WorkOrders": 0,
                "AirConditioningWorkOrders": 0,
            }
        )
    )


def segments(profiles: DataFrame) -> DataFrame:
    """One row per segment and member profile (see the module docstring)."""
    ranked = profiles.withColumn(
        "__value_rank",
        F.percent_rank().over(Window.partitionBy(F.col("LifetimeValue") > 0).orderBy("LifetimeValue")),
    )
    current = F.col("CurrentTenancies") > 0
    ending = F.col("LeasesEndingIn90Days") > 0
    rules: list[tuple[str, Column, Column]] = [
        ("LeaseEndingSoon", ending, F.lit(f"a lease ends within {ENDING_SOON_DAYS} days")),
        (
            "LeaseEndingSoonWithAirConditioningIssues",
            ending & (F.col("AirConditioningWorkOrders") > 0),
            F.concat(F.lit("lease ending soon; air-conditioning work orders: "), F.col("AirConditioningWorkOrders")),
        ),
        (
            "UnhappyCurrentResidents",
            current & (F.col("CsatScore") < UNHAPPY_CSAT),
            F.concat(F.lit("CSAT "), F.col("CsatScore").cast("string")),
        ),
        (
            "HighValueResidents",
            current & (F.col("LifetimeValue") > 0) & (F.col("__value_rank") >= 1 - HIGH_VALUE_SHARE),
            F.concat(F.lit("lifetime value "), F.col("LifetimeValue").cast("string")),
        ),
    ]
    members = [
        ranked.where(condition).select(
            F.lit(name).alias("Segment"), "CustomerId", "Email", "FirstName", "LastName", reason.alias("Reason")
        )
        for name, condition, reason in rules
    ]
    found = members[0]
    for more in members[1:]:
        found = found.unionByName(more)
    return found


def _column_name(column: Column) -> Column:
    return F.regexp_replace(column, "[^A-Za-z0-9_]", "")


def lease_features(leases: DataFrame) -> DataFrame:
    """Per resident x property x unit: terms, renewals, move-out facts."""
    is_application = F.col("Type") == "Application"
    is_renewal = F.col("Type") == "Renewal"
    grouped = leases.groupBy("cid", "pid", "uid").agg(
        F.max(F.when(is_application, F.col("LeaseTerm").cast("double"))).alias("InitialLeaseTerm"),
        F.count(F.when(is_renewal, True)).alias("num_renewals"),
        F.avg(F.when(is_renewal, F.col("LeaseTerm").cast("double"))).alias("avg_renewal_leaseterm"),
        F.min(F.to_date("StartDate")).alias("min_LeaseBeginDate"),
        F.max(F.to_date("EndDate")).alias("max_LeaseEndDate"),
        F.max(F.to_date("MoveOutDate")).alias("max_MoveOutDate"),
    )
    days_early = F.datediff("max_LeaseEndDate", "max_MoveOutDate")
    return grouped.select(
        "*",
        F.when(F.col("num_renewals") >= 1, "Y").otherwise("N").alias(LABEL),
        F.when(F.col("max_MoveOutDate").isNotNull(), "Y").otherwise("N").alias("isMovedOut"),
        days_early.alias("diffMoveOutDays"),
        F.when(days_early > EARLY_MOVE_OUT_DAYS, "Y").otherwise("N").alias("isEarlyMoveOut"),
    )


def work_order_features(work_orders: DataFrame) -> DataFrame:
    """Work orders per resident x property x unit and type, one ``WO_<Type>`` column per type."""
    named = work_orders.withColumn("WoColumn", F.concat(F.lit("WO_"), _column_name(F.col("workorder_type"))))
    return named.groupBy("cid", "pid", "uid").pivot("WoColumn").count()


def survey_features(surveys: DataFrame, bridge: DataFrame) -> DataFrame:
    """Average answer per resident x property and survey question, one column per question."""
    keyed = surveys.withColumn("NormalisedEmail", normalised_email(F.col("Email"))).withColumn(
        "SurveyColumn", _column_name(F.concat_ws("_", "surveytype", "question"))
    )
    joined = keyed.join(bridge, "NormalisedEmail")
    return joined.groupBy("cid", "pid").pivot("SurveyColumn").agg(F.avg(F.col("answer").cast("double")))


def renewal_features(profiles: DataFrame, leases: DataFrame, work_orders: DataFrame, surveys: DataFrame) -> DataFrame:
    """The model's input: lease, work-order and survey features per tenancy, with the customer id."""
    bridge = profile_bridge(profiles)
    features = (
        lease_features(leases)
        .join(work_order_features(work_orders), ["cid", "pid", "uid"], "left")
        .join(survey_features(surveys, bridge), ["cid", "pid"], "left")
        .join(bridge.select("cid", "CustomerId"), "cid", "left")
    )
    counts = [c for c in features.columns if c.startswith(("WO_", "Movein_", "Renewal_"))]
    return features.fillna(0, subset=[*counts, "InitialLeaseTerm"])


def model_features(columns: Sequence[str]) -> list[str]:
    """The feature columns the model uses, in a stable order."""
    return [*BASE_FEATURES, *sorted(c for c in columns if c.startswith(FEATURE_PREFIXES))]


def score_expression(model: Mapping[str, Any], columns: Sequence[str]) -> Column:
    """P(renew) of a logistic-regression model exported as intercept and per-feature coefficients.

    A feature the model knows but the data lacks (a work-order type nobody reported) counts as 0.
    """
    missing = [name for name in model["coefficients"] if name not in columns and not name.startswith(FEATURE_PREFIXES)]
    if missing:
        raise DataQualityError(f"renewal_features: the model needs column(s) {', '.join(missing)}")
    linear: Column = F.lit(float(model["intercept"]))
    for name, weight in model["coefficients"].items():
        value = F.col(name).cast("double") if name in columns else F.lit(0.0)
        linear = linear + F.coalesce(value, F.lit(0.0)) * F.lit(float(weight))
    return F.lit(1.0) / (F.lit(1.0) + F.exp(-linear))


def load_model(text: str) -> dict[str, Any]:
    model = json.loads(text)
    if not isinstance(model, dict) or not {"intercept", "coefficients", "threshold"} <= set(model):
        raise DataQualityError("renewal model: expected JSON with intercept, coefficients and threshold")
    if not all(math.isfinite(float(w)) for w in model["coefficients"].values()):
        raise DataQualityError("renewal model: a coefficient is not a finite number")
    return model


def score_tenancies(features: DataFrame, model: Mapping[str, Any]) -> DataFrame:
    """P(renew) and the predicted class for every current tenancy (not moved out)."""
    current = features.where(F.col("isMovedOut") == "N")
    probability = score_expression(model, features.columns)
    return current.select("CustomerId", "cid", "pid", "uid", probability.alias("RenewalProbability")).withColumn(
        "RenewalPredicted", (F.col("RenewalProbability") >= float(model["threshold"])).cast("int")
    )


def renewal_predictions(scored: DataFrame) -> DataFrame:
    """Per customer: the minimum prediction and score over their current tenancies (score x 100)."""
    return (
        scored.where(F.col("CustomerId").isNotNull())
        .groupBy("CustomerId")
        .agg(
            F.when(F.min("RenewalPredicted") == 1, "Y").otherwise("N").alias("RenewalPrediction"),
            F.round(F.min("RenewalProbability") * 100, 2).alias("RenewalPredictionScore"),
        )
    )


def as_of_date(inputs: Mapping[str, DataFrame], as_of: date) -> dict[str, DataFrame]:
    """The inputs as the business date knew them: leases not yet started, move-outs, repairs and
    surveys after it have not happened."""
    day = F.lit(as_of)
    leases = inputs["leases"].where(F.col("StartDate") <= day)
    leases = leases.withColumn("MoveOutDate", F.when(F.col("MoveOutDate") <= day, F.col("MoveOutDate")))
    return {
        **inputs,
        "residents": inputs["residents"].where(F.to_date("Created_date") <= day),
        "leases": leases,
        "work_orders": inputs["work_orders"].where(F.col("ServiceRequestDate") <= day),
        "surveys": inputs["surveys"].where(F.col("surveydate") <= day),
    }


def build_features(inputs: Mapping[str, DataFrame], as_of: date) -> dict[str, DataFrame]:
    """Stage ``features``: check the inputs, unify the profiles with their measures and segments, build the
    renewal features, all as of the business date ``as_of``."""
    checked = as_of_date(check_inputs(inputs), as_of)
    surveys, survey_findings = _answers(checked["surveys"])
    unified = unify_profiles(checked["residents"], checked["contacts"])
    profiles = profile_measures(unified, checked["leases"], checked["work_orders"], surveys, as_of)
    findings = cleansing.findings(
        unified.sparkSession, unmatched_records(checked["residents"], checked["contacts"]), survey_findings
    )
    return {
        "profiles": profiles,
        "segments": segments(profiles),
        "renewal_features": renewal_features(unified, checked["leases"], checked["work_orders"], surveys),
        cleansing.FINDINGS: findings,
    }


def build_predictions(features: DataFrame, model: Mapping[str, Any]) -> dict[str, DataFrame]:
    """Stage ``score``: publish the renewal prediction per customer from the trained model."""
    required = ("CustomerId", "cid", "pid", "uid", "isMovedOut", *BASE_FEATURES)
    check_all(
        {"renewal_features": features},
        {"renewal_features": Expectation(required=required, key=("cid", "pid", "uid"))},
    )
    return {"renewal_predictions": renewal_predictions(score_tenancies(features, model))}
