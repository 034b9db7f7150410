"""The serving layer: one view per published table, declared once, rendered for two engines.

The logical data warehouse on the Synapse serverless SQL endpoint exposes every table a zone's products
publish as a view in a schema named after the product (``[sales_analytics].[sales_summary]``), which
Power BI reads. The views are derived from the products' contracts, so a view always reads the folder
its product writes, in its format, with the contract's columns and types:

* :func:`tsql` renders what the serverless endpoint runs: ``OPENROWSET`` over the Delta folder (or the
  Parquet files of a CDM entity) with a ``WITH`` clause that types every column, strings as UTF-8
  (serverless SQL "Best practices": declare types and use a ``_UTF8`` collation for text in Parquet and
  Delta; complex types come back as JSON text);
* :func:`duckdb` renders the same views for the embedded engine that ``cloudscale flow run`` uses over
  the local lake, so the run ends with the queries Power BI would send.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from cloudscale.dataproducts.contracts.model import Read, SetContract, Table
from cloudscale.dataproducts.contracts.products import PRODUCT_SETS

DATABASE = "curated"
DATA_SOURCE = "curated"
CREDENTIAL = "WorkspaceIdentity"
UTF8 = "Latin1_General_100_BIN2_UTF8"
_SIMPLE_TSQL = {
    "boolean": "BIT",
    "tinyint": "TINYINT",
    "smallint": "SMALLINT",
    "int": "INT",
    "bigint": "BIGINT",
    "float": "REAL",
    "double": "FLOAT",
    "date": "DATE",
    "timestamp": "DATETIME2(7)",
    "binary": "VARBINARY(8000)",
}
_SIMPLE_DUCKDB = {
    "string": "VARCHAR",
    "boolean": "BOOLEAN",
    "tinyint": "TINYINT",
    "smallint": "SMALLINT",
    "int": "INTEGER",
    "bigint": "BIGINT",
    "float": "FLOAT",
    "double": "DOUBLE",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "binary": "BLOB",
}
_DECIMAL = re.compile(r"^decimal\((\d+),(\d+)\)$")


SERVING_SET = "logical_warehouse"


def served(table: Table) -> bool:
    """Whether the serving layer has a view of this table a product writes (its published Delta or CDM)."""
    return (
        table.in_lake
        and table.format in ("delta", "cdm")
        and "/staging/" not in table.id
        and "/models/" not in table.id
    )


SERVING = SetContract(
    set=SERVING_SET,
    description="One serverless SQL view per table a data product publishes, in a schema per product",
    reads=tuple(Read(t.id, t.column_names) for c in PRODUCT_SETS for t in c.writes if served(t)),
)
"""The views read every published table of every bundled product; a zone serves the products it runs."""


@dataclass(frozen=True)
class View:
    """One serving view: its schema (the product) and name (the table), over one published table, with
    the columns the serving contract reads (typed as the product's contract declares them)."""

    product: str
    table: Table
    columns: tuple[str, ...] = ()

    @property
    def typed_columns(self) -> list[tuple[str, str]]:
        wanted = self.columns or self.table.column_names
        return [(c.name, c.type) for c in self.table.columns if c.name in wanted]

    @property
    def schema(self) -> str:
        return self.product.replace("-", "_")

    @property
    def name(self) -> str:
        return self.table.path.rsplit("/", 1)[-1]

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def bulk_path(self) -> str:
        """The path ``OPENROWSET`` reads, relative to the workspace lake's endpoint."""
        folder = f"{self.table.container}/{self.table.path}"
        return f"{folder}/*.parquet" if self.table.format == "cdm" else f"{folder}/"

    @property
    def format(self) -> str:
        return "DELTA" if self.table.format == "delta" else "PARQUET"


def views(
    products: Iterable[str], contracts: Mapping[str, SetContract] | None = None, reads: SetContract = SERVING
) -> list[View]:
    """The views of the products a zone runs, in product order: each table the serving contract reads
    that one of those products writes (tables and columns as the zone's contracts declare them)."""
    written: dict[str, Table] = {}
    for contract in (contracts or {c.set: c for c in PRODUCT_SETS}).values():
        written.update({t.id: t for t in contract.writes})
    found = []
    for product in products:
        for read in reads.reads:
            if read.table.split("/")[1] == product and read.table in written:
                found.append(View(product, written[read.table], read.columns))
    return found


def tsql_type(spark_type: str) -> str:
    text = spark_type.replace(" ", "")
    if text == "string":
        return f"VARCHAR(8000) COLLATE {UTF8}"
    if text in _SIMPLE_TSQL:
        return _SIMPLE_TSQL[text]
    match = _DECIMAL.match(text)
    if match:
        return f"DECIMAL({match[1]},{match[2]})"
    # Arrays, maps and structs: serverless SQL returns a nested value as its JSON text.
    return f"VARCHAR(MAX) COLLATE {UTF8}"


def duckdb_type(spark_type: str) -> str:
    text = spark_type.replace(" ", "")
    if text in _SIMPLE_DUCKDB:
        return _SIMPLE_DUCKDB[text]
    match = _DECIMAL.match(text)
    if match:
        return f"DECIMAL({match[1]},{match[2]})"
    return "VARCHAR"


def is_nested(spark_type: str) -> bool:
    return spark_type.replace(" ", "").startswith(("array<", "struct<", "map<"))


def tsql_database() -> str:
    """Run in ``master``: the serving database, once."""
    return f"IF DB_ID('{DATABASE}') IS NULL CREATE DATABASE [{DATABASE}]"


def tsql_data_source(workspace_account_placeholder: str = "{{ lake.workspace.account }}") -> str:
    """Run in the serving database: its master key, the workspace identity's credential, the data source."""
    return (
        "IF NOT EXISTS (SELECT * FROM sys.symmetric_keys WHERE name = '##MS_DatabaseMasterKey##')\n"
        "    CREATE MASTER KEY;\n"
        f"IF NOT EXISTS (SELECT * FROM sys.database_scoped_credentials WHERE name = '{CREDENTIAL}')\n"
        f"    CREATE DATABASE SCOPED CREDENTIAL {CREDENTIAL} WITH IDENTITY = 'Managed Identity';\n"
        f"IF NOT EXISTS (SELECT * FROM sys.external_data_sources WHERE name = '{DATA_SOURCE}')\n"
        f"    CREATE EXTERNAL DATA SOURCE {DATA_SOURCE} WITH (LOCATION = "
        f"'https://{workspace_account_placeholder}.dfs.core.windows.net', CREDENTIAL = {CREDENTIAL});"
    )


def tsql_view(view: View) -> str:
    """``CREATE OR ALTER VIEW`` of one view, typed by its table's contract."""
    columns = ",\n        ".join(f"[{name}] {tsql_type(kind)}" for name, kind in view.typed_columns)
    return (
        f"CREATE OR ALTER VIEW [{view.schema}].[{view.name}] AS\n"
        "SELECT * FROM OPENROWSET(\n"
        f"    BULK '{view.bulk_path}', DATA_SOURCE = '{DATA_SOURCE}', FORMAT = '{view.format}'\n"
        f") WITH (\n        {columns}\n) AS [rows]"
    )


def tsql_schema(schema: str) -> str:
    return f"IF SCHEMA_ID('{schema}') IS NULL EXEC('CREATE SCHEMA [{schema}]')"


def tsql_product(product_views: Sequence[View]) -> list[str]:
    """The statements that (re)create one product's views: its schema, then each view."""
    if not product_views:
        return []
    return [tsql_schema(product_views[0].schema), *(tsql_view(v) for v in product_views)]


def duckdb_view(view: View, files: Sequence[str]) -> str:
    """The view over the files of the table's current version, typed as the serverless view types it."""
    listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    columns = ", ".join(
        f'to_json("{name}")::VARCHAR AS "{name}"'
        if is_nested(kind)
        else f'CAST("{name}" AS {duckdb_type(kind)}) AS "{name}"'
        for name, kind in view.typed_columns
    )
    if not files:
        empty = ", ".join(f'CAST(NULL AS {duckdb_type(kind)}) AS "{name}"' for name, kind in view.typed_columns)
        return f'CREATE OR REPLACE VIEW "{view.schema}"."{view.name}" AS SELECT {empty} WHERE FALSE'
    return (
        f'CREATE OR REPLACE VIEW "{view.schema}"."{view.name}" AS '
        f"SELECT {columns} FROM read_parquet([{listed}], union_by_name = true)"
    )


def sql_script() -> dict[str, object]:
    """The logical warehouse as one SQL script for Synapse Studio: what the master's serving steps run for
    every bundled product, to read or run by hand (``sqlscript/sql_logical_warehouse.json``)."""
    batches = [f"-- In master:\n{tsql_database()}", f"-- In {DATABASE}:\n{tsql_data_source()}"]
    for contract in PRODUCT_SETS:
        product = next((v.product for v in views_of_set(contract)), "")
        batches += tsql_product(views([product])) if product else []
    return {
        "name": "sql_logical_warehouse",
        "properties": {
            "description": "The serving database and one view per published table, as the master pipeline creates them",
            "folder": {"name": "cloudscale"},
            "content": {
                "query": "\nGO\n".join(batches) + "\nGO\n",
                "metadata": {"language": "sql"},
                "currentConnection": {"databaseName": DATABASE, "poolName": "Built-in"},
                "resultLimit": 5000,
            },
            "type": "SqlQuery",
        },
    }


def views_of_set(contract: SetContract) -> list[View]:
    products = {t.container for t in contract.writes if served(t)}
    return [v for p in sorted(products) for v in views([p])]
