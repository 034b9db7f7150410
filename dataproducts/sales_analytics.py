"""Sales analytics (the corporate sales scenario): CRM customers joined with ERP sales.

Publishes ``sales_summary`` (revenue, orders and payments by customer, territory and month) and
``order_status`` (per order: open or not, amount paid, payment status). Revenue is the sum of the
order lines of orders that are not cancelled; the territory of an order is the customer's assignment
valid on the order date, so a reassigned customer's revenue splits between its territories.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

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
    allow_empty=("payments",),
)

CANCELLED = "Cancelled"
OPEN = "Open"


def check_inputs(inputs: Mapping[str, DataFrame]) -> dict[str, DataFrame]:
    return check_all(inputs, EXPECTATIONS)


def order_status(sales_headers: DataFrame, sales_lines: DataFrame, payments: DataFrame) -> DataFrame:
    """One row per order: line amount, amount paid, outstanding, and the payment status."""
    amounts = sales_lines.groupBy("OrderId").agg(F.round(F.sum("Amount"), 2).alias("OrderAmount"))
    paid = payments.groupBy("OrderId").agg(F.round(F.sum("Amount"), 2).alias("AmountPaid"))
    orders = (
        sales_headers.select("OrderId", "CustomerId", "OrderDate", "Status")
        .join(amounts, "OrderId", "left")
        .join(paid, "OrderId", "left")
        .fillna({"OrderAmount": 0.0, "AmountPaid": 0.0})
    )
    outstanding = F.round(F.col("OrderAmount") - F.col("AmountPaid"), 2)
    return orders.select(
        "OrderId",
        "CustomerId",
        F.to_date("OrderDate").alias("OrderDate"),
        "Status",
        "OrderAmount",
        "AmountPaid",
        F.when(F.col("Status") == CANCELLED, F.lit(0.0)).otherwise(outstanding).alias("Outstanding"),
        (F.col("Status") == OPEN).alias("IsOpen"),
        F.when(F.col("Status") == CANCELLED, "Cancelled")
        .when(F.col("AmountPaid") >= F.col("OrderAmount"), "Paid")
        .when(F.col("AmountPaid") > 0, "PartiallyPaid")
        .otherwise("Unpaid")
        .alias("PaymentStatus"),
    )


def territory_on_order_date(orders: DataFrame, territory_assignments: DataFrame) -> DataFrame:
    """Attach the territory valid on each order's date (``ValidTo`` is exclusive; null = current)."""
    assignments = territory_assignments.select(
        F.col("CustomerId").alias("AssignedCustomerId"),
        "Territory",
        F.to_date("ValidFrom").alias("ValidFrom"),
        F.to_date("ValidTo").alias("ValidTo"),
    )
    valid = (
        (orders.CustomerId == assignments.AssignedCustomerId)
        & (orders.OrderDate >= assignments.ValidFrom)
        & (assignments.ValidTo.isNull() | (orders.OrderDate < assignments.ValidTo))
    )
    return orders.join(assignments, valid, "left").drop("AssignedCustomerId", "ValidFrom", "ValidTo")


def sales_summary(customers: DataFrame, territory_assignments: DataFrame, orders: DataFrame) -> DataFrame:
    """Revenue, orders, open orders and payments per customer, territory and month."""
    placed = territory_on_order_date(orders, territory_assignments).withColumn(
        "Month", F.date_format("OrderDate", "yyyy-MM")
    )
    live = F.col("Status") != CANCELLED
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
    )
    names = customers.select("CustomerId", F.col("Name").alias("CustomerName"), "Segment")
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
    )


def build(inputs: Mapping[str, DataFrame], as_of: date | None = None) -> dict[str, DataFrame]:
    """Check the inputs, then compute every output of the product as of the business date: orders and
    payments after it have not happened yet."""
    checked = check_inputs(inputs)
    headers, payments = checked["sales_headers"], checked["payments"]
    if as_of is not None:
        headers = headers.where(F.to_date("OrderDate") <= F.lit(as_of))
        payments = payments.where(F.to_date("PaymentDate") <= F.lit(as_of))
    orders = order_status(headers, checked["sales_lines"], payments)
    return {
        "sales_summary": sales_summary(checked["customers"], checked["territory_assignments"], orders),
        "order_status": orders,
    }
