"""The last hop: one Power BI semantic model per data product, over the product's serving views.

A model's tables are the product's serving views (``serving.views``): every table the product's contract
publishes, with the columns and types the contract gives them, and nothing else. A table a product starts
publishing appears in its model, and one it stops publishing leaves it, when the bundled files are
regenerated (``catalog.write_generated``). What is declared here is only what a report adds on top: how
the tables relate, and the measures the seeds' reports need (revenue by
territory and month, customer lifetime value, renewal risk, relationship strength by seller, the
customer dimension with its segments). The models are rendered as TMDL in the Power BI project format
(``cloudscale.pipelines.tmdl``) next to each product's definitions, where the offline checks read them
back against the serving contract.

Two storage modes, by what the lake holds: a product whose served tables are all Delta is read in Direct
Lake over the zone's OneLake shortcuts to those tables; a product with any other format (the customer
dimension's Common Data Model folder is plain Parquet) is read in DirectQuery through the serverless SQL
endpoint's views, which is seed 004's path. Direct Lake reads Delta tables only and supports no complex
column types (Microsoft Learn, "Direct Lake overview", learn.microsoft.com/fabric/fundamentals/
direct-lake-overview), so a nested column (an array of source ids) stays out of every model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from cloudscale.dataproducts.contracts.model import SetContract
from cloudscale.dataproducts.contracts.products import PRODUCTS
from cloudscale.dataproducts.contracts.serving import DATABASE, View, is_nested, views

StorageMode = Literal["directLake", "directQuery"]
SEMANTIC_MODEL_FOLDER = "semanticModel"
_DECIMAL = re.compile(r"^decimal\(\d+,\d+\)$")
_TMDL_TYPES = {
    "string": "string",
    "boolean": "boolean",
    "tinyint": "int64",
    "smallint": "int64",
    "int": "int64",
    "bigint": "int64",
    "float": "double",
    "double": "double",
    "date": "dateTime",
    "timestamp": "dateTime",
    "binary": "binary",
}


def tmdl_type(spark_type: str) -> str:
    """The tabular data type (TMDL ``dataType``) a Spark SQL column type arrives as."""
    text = spark_type.replace(" ", "")
    if _DECIMAL.match(text):
        return "decimal"
    return _TMDL_TYPES.get(text, "string")


@dataclass(frozen=True)
class Measure:
    table: str
    """The view the measure is homed on (its table in the model)."""
    name: str
    expression: str
    """DAX; ``cloudscale.pipelines.dax`` evaluates the subset used here over the local serving views."""
    format_string: str = ""
    description: str = ""


@dataclass(frozen=True)
class Relationship:
    """Many rows of ``from_table`` to one row of ``to_table`` (whose column is its key)."""

    from_table: str
    from_column: str
    to_table: str
    to_column: str

    @property
    def name(self) -> str:
        return f"{self.from_table}_{self.from_column}_{self.to_table}_{self.to_column}"


@dataclass(frozen=True)
class ModelColumn:
    name: str
    data_type: str
    spark_type: str


@dataclass(frozen=True)
class ModelTable:
    view: View

    @property
    def name(self) -> str:
        return self.view.name

    @property
    def columns(self) -> list[ModelColumn]:
        return [ModelColumn(n, tmdl_type(t), t) for n, t in self.view.typed_columns if not is_nested(t)]


@dataclass(frozen=True)
class SemanticModel:
    product: str
    name: str
    description: str
    relationships: tuple[Relationship, ...] = ()
    measures: tuple[Measure, ...] = ()

    @property
    def set_name(self) -> str:
        return self.product.replace("-", "_")

    @property
    def schema(self) -> str:
        """The serving schema of its views (and of its tables in the zone's lakehouse)."""
        return self.set_name

    def model_tables(self, contracts: dict[str, SetContract] | None = None) -> list[ModelTable]:
        """One table per view the product serves, in the contract's order."""
        return [ModelTable(view) for view in views([self.product], contracts)]

    def storage_mode(self, contracts: dict[str, SetContract] | None = None) -> StorageMode:
        formats = {t.view.table.format for t in self.model_tables(contracts)}
        return "directLake" if formats == {"delta"} else "directQuery"

    @property
    def folder(self) -> str:
        """The model's folder in the product's definition set (Power BI project layout)."""
        return f"{SEMANTIC_MODEL_FOLDER}/{self.name}.SemanticModel"


SERVING_DATABASE = DATABASE


def _model(
    product: str,
    name: str,
    description: str,
    relationships: Iterable[Relationship] = (),
    measures: Iterable[Measure] = (),
) -> SemanticModel:
    if product not in PRODUCTS:
        raise ValueError(f"no data product {product!r}")
    return SemanticModel(product, name, description, tuple(relationships), tuple(measures))


SALES = _model(
    "sales-analytics",
    "SalesAnalytics",
    "Seed 002's sales report: revenue, orders and what is outstanding by territory and month",
    measures=(
        Measure(
            "sales_summary", "Revenue", "SUM('sales_summary'[Revenue])", "#,0.00", "Order lines of orders not cancelled"
        ),
        Measure("sales_summary", "Orders", "SUM('sales_summary'[Orders])", "#,0"),
        Measure("sales_summary", "Average Order Value", "DIVIDE([Revenue], [Orders])", "#,0.00"),
        Measure("sales_summary", "Outstanding", "SUM('sales_summary'[Outstanding])", "#,0.00"),
        Measure(
            "order_status",
            "Partially Paid Orders",
            "CALCULATE(COUNTROWS('order_status'), 'order_status'[PaymentStatus] = \"PartiallyPaid\")",
            "#,0",
        ),
    ),
)

CUSTOMER_360 = _model(
    "customer-360",
    "Customer360",
    "Seed 001's Customer 360 dashboard: unified profiles and their renewal risk",
    relationships=(Relationship("renewal_predictions", "CustomerId", "profiles", "CustomerId"),),
    measures=(
        Measure("profiles", "Customers", "COUNTROWS('profiles')", "#,0"),
        Measure(
            "renewal_predictions",
            "Renewal Risk",
            "DIVIDE(CALCULATE(COUNTROWS('renewal_predictions'), 'renewal_predictions'[RenewalPrediction] = \"N\"), "
            "COUNTROWS('renewal_predictions'))",
            "0.0%",
            "Share of customers whose leases are not all expected to renew",
        ),
        Measure(
            "renewal_predictions", "Renewal Score", "AVERAGE('renewal_predictions'[RenewalPredictionScore])", "0.0"
        ),
    ),
)

RELATIONSHIPS = _model(
    "relationship-mesh",
    "RelationshipMesh",
    "Seed 003's relationship dashboard: relationship strength by seller and account, interactions by day",
    relationships=(
        Relationship("interactions", "InteractionDate", "calendardata", "Date"),
        Relationship("interactionsdata", "InteractionDate", "calendardata", "Date"),
    ),
    measures=(
        Measure(
            "sellerscores",
            "Relationship Strength",
            "MAX('sellerscores'[RelationshipScore])",
            "0.0",
            "Every seller's relationship within each account; the strongest seller-account pair scores 100",
        ),
        Measure("interactionsdata", "Interactions", "SUM('interactionsdata'[InteractionCount])", "#,0"),
        Measure("interactionsdata", "Weighted Minutes", "SUM('interactionsdata'[WeightedMinutes])", "#,0.0"),
        Measure(
            "prospectingchecklist",
            "CEO Met",
            "CALCULATE(SUM('prospectingchecklist'[Flag]), "
            "'prospectingchecklist'[ChecklistItem] = \"Met with CEO in last 6 months\")",
            "#,0",
        ),
    ),
)

CUSTOMER_DIMENSION = _model(
    "customer-dimension",
    "CustomerDimension",
    "Seed 004's enhanced customer dimension with its segments, read through the serverless SQL endpoint",
    relationships=(Relationship("CustomerAffinity", "CustomerId", "Customer", "CustomerId"),),
    measures=(
        Measure("Customer", "Customers", "COUNTROWS('Customer')", "#,0"),
        Measure("Customer", "Churn Score", "AVERAGE('Customer'[ChurnScore])", "0.00"),
        Measure("CustomerAffinity", "Affinity Spend", "SUM('CustomerAffinity'[Spend])", "#,0.00"),
    ),
)

CUSTOMER_SERVICE = _model(
    "customer-service",
    "CustomerService",
    "Seed 000's service analytics: service load next to the revenue and lifetime value it supports",
    relationships=(Relationship("service_by_order", "CustomerId", "service_to_revenue", "CustomerId"),),
    measures=(
        Measure(
            "service_to_revenue",
            "Lifetime Value",
            "SUM('service_to_revenue'[Revenue])",
            "#,0.00",
            "Revenue of every order not cancelled, per customer over the whole history",
        ),
        Measure("service_to_revenue", "Open Cases", "SUM('service_to_revenue'[OpenCases])", "#,0"),
        Measure("service_by_order", "Interactions", "SUM('service_by_order'[Interactions])", "#,0"),
        Measure("service_by_order", "CSAT", "AVERAGE('service_by_order'[CsatScore])", "0.00"),
    ),
)

MODELS: dict[str, SemanticModel] = {
    m.product: m for m in (SALES, CUSTOMER_360, RELATIONSHIPS, CUSTOMER_DIMENSION, CUSTOMER_SERVICE)
}
"""Each data product's semantic model, by the product's container name."""
