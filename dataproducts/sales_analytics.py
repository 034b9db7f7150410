"""Sales analytics (the corporate sales scenario): CRM customers joined with ERP sales.

Publishes ``sales_summary`` (revenue, orders and payments by customer, territory and month) and
``order_status`` (per order: open or not, amount paid, payment status). Revenue is the sum of the
order lines of orders that are not cancelled; the territory of an order is the customer's assignment
valid on the order date, so a reassigned customer's revenue splits between its territories.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from cloudscale.dataproducts.quality import Expectation, check_all

INPUTS: dict[str, str] = {
    "customers": "crm/customers",
    "territory_assignments": "crm/territory_assignments",
    "sales_headers": "erp/sales_headers",
    "sales_lines": "erp/sales_lines",
    "payments": "erp/payments",
}
OUTPUTS: tuple[str, ...] = ("sales_summary", "order_status")

EXPECTATIONS: dict[str, Expectation] = {
    "customers": Expectation(required=("Name", "Segment"), key=("CustomerId",), max_null_rate={"Name": 0.0}),
    "territory_assignments": Expectation(
        required=("CustomerId", "TerritoryId", "ValidFrom", "ValidTo"), key=("AssignmentId",)
    ),
    "sales_headers": Expectation(
        required=("CustomerId", "OrderDate", "Status"),
        key=("OrderId",),
        max_null_rate={"CustomerId": 0.0, "OrderDate": 0.0},
    ),
    "sales_lines": Expectation(required=("Amount",), key=("OrderId", "LineNo"), max_null_rate={"Amount": 0.0}),
    "payments": Expectation(required=("OrderId", "Amount"), key=("PaymentId",), allow_empty=True),
}

CANCELLED = "Cancelled"
OPEN = "Open"


def check_inputs(inputs: dict[str, DataFrame]) -> dict[str, DataFrame]:
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
        "TerritoryId",
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
    summary = placed.groupBy("CustomerId", "TerritoryId", "Month").agg(
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
        "TerritoryId",
        "Month",
        "Revenue",
        "Orders",
        "OpenOrders",
        "OpenOrderValue",
        "AmountPaid",
        "Outstanding",
        "OrdersAwaitingPayment",
    )


def build(inputs: dict[str, DataFrame]) -> dict[str, DataFrame]:
    """Check the inputs, then compute every output of the product."""
    checked = check_inputs(inputs)
    orders = order_status(checked["sales_headers"], checked["sales_lines"], checked["payments"])
    return {
        "sales_summary": sales_summary(checked["customers"], checked["territory_assignments"], orders),
        "order_status": orders,
    }
