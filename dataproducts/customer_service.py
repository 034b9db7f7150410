"""Customer service to revenue (seed 000): the Cosmos DB analytical store's interactions joined with ERP orders.

The seed: "near real-time analytics and insight into user interaction with applications by leveraging
Azure Synapse Link for Azure Cosmos DB", next to the ERP, surfaced in Power BI "over operational, data
warehouse, and data lake data".

The interactions are the customer-service application's container documents, read on Synapse through
Synapse Link (``cosmos.olap``, no ETL on the operational store); the orders come from the ERP in the
raw lake. Publishes ``service_by_order`` (each order with its service interactions) and
``service_to_revenue`` (per customer: interactions, open cases, resolution time, satisfaction,
revenue, and interactions per 1,000 of revenue).

Cosmos DB documents carry system properties (``_rid``, ``_etag``, ``_ts``) that the analytical store
exposes as columns; they are dropped here. A case's satisfaction (``csat``, 1-5) is reported on the
0-100 scale Customer Insights uses for CSAT (average x 20); an answer outside 1-5 is left out, a
``CsatOutOfRange`` finding. A case about an order the ERP does not have is a ``CaseOfUnknownOrder``
finding (it still counts for its customer), and one closed before it opened has no resolution time
(``CaseClosedBeforeOpened``).

Everything is as of the business date: cases opened and orders placed after it have not happened, and a
case closed after it was still open then, without its satisfaction answer, so a backfill publishes what
its window did. Blank customer and order ids are no value: they join nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from cloudscale.dataproducts import cleansing
from cloudscale.dataproducts.contracts.products import CUSTOMER_SERVICE, inputs, outputs
from cloudscale.dataproducts.quality import check_all, expectations

CONTRACT = CUSTOMER_SERVICE
INPUTS = inputs(CONTRACT)
OUTPUTS = tuple(outputs(CONTRACT))

EXPECTATIONS = expectations(CONTRACT, max_null_rate={"interactions": {"customerId": 0.0, "openedAt": 0.0}})

CSAT_SCALE = 20  # 1-5 answers to a 0-100 score
CSAT_RANGE = (1, 5)


def check_inputs(inputs: Mapping[str, DataFrame]) -> dict[str, DataFrame]:
    return check_all(inputs, EXPECTATIONS)


def cases(interactions: DataFrame) -> DataFrame:
    """The documents as cases: typed timestamps, resolution hours, system properties dropped; a
    satisfaction answer outside 1-5 and a closing before the opening are no value."""
    opened = F.col("openedAt").cast("timestamp")
    closed = F.col("closedAt").cast("timestamp")
    csat = F.col("csat").cast("double")
    low, high = CSAT_RANGE
    return interactions.select(
        cleansing.text("id").alias("CaseId"),
        cleansing.text("customerId").alias("CustomerId"),
        cleansing.text("orderId").alias("OrderId"),
        F.col("channel").alias("Channel"),
        F.col("category").alias("Category"),
        opened.alias("OpenedAt"),
        closed.alias("ClosedAt"),
        F.col("status").alias("Status"),
        F.when(csat.between(low, high), csat).alias("Csat"),
        F.when(closed >= opened, (F.unix_timestamp(closed) - F.unix_timestamp(opened)) / 3600.0).alias(
            "ResolutionHours"
        ),
    ).where(F.col("CaseId").isNotNull() & F.col("CustomerId").isNotNull())


def case_findings(interactions: DataFrame, orders: DataFrame) -> DataFrame:
    """Findings: satisfaction answers outside 1-5, cases about unknown orders, closings before openings."""
    low, high = CSAT_RANGE
    csat = F.col("csat").cast("double")
    rows = interactions.withColumn("__id", cleansing.text("id")).withColumn("__order", cleansing.text("orderId"))
    out_of_range = cleansing.finding(
        rows.where(csat.isNotNull() & ~csat.between(low, high)),
        "CsatOutOfRange",
        "interactions",
        F.col("__id"),
        F.concat(F.lit("csat "), F.col("csat").cast("string"), F.lit(f" outside {low}-{high}")),
        "Left out of the satisfaction scores",
    )
    known = orders.select(F.col("OrderId").alias("__order"))
    unknown = cleansing.finding(
        rows.where(F.col("__order").isNotNull()).join(known, "__order", "left_anti"),
        "CaseOfUnknownOrder",
        "interactions",
        F.col("__id"),
        F.concat(F.lit("order "), F.col("__order"), F.lit(" is not in the ERP")),
        "Counted for its customer, not for any order",
    )
    inverted = cleansing.finding(
        rows.where(F.col("closedAt").cast("timestamp") < F.col("openedAt").cast("timestamp")),
        "CaseClosedBeforeOpened",
        "interactions",
        F.col("__id"),
        F.lit("closedAt is before openedAt"),
        "No resolution time",
    )
    return out_of_range.unionByName(unknown).unionByName(inverted)


def order_revenue(sales_headers: DataFrame, sales_lines: DataFrame) -> DataFrame:
    amounts = sales_lines.groupBy(cleansing.text("OrderId").alias("OrderId")).agg(F.sum("Amount").alias("OrderAmount"))
    return (
        sales_headers.select(
            cleansing.text("OrderId").alias("OrderId"),
            cleansing.text("CustomerId").alias("CustomerId"),
            F.to_date("OrderDate").alias("OrderDate"),
            "Status",
        )
        .where(F.col("OrderId").isNotNull())
        .join(amounts, "OrderId", "left")
        .withColumn(
            "Revenue", F.when(F.col("Status") == "Cancelled", 0.0).otherwise(F.coalesce("OrderAmount", F.lit(0.0)))
        )
    )


def service_by_order(case_rows: DataFrame, orders: DataFrame) -> DataFrame:
    """Every order with the number of service cases about it and their satisfaction."""
    per_order = (
        case_rows.where(F.col("OrderId").isNotNull())
        .groupBy("OrderId")
        .agg(
            F.count(F.lit(1)).alias("Interactions"),
            F.round(F.avg("Csat") * CSAT_SCALE, 2).alias("CsatScore"),
        )
    )
    return (
        orders.join(per_order, "OrderId", "left")
        .fillna({"Interactions": 0})
        .select(
            "OrderId",
            "CustomerId",
            "OrderDate",
            "Status",
            F.round("Revenue", 2).alias("Revenue"),
            "Interactions",
            "CsatScore",
        )
    )


def service_to_revenue(case_rows: DataFrame, orders: DataFrame) -> DataFrame:
    """Per customer: service load next to the revenue it supports."""
    service = case_rows.groupBy("CustomerId").agg(
        F.count(F.lit(1)).alias("Interactions"),
        F.count(F.when(F.col("Status") != "Closed", True)).alias("OpenCases"),
        F.count(F.when(F.col("OrderId").isNotNull(), True)).alias("OrderRelatedInteractions"),
        F.round(F.avg("ResolutionHours"), 2).alias("AvgResolutionHours"),
        F.round(F.avg("Csat") * CSAT_SCALE, 2).alias("CsatScore"),
    )
    revenue = orders.groupBy("CustomerId").agg(
        F.round(F.sum("Revenue"), 2).alias("Revenue"), F.count(F.when(F.col("Revenue") > 0, True)).alias("Orders")
    )
    joined = revenue.join(service, "CustomerId", "full_outer").fillna(
        {"Interactions": 0, "OpenCases": 0, "OrderRelatedInteractions": 0, "Revenue": 0.0, "Orders": 0}
    )
    return joined.withColumn(
        "InteractionsPer1000Revenue",
        F.when(F.col("Revenue") > 0, F.round(F.col("Interactions") / F.col("Revenue") * 1000, 4)),
    )


def as_of_date(inputs: Mapping[str, DataFrame], as_of: date) -> dict[str, DataFrame]:
    """The inputs as the business date knew them: cases opened and orders placed after it have not
    happened; a case closed after it was open then, without its satisfaction answer."""
    day = F.lit(as_of)
    closed_later = F.to_date("closedAt") > day
    # The closing is what the business date did not know yet, so it is cleared last.
    interactions = (
        inputs["interactions"]
        .where(F.to_date("openedAt") <= day)
        .withColumn("status", F.when(closed_later, F.lit("Open")).otherwise(F.col("status")))
        .withColumn("csat", F.when(~closed_later | F.col("closedAt").isNull(), F.col("csat")))
        .withColumn("closedAt", F.when(~closed_later | F.col("closedAt").isNull(), F.col("closedAt")))
    )
    return {
        **inputs,
        "interactions": interactions,
        "sales_headers": inputs["sales_headers"].where(F.to_date("OrderDate") <= day),
    }


def build(inputs: Mapping[str, DataFrame], as_of: date) -> dict[str, DataFrame]:
    """Check the inputs, then compute every output of the product as of the business date."""
    checked = as_of_date(check_inputs(inputs), as_of)
    interactions = checked["interactions"]
    case_rows = cases(interactions)
    orders = order_revenue(checked["sales_headers"], checked["sales_lines"])
    return {
        "service_by_order": service_by_order(case_rows, orders),
        "service_to_revenue": service_to_revenue(case_rows, orders),
        cleansing.FINDINGS: cleansing.findings(interactions.sparkSession, case_findings(interactions, orders)),
    }
