"""Source systems on this machine, answering the copy activities as the real ones would.

* :class:`Dataverse` answers a FetchXML query (the CRM copy's ``query``): one table, all or named
  attributes, and the conditions ``eq``, ``ne``, ``lt``, ``le``, ``gt``, ``ge``, ``null``, ``not-null``
  on any attribute (Dataverse "Query data using FetchXml"); anything else is refused by name.
* :class:`ErpDatabase` runs the ERP copy's own ``sqlReaderQuery`` (T-SQL) in DuckDB, translated with
  ``sqlglot``, over tables created from the ERP's source contracts.
* :class:`GraphDataConnect` returns a dataset's rows whose date filter column is in ``[start, end)``,
  with the requested output columns (Learn, "Copy data from Microsoft 365 (Office 365)").
* The property system's CSV drop and the Cosmos DB analytical store are files: the flow writes them into
  the local lakes, each CSV extract with the modification time the system dropped it at.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cloudscale.dataproducts.contracts import arrow, sources
from cloudscale.dataproducts.contracts.model import Table
from cloudscale.dataproducts.source_data import SourceData

Row = dict[str, Any]


class SourceError(ValueError):
    """A source refused the request: the message says what it cannot answer."""


def _instant(value: Any) -> Any:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return value


_OPERATORS = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a is not None and a < b,
    "le": lambda a, b: a is not None and a <= b,
    "gt": lambda a, b: a is not None and a > b,
    "ge": lambda a, b: a is not None and a >= b,
}


class Dataverse:
    """The CRM environment: its tables by logical name."""

    def __init__(self, data: SourceData) -> None:
        self.tables = {t.path: data.tables.get(t.id, []) for t in sources.DATAVERSE_TABLES}
        self.contracts = {t.path: t for t in sources.DATAVERSE_TABLES}

    def fetch(self, query: str) -> tuple[Table, list[Row]]:
        try:
            root = ET.fromstring(query)
        except ET.ParseError as error:
            raise SourceError(f"FetchXML does not parse: {error}") from None
        entity = root.find("entity")
        if root.tag != "fetch" or entity is None:
            raise SourceError("FetchXML needs <fetch><entity name=...>")
        name = entity.get("name", "")
        if name not in self.tables:
            raise SourceError(f"the environment has no table {name!r}")
        table = self.contracts[name]
        rows = [row for row in self.tables[name] if self._matches(row, entity.find("filter"), table)]
        if entity.find("all-attributes") is None:
            wanted = [a.get("name", "") for a in entity.findall("attribute")]
            unknown = [w for w in wanted if w not in table.column_names]
            if unknown:
                raise SourceError(f"{name} has no attribute(s) {', '.join(unknown)}")
            rows = [{k: row.get(k) for k in wanted} for row in rows]
            table = Table(table.id, tuple(c for c in table.columns if c.name in wanted), format=table.format)
        return table, rows

    def _matches(self, row: Mapping[str, Any], filter_: ET.Element | None, table: Table) -> bool:
        if filter_ is None:
            return True
        results = []
        for condition in filter_.findall("condition"):
            attribute, operator = condition.get("attribute", ""), condition.get("operator", "")
            if attribute not in table.column_names:
                raise SourceError(f"{table.path} has no attribute {attribute!r}")
            value = _instant(row.get(attribute))
            if operator == "null":
                results.append(value is None)
            elif operator == "not-null":
                results.append(value is not None)
            elif operator in _OPERATORS:
                results.append(_OPERATORS[operator](value, _instant(condition.get("value"))))
            else:
                raise SourceError(f"FetchXML operator {operator!r} is not one the local environment answers")
        results += [self._matches(row, nested, table) for nested in filter_.findall("filter")]
        return all(results) if filter_.get("type", "and") == "and" else any(results)


class ErpDatabase:
    """The ERP database: DuckDB tables shaped by the ERP's source contracts."""

    def __init__(self, data: SourceData) -> None:
        import duckdb

        self.connection = duckdb.connect()
        for table in sources.ERP_TABLES:
            schema, name = table.path.split(".", 1)
            self.connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            rows = arrow.to_arrow(table, data.tables.get(table.id, []))
            self.connection.register("__rows", rows)
            self.connection.execute(f'CREATE TABLE "{schema}"."{name}" AS SELECT * FROM __rows')
            self.connection.unregister("__rows")

    def query(self, text: str) -> Any:
        """The query's result as an Arrow table (T-SQL, as the copy's source sends it)."""
        import sqlglot

        try:
            translated = sqlglot.transpile(text, read="tsql", write="duckdb")
        except sqlglot.errors.ParseError as error:
            raise SourceError(f"the query is not T-SQL the database takes: {error}") from None
        if len(translated) != 1:
            raise SourceError("a copy's sqlReaderQuery is one statement")
        try:
            return self.connection.sql(translated[0]).to_arrow_table()
        except Exception as error:  # duckdb raises its own error types for a bad table or column
            raise SourceError(f"the database refused the query: {error}") from None


class GraphDataConnect:
    """Microsoft 365 datasets of Graph Data Connect, by their table names."""

    def __init__(self, data: SourceData) -> None:
        self.tables = {t.path: (t, data.tables.get(t.id, [])) for t in sources.MGDC_TABLES}

    def extract(
        self, table_name: str, date_column: str, start: str, end: str, output_columns: Sequence[str]
    ) -> tuple[Table, list[Row]]:
        if table_name not in self.tables:
            raise SourceError(f"Graph Data Connect has no dataset {table_name!r}")
        table, rows = self.tables[table_name]
        if date_column not in table.column_names:
            raise SourceError(f"{table_name} has no date filter column {date_column!r}")
        low, high = _instant(start), _instant(end)
        chosen = [r for r in rows if low <= _instant(r.get(date_column)) < high]
        columns = list(output_columns) or list(table.column_names)
        unknown = [c for c in columns if c not in table.column_names]
        if unknown:
            raise SourceError(f"{table_name} has no column(s) {', '.join(unknown)}")
        return table, [{c: r.get(c) for c in columns} for r in chosen]


def drop_csv_files(data: SourceData, folder: Path) -> list[Path]:
    """The property system's extracts in the external lake, each file dated when the system dropped it."""
    written = []
    for dropped in data.files:
        path = folder / "leasing" / dropped.extract / dropped.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dropped.text, encoding="utf-8")
        moment = dropped.dropped_at.replace(tzinfo=UTC).timestamp()
        os.utime(path, (moment, moment))
        written.append(path)
    return written


def write_analytical_store(data: SourceData, folder: Path, linked_service: str) -> Path:
    """The Cosmos DB container's documents as Synapse Link's well-defined schema exposes them."""
    table = sources.COSMOS_INTERACTIONS
    return arrow.write_parquet(
        table, data.tables.get(table.id, []), folder / linked_service / table.path / "part-00000.parquet"
    )
