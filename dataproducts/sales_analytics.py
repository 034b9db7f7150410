"""Sales analytics (the corporate sales scenario, seed 002): CRM customers joined with ERP sales.

The seed: "Adatum's corporate sales group uses traditional enterprise resource planning (ERP) and customer
relationship management (CRM) systems to process its sales transactions", the ERP holding "transaction
headers, line-item details, shipping records, payments" and the CRM "customers and related records
(addresses, contacts, territory assignments ...)"; one data product joins them for Power BI.

Publishes ``sales_summary`` (revenue, orders, payments and deliveries by customer, territory and month),
``order_status`` (per order: open or not, amount paid, payment status, where its delivery stands) and
``quality_findings``.

- Revenue is the sum of the order lines of orders that are not cancelled.
- The territory of an order is the customer's assignment valid on the order date, so a reassigned
  customer's revenue splits between its territories. Where a customer's assignments overlap (an old one
  never closed when the next opened), the latest ``ValidFrom`` wins on each day (ties: the greatest
  assignment id), so an order counts once; each overlapped assignment is an
  ``OverlappingTerritoryAssignment`` finding.
- Shipping records: an order's ``ShipDate`` is its first shipment, ``DeliveredDate`` the delivery of its
  last once every shipment is delivered; ``DeliveryStatus`` is Cancelled, Not shipped, In transit,
  Partially delivered or Delivered, and ``DaysToShip`` / ``DaysToDeliver`` count from the order date.
- Everything is as of the business date: orders, payments, shipments and assignments after it have not
  happened, a delivery after it is still in transit, and an assignment closed after it was still open.
  A backfill for an earlier window therefore publishes what that window published.
- Blank customer ids and territories are no value: they match and group nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from cloudscale.dataproducts import cleansing
from cloudscale.dataproducts.contracts.products import SALES_ANALYTICS, inputs, outputs
from cloudscale.dataproducts.quality import check_all, expectations

CONTRACT = SALES_ANALYTICS
INPUTS = inputs(CONTRACT)
OUTPUTS = tuple(outputs(CONTRACT))

EXPECTATIONS = expectations(
    CONTRACT,
    max_null_rate={
        "customers": {"Name": 0.0},
        "sales_headers": {"CustomerId": 0.0, "OrderDate": 0.0},
        "sales_lines": {"Amount": 0.0},
    },
    allow_empty=("payments", "shipments"),
)

CANCELLED = "Cancelled"
OPEN = "Open"


def check_inputs(inputs: Mapping[str, DataFrame]) -> dict[str, DataFrame]:
    return check_all(inputs, EXPECTATIONS)


def order_status(
    sales_headers: DataFrame, sales_lines: DataFrame, payments: DataFrame, shipments: DataFrame
) -> DataFrame:
    """One row per order: line amount, amount paid, outstanding, payment status and delivery."""
    amounts = sales_lines.groupBy("OrderId").agg(F.round(F.sum("Amount"), 2).alias("OrderAmount"))
    paid = payments.groupBy("OrderId").agg(F.round(F.sum("Amount"), 2).alias("AmountPaid"))
    delivery = shipments.groupBy("OrderId").agg(
        F.min("ShipDate").alias("ShipDate"),
        F.count(F.lit(1)).alias("__shipments"),
        F.count("DeliveredDate").alias("__delivered"),
        F.max("DeliveredDate").alias("__last_delivery"),
    )
    orders = (
        sales_headers.select("OrderId", "CustomerId", "OrderDate", "Status")
        .join(amounts, "OrderId", "left")
        .join(paid, "OrderId", "left")
        .join(delivery, "OrderId", "left")
        .fillna({"OrderAmount": 0.0, "AmountPaid": 0.0, "__shipments": 0, "__delivered": 0})
    )
    outstanding = F.round(F.col("OrderAmount") - F.col("AmountPaid"), 2)
    cancelled = F.col("Status") == CANCELLED
    delivered = (F.col("__shipments") > 0) & (F.col("__delivered") == F.col("__shipments"))
    delivered_date = F.when(delivered, F.col("__last_delivery"))
    return orders.select(
        "OrderId",
        "CustomerId",
        F.to_date("OrderDate").alias("OrderDate"),
        "Status",
        "OrderAmount",
        "AmountPaid",
        F.when(cancelled, F.lit(0.0)).otherwise(outstanding).alias("Outstanding"),
        (F.col("Status") == OPEN).alias("IsOpen"),
        F.when(cancelled, "Cancelled")
        .when(F.col("AmountPaid") >= F.col("OrderAmount"), "Paid")
        .when(F.col("AmountPaid") > 0, "PartiallyPaid")
        .otherwise("Unpaid")
        .alias("PaymentStatus"),
        "ShipDate",
        delivered_date.alias("DeliveredDate"),
        _delivery_status(cancelled, delivered).alias("DeliveryStatus"),
        F.datediff("ShipDate", "OrderDate").alias("DaysToShip"),
        F.datediff(delivered_date, F.col("OrderDate")).alias("DaysToDeliver"),
    )


def _delivery_status(cancelled: Column, delivered: Column) -> Column:
    return (
        F.when(cancelled, "Cancelled")
        .when(F.col("__shipments") == 0, "Not shipped")
        .when(delivered, "Delivered")
        .when(F.col("__delivered") > 0, "Partially delivered")
        .otherwise("In transit")
    )


def _assignments(territory_assignments: DataFrame) -> DataFrame:
    """The assignments with a customer and a day they start on; one ending before it starts holds never."""
    return territory_assignments.select(
        cleansing.text("AssignmentId").alias("AssignmentId"),
        cleansing.text("CustomerId").alias("__on"),
        cleansing.text("Territory").alias("Territory"),
        F.to_date("ValidFrom").alias("ValidFrom"),
        F.to_date("ValidTo").alias("ValidTo"),
    ).where(
        F.col("__on").isNotNull()
        & F.col("ValidFrom").isNotNull()
        & (F.col("ValidTo").isNull() | (F.col("ValidTo") > F.col("ValidFrom")))
    )


def territory_on_order_date(orders: DataFrame, territory_assignments: DataFrame) -> DataFrame:
    """Attach the territory valid on each order's date (``ValidTo`` is exclusive; null = current): one per
    order, the latest-starting where assignments overlap."""
    return cleansing.valid_on(
        orders,
        _assignments(territory_assignments),
        on="CustomerId",
        date="OrderDate",
        fact_key=("OrderId",),
        interval_id="AssignmentId",
    )


def overlapping_assignments(territory_assignments: DataFrame) -> DataFrame:
    """Findings: each assignment that a later one overlaps, and from when it gives way."""
    overlapped = cleansing.overlaps(
        _assignments(territory_assignments).withColumnRenamed("__on", "CustomerId"),
        on="CustomerId",
        interval_id="AssignmentId",
    )
    return cleansing.finding(
        overlapped,
        "OverlappingTerritoryAssignment",
        "territory_assignments",
        F.col("Loser"),
        F.concat(
            F.lit("valid from "),
            F.col("LoserFrom").cast("string"),
            F.lit(" and still holding when "),
            F.col("Winners"),
            F.lit(" began on "),
            F.col("FirstWinnerFrom").cast("string"),
        ),
        "Orders from the later assignment's start count in its territory only",
    )


def sales_summary(customers: DataFrame, territory_assignments: DataFrame, orders: DataFrame) -> DataFrame:
    """Revenue, orders, open orders, payments and deliveries per customer, territory and month."""
    placed = territory_on_order_date(orders, territory_assignments).withColumn(
        "Month", F.date_format("OrderDate", "yyyy-MM")
    )
    live = F.col("Status") != CANCELLED
    delivered = F.col("DeliveryStatus") == "Delivered"
    summary = placed.groupBy("CustomerId", "Territory", "Month").agg(
        F.round(F.sum(F.when(live, F.col("OrderAmount")).otherwise(0.0)), 2).alias("Revenue"),
        F.count(F.when(live, True)).alias("Orders"),
        F.count(F.when(F.col("IsOpen"), True)).alias("OpenOrders"),
        F.round(F.sum(F.when(F.col("IsOpen"), F.col("OrderAmount")).otherwise(0.0)), 2).alias("OpenOrderValue"),
        F.round(F.sum("AmountPaid"), 2).alias("AmountPaid"),
        F.round(F.sum("Outstanding"), 2).alias("Outstanding"),
        F.count(F.when(F.col("PaymentStatus").isin("Unpaid", "PartiallyPaid") & ~F.col("IsOpen"), True)).alias(
            "OrdersAwaitingPayment"
        ),
        F.count("ShipDate").alias("ShippedOrders"),
        F.count(F.when(delivered, True)).alias("DeliveredOrders"),
        F.round(F.avg("DaysToDeliver"), 2).alias("AvgDaysToDeliver"),
    )
    names = customers.select(
        cleansing.text("CustomerId").alias("CustomerId"), F.col("Name").alias("CustomerName"), "Segment"
    ).where(F.col("CustomerId").isNotNull())
    return summary.join(names, "CustomerId", "left").select(
        "CustomerId",
        "CustomerName",
        "Segment",
        "Territory",
        "Month",
        "Revenue",
        "Orders",
        "OpenOrders",
        "OpenOrderValue",
        "AmountPaid",
        "Outstanding",
        "OrdersAwaitingPayment",
        "ShippedOrders",
        "DeliveredOrders",
        "AvgDaysToDeliver",
    )


def as_of_date(inputs: Mapping[str, DataFrame], as_of: date) -> dict[str, DataFrame]:
    """The inputs as the business date knew them: orders, payments, shipments and assignments after it
    have not happened, a delivery after it is still under way, an assignment closed after it still holds."""
    day = F.lit(as_of)
    shipments = inputs["shipments"].where(F.to_date("ShipDate") <= day)
    assignments = inputs["territory_assignments"].where(F.to_date("ValidFrom") <= day)
    return {
        **inputs,
        "sales_headers": inputs["sales_headers"].where(F.to_date("OrderDate") <= day),
        "payments": inputs["payments"].where(F.to_date("PaymentDate") <= day),
        "shipments": shipments.withColumn(
            "DeliveredDate", F.when(F.to_date("DeliveredDate") <= day, F.to_date("DeliveredDate"))
        ),
        "territory_assignments": assignments.withColumn(
            "ValidTo", F.when(F.to_date("ValidTo") <= day, F.to_date("ValidTo"))
        ),
    }


def _keyed(df: DataFrame, *columns: str) -> DataFrame:
    """``df`` with its id columns as clean text: a blank id is no id."""
    return df.select(*[cleansing.text(c).alias(c) if c in columns else F.col(f"`{c}`") for c in df.columns])


def build(inputs: Mapping[str, DataFrame], as_of: date) -> dict[str, DataFrame]:
    """Check the inputs, then compute every output of the product as of the business date."""
    checked = as_of_date(check_inputs(inputs), as_of)
    headers = (
        _keyed(checked["sales_headers"], "OrderId", "CustomerId")
        .withColumn("OrderDate", F.to_date("OrderDate"))
        .where(F.col("OrderId").isNotNull())
    )
    shipments = _keyed(checked["shipments"], "OrderId").select(
        "OrderId", F.to_date("ShipDate").alias("ShipDate"), F.to_date("DeliveredDate").alias("DeliveredDate")
    )
    orders = order_status(
        headers,
        _keyed(checked["sales_lines"], "OrderId"),
        _keyed(checked["payments"], "OrderId"),
        shipments.where(F.col("ShipDate").isNotNull()),
    )
    spark = headers.sparkSession
    return {
        "sales_summary": sales_summary(checked["customers"], checked["territory_assignments"], orders),
        "order_status": orders,
        cleansing.FINDINGS: cleansing.findings(spark, overlapping_assignments(checked["territory_assignments"])),
    }
