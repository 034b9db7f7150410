"""Contract types as Arrow types, and rows written to files typed by their contract.

Used where tables are written without Spark: the sample sources landed in a raw lake
(``cloudscale lake seed``), the local source emulators of ``cloudscale flow run``, the serving
stand-in. Imports pyarrow only when called, so the package stays dependency-free on the Spark pool.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cloudscale.dataproducts.contracts.model import Table, split_fields

if TYPE_CHECKING:
    import pyarrow as pa


def arrow_type(spark_type: str) -> pa.DataType:
    import pyarrow as pa

    text = spark_type.replace(" ", "")
    simple = {
        "string": pa.string(),
        "boolean": pa.bool_(),
        "tinyint": pa.int8(),
        "smallint": pa.int16(),
        "int": pa.int32(),
        "bigint": pa.int64(),
        "float": pa.float32(),
        "double": pa.float64(),
        "date": pa.date32(),
        # Spark's timestamp is an instant; Parquet marks it adjusted to UTC.
        "timestamp": pa.timestamp("us", tz="UTC"),
        "binary": pa.binary(),
    }
    if text in simple:
        return simple[text]
    if text.startswith("decimal("):
        precision, scale = (int(x) for x in text[8:-1].split(","))
        return pa.decimal128(precision, scale)
    if text.startswith("array<"):
        return pa.list_(arrow_type(text[6:-1]))
    if text.startswith("map<"):
        key, value = split_fields(text[4:-1])
        return pa.map_(arrow_type(key), arrow_type(value))
    if text.startswith("struct<"):
        fields = []
        for part in split_fields(text[7:-1]):
            name, kind = part.split(":", 1)
            fields.append(pa.field(name, arrow_type(kind)))
        return pa.struct(fields)
    raise ValueError(f"no Arrow type for {spark_type!r}")


def arrow_schema(table: Table) -> pa.Schema:
    import pyarrow as pa

    return pa.schema([pa.field(c.name, arrow_type(c.type), nullable=c.nullable) for c in table.columns])


def _utc(value: Any) -> Any:
    from datetime import UTC

    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _prepare(value: Any, spark_type: str) -> Any:
    """A Python value in the shape Arrow takes for ``spark_type`` (naive times are UTC)."""
    text = spark_type.replace(" ", "")
    if value is None:
        return None
    if text == "timestamp":
        if isinstance(value, str):
            return _utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
        return _utc(value)
    if text.startswith("array<"):
        return [_prepare(v, text[6:-1]) for v in value]
    if text.startswith("struct<"):
        kinds = dict(part.split(":", 1) for part in split_fields(text[7:-1]))
        return {name: _prepare(value.get(name), kind) for name, kind in kinds.items()}
    return value


def to_arrow(table: Table, rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """Rows as an Arrow table with exactly the contract's columns and types (extra keys are an error)."""
    import pyarrow as pa

    names = table.column_names
    prepared = []
    for row in rows:
        extra = set(row) - set(names)
        if extra:
            raise ValueError(f"{table.id}: row has columns the contract does not declare: {', '.join(sorted(extra))}")
        prepared.append({c.name: _prepare(row.get(c.name), c.type) for c in table.columns})
    return pa.Table.from_pylist(prepared, schema=arrow_schema(table))


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return _utc(value).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value


def write_parquet(table: Table, rows: Iterable[Mapping[str, Any]], path: str | Path) -> Path:
    import pyarrow.parquet as pq

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(to_arrow(table, rows), target)
    return target


def write_json_lines(rows: Iterable[Mapping[str, Any]], path: str | Path) -> Path:
    """One JSON object per line, times as ISO 8601 UTC strings: what a JSON landing holds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(_json_value(dict(row)), ensure_ascii=False) + "\n")
    return target


def write_landing(table: Table, rows: Iterable[Mapping[str, Any]], folder: str | Path, name: str) -> Path:
    """A window's file of a raw table, in the table's format."""
    if table.format == "json":
        return write_json_lines(rows, Path(folder) / f"{name}.json")
    return write_parquet(table, rows, Path(folder) / f"{name}.parquet")
