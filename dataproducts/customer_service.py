"""Customer service to revenue: the Cosmos DB analytical store's interactions joined with ERP orders.

The interactions are the customer-service application's container documents, read on Synapse through
Synapse Link (``cosmos.olap``, no ETL on the operational store); the orders come from the ERP in the
raw lake. Publishes ``service_by_order`` (each order with its service interactions) and
``service_to_revenue`` (per customer: interactions, open cases, resolution time, satisfaction,
revenue, and interactions per 1,000 of revenue).

Cosmos DB documents carry system properties (``_rid``, ``_etag``, ``_ts``) that the analytical store
exposes as columns; they are dropped here. A case's satisfaction (``csat``, 1-5) is reported on the
0-100 scale Customer Insights uses for CSAT (average x 20).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from cloudscale.dataproducts.contracts.products import CUSTOMER_SERVICE, inputs, outputs
from cloudscale.dataproducts.quality import check_all, expectations

CONTRACT = CUSTOMER_SERVICE
INPUTS = inputs(CONTRACT)
OUTPUTS = tuple(outputs(CONTRACT))

EXPECTATIONS = expectations(CONTRACT, max_null_rate={"interactions": {"customerId": 0.0, "openedAt": 0.0}})

CSAT_SCALE = 20  # 1-5 answers to a 0-100 score


def check_inputs(inputs: Mapping[str, DataFrame]) -> dict[str, DataFrame]:
    return check_all(inputs, EXPECTATIONS)


def cases(interactions: DataFrame) -> DataFrame:
    """The documents as cases: typed timestamps, resolution hours, system properties dropped."""
    opened = F.col("openedAt").cast("timestamp")
    closed = F.col("closedAt").cast("timestamp")
    return interactions.select(
        F.col("id").alias("CaseId"),
        F.col("customerId").alias("CustomerId"),
        F.col("orderId").alias("OrderId"),
        F.col("channel").alias("Channel"),
        F.col("category").alias("Category"),
        opened.alias("OpenedAt"),
        closed.alias("ClosedAt"),
        F.col("status").alias("Status"),
        F.col("csat").cast("double").alias("Csat"),
        F.when(closed.isNotNull(), (F.unix_timestamp(closed) - F.unix_timestamp(opened)) / 3600.0).alias(
            "ResolutionHours"
        ),
    )


def order_revenue(sales_headers: DataFrame, sales_lines: DataFrame) -> DataFrame:
    amounts = sales_lines.groupBy("OrderId").agg(F.sum("Amount").alias("OrderAmount"))
    return (
        sales_headers.select("OrderId", "CustomerId", F.to_date("OrderDate").alias("OrderDate"), "Status")
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


def build(inputs: Mapping[str, DataFrame], as_of: date | None = None) -> dict[str, DataFrame]:
    """Check the inputs, then compute every output of the product as of the business date: cases opened
    and orders placed after it have not happened yet."""
    checked = check_inputs(inputs)
    interactions, headers = checked["interactions"], checked["sales_headers"]
    if as_of is not None:
        interactions = interactions.where(F.to_date("openedAt") <= F.lit(as_of))
        headers = headers.where(F.to_date("OrderDate") <= F.lit(as_of))
    case_rows = cases(interactions)
    orders = order_revenue(headers, checked["sales_lines"])
    return {
        "service_by_order": service_by_order(case_rows, orders),
        "service_to_revenue": service_to_revenue(case_rows, orders),
    }
