"""The shape of a data contract: tables with typed columns and keys, and what each definition set reads
and writes.

A table is named by where it lives. Lake tables are ``<lake>/<container>/<path>`` with the lakes of a
landing zone (``raw``, ``enriched``, ``workspace``, ``external``); tables of a source system outside the
lakes are ``<system>/<name>`` (``dataverse/account``, ``erp/Sales.SalesOrderHeader``,
``mgdc/BasicDataSet_v0.Message_v1``, ``cosmos/interactions``). Column types are Spark SQL type strings
(``string``, ``int``, ``decimal(19,4)``, ``timestamp``, ``array<struct<...>>``): the notebooks run on
Spark, and the serving layer maps them to T-SQL and DuckDB types from there.

A set's contract is written next to its definitions as ``contract.json`` (``SetContract.to_json``), so a
reviewer reads what a set touches where its definitions are; the validator, ``cloudscale plan`` and
``cloudscale flow run`` read those files, and the bundled ones are generated from the declarations in
this package (a test keeps them identical). This module imports nothing but the standard library: it
runs on the Spark pool inside the data products' wheel.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

CONTRACT_FILE = "contract.json"
LAKES = ("raw", "enriched", "workspace", "external")
SOURCE_SYSTEMS = ("dataverse", "erp", "mgdc", "cosmos")
Format = Literal["parquet", "delta", "json", "csv", "cdm", "dataverse", "sql", "mgdc", "cosmos"]
FORMATS: tuple[str, ...] = ("parquet", "delta", "json", "csv", "cdm", "dataverse", "sql", "mgdc", "cosmos")
Layout = Literal["table", "windows"]
WINDOW_FOLDERS = "yyyy/MM/dd/HHmm"
"""The folders under a windowed table, one per ingestion window, named from the window's end (UTC)."""

_SIMPLE_TYPES = frozenset(
    {"string", "boolean", "tinyint", "smallint", "int", "bigint", "float", "double", "date", "timestamp", "binary"}
)
_DECIMAL = re.compile(r"^decimal\((\d{1,2}),(\d{1,2})\)$")


class ContractError(ValueError):
    """A contract that does not hold together; the message names the table and what is wrong."""


def is_type(spark_type: str) -> bool:
    """Whether ``spark_type`` is a Spark SQL type string this package understands."""
    text = spark_type.replace(" ", "")
    if text in _SIMPLE_TYPES or _DECIMAL.match(text):
        return True
    if text.startswith("array<") and text.endswith(">"):
        return is_type(text[6:-1])
    if text.startswith("map<") and text.endswith(">"):
        parts = split_fields(text[4:-1])
        return len(parts) == 2 and all(is_type(p) for p in parts)
    if text.startswith("struct<") and text.endswith(">"):
        return all(
            ":" in part and part.split(":", 1)[0] and is_type(part.split(":", 1)[1])
            for part in split_fields(text[7:-1])
        )
    return False


def split_fields(body: str) -> list[str]:
    """The ``name:type`` parts of a struct body, split on the commas that are not nested."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in body:
        if char in "<(":
            depth += 1
        elif char in ">)":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if current:
        parts.append(current)
    return parts


_NUMERIC = ("tinyint", "smallint", "int", "bigint", "float", "double", "decimal(")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = True
    description: str = ""
    range: tuple[float, float] | None = None
    """The values a score may take (both ends included): what its consumers scale and colour by, which
    publishing enforces."""

    def __post_init__(self) -> None:
        if not is_type(self.type):
            raise ContractError(f"column {self.name}: {self.type!r} is not a Spark SQL type")
        if self.range is not None:
            if not self.type.startswith(_NUMERIC):
                raise ContractError(f"column {self.name}: a range needs a numeric type, not {self.type}")
            if len(self.range) != 2 or self.range[0] > self.range[1]:
                raise ContractError(f"column {self.name}: range {self.range!r} is not [lowest, highest]")


def columns(
    spec: str, ranges: Mapping[str, tuple[float, float]] | None = None, **descriptions: str
) -> tuple[Column, ...]:
    """Columns from ``"Name type, Other type not null, ..."`` (the DDL Spark's ``schema`` takes), with the
    value ranges of the scores among them."""
    bounds = dict(ranges or {})
    found: list[Column] = []
    for part in split_fields(spec.replace("\n", " ")):
        words = part.split()
        if not words:
            continue
        nullable = not (len(words) >= 3 and [w.lower() for w in words[-2:]] == ["not", "null"])
        kind = " ".join(words[1:-2] if not nullable else words[1:])
        name = words[0]
        found.append(Column(name, kind.replace(" ", ""), nullable, descriptions.get(name, ""), bounds.pop(name, None)))
    if bounds:
        raise ContractError(f"ranges of column(s) the spec does not declare: {', '.join(sorted(bounds))}")
    return tuple(found)


@dataclass(frozen=True)
class Table:
    """One table: where it lives, its columns and types, its key, its format and folder layout."""

    id: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    format: str = "delta"
    layout: Layout = "table"
    description: str = ""
    system: str = ""
    """For a table a system outside the platform writes: what that system is, for people."""
    watermark: str = ""
    """The column that says when a row last changed, which ingestion windows filter on."""
    extends: tuple[str, ...] = ()
    """Name prefixes of columns the table may carry beyond the declared ones (one per category the data
    holds, such as a feature table's ``WO_<work-order type>`` columns)."""

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ContractError(f"{self.id}: column(s) {', '.join(duplicated)} declared twice")
        missing = [k for k in self.key if k not in names]
        if missing:
            raise ContractError(f"{self.id}: key column(s) {', '.join(missing)} are not columns of the table")
        if self.watermark and self.watermark not in names:
            raise ContractError(f"{self.id}: watermark {self.watermark} is not a column of the table")
        if self.format not in FORMATS:
            raise ContractError(f"{self.id}: format {self.format!r} is not one of {', '.join(FORMATS)}")
        if self.layer not in (*LAKES, *SOURCE_SYSTEMS):
            raise ContractError(f"{self.id}: a table id starts with a lake or a source system")
        if self.in_lake and len(self.id.split("/")) < 3:
            raise ContractError(f"{self.id}: a lake table is <lake>/<container>/<path>")

    @property
    def layer(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def in_lake(self) -> bool:
        return self.layer in LAKES

    @property
    def container(self) -> str:
        return self.id.split("/")[1] if self.in_lake else ""

    @property
    def path(self) -> str:
        return self.id.split("/", 2)[2] if self.in_lake else self.id.split("/", 1)[1]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.id} has no column {name}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def ddl(self) -> str:
        """The Spark DDL of the table's schema (``spark.read.schema(...)`` takes it)."""
        return ", ".join(f"`{c.name}` {c.type}" for c in self.columns)


@dataclass(frozen=True)
class Read:
    """What a set needs of a table: the columns it cannot work without, and those it uses when present."""

    table: str
    columns: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


@dataclass(frozen=True)
class SetContract:
    """What one definition set reads and writes.

    ``sources`` are tables a system outside the platform writes, declared by the set that reads them
    first (an ingestion set declares its source system's tables); ``writes`` are the tables the set's
    steps produce. Every table is declared once, by its writer; readers name it and the columns they
    need.
    """

    set: str
    reads: tuple[Read, ...] = ()
    writes: tuple[Table, ...] = ()
    sources: tuple[Table, ...] = ()
    description: str = ""

    def declared(self) -> tuple[Table, ...]:
        return (*self.sources, *self.writes)

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"set": self.set}
        if self.description:
            document["description"] = self.description
        if self.sources:
            document["sources"] = [_table_json(t) for t in self.sources]
        if self.reads:
            document["reads"] = [
                {"table": r.table, "columns": list(r.columns), **({"optional": list(r.optional)} if r.optional else {})}
                for r in self.reads
            ]
        if self.writes:
            document["writes"] = [_table_json(t) for t in self.writes]
        return document

    def render(self) -> str:
        return json.dumps(self.to_json(), indent=4, ensure_ascii=False) + "\n"


def _table_json(table: Table) -> dict[str, Any]:
    document: dict[str, Any] = {"table": table.id, "format": table.format}
    if table.layout != "table":
        document["layout"] = table.layout
    if table.system:
        document["system"] = table.system
    if table.description:
        document["description"] = table.description
    if table.key:
        document["key"] = list(table.key)
    if table.watermark:
        document["watermark"] = table.watermark
    if table.extends:
        document["extends"] = list(table.extends)
    document["columns"] = [
        {
            "name": c.name,
            "type": c.type,
            **({"nullable": False} if not c.nullable else {}),
            **({"description": c.description} if c.description else {}),
            **({"range": list(c.range)} if c.range is not None else {}),
        }
        for c in table.columns
    ]
    return document


@dataclass
class ContractProblem:
    """A problem in a ``contract.json``: the JSON path inside it and the message."""

    path: str
    message: str


@dataclass
class _Reader:
    problems: list[ContractProblem] = field(default_factory=list)

    def problem(self, path: str, message: str) -> None:
        self.problems.append(ContractProblem(path, message))

    def strings(self, value: Any, path: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(path, "a list of column names")
            return ()
        return tuple(value)

    def table(self, value: Any, path: str) -> Table | None:
        if not isinstance(value, Mapping) or not isinstance(value.get("table"), str):
            self.problem(path, 'a table: {"table": "<lake>/<container>/<path>", "columns": [...], ...}')
            return None
        cols: list[Column] = []
        for i, spec in enumerate(value.get("columns") or []):
            where = f"{path}.columns[{i}]"
            if not isinstance(spec, Mapping) or not isinstance(spec.get("name"), str):
                self.problem(where, 'a column: {"name": ..., "type": ...}')
                continue
            bounds = spec.get("range")
            if bounds is not None and not (
                isinstance(bounds, list)
                and len(bounds) == 2
                and all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
            ):
                self.problem(f"{where}.range", "a range: [lowest, highest], two numbers")
                bounds = None
            try:
                cols.append(
                    Column(
                        spec["name"],
                        str(spec.get("type", "")),
                        bool(spec.get("nullable", True)),
                        str(spec.get("description", "")),
                        (float(bounds[0]), float(bounds[1])) if bounds is not None else None,
                    )
                )
            except ContractError as error:
                self.problem(f"{where}.type", str(error))
        try:
            return Table(
                id=value["table"],
                columns=tuple(cols),
                key=self.strings(value.get("key"), f"{path}.key"),
                format=str(value.get("format", "delta")),
                layout="windows" if value.get("layout") == "windows" else "table",
                description=str(value.get("description", "")),
                system=str(value.get("system", "")),
                watermark=str(value.get("watermark", "")),
                extends=self.strings(value.get("extends"), f"{path}.extends"),
            )
        except ContractError as error:
            self.problem(path, str(error))
            return None


def contract_from_json(document: Any, set_name: str) -> tuple[SetContract, list[ContractProblem]]:
    """A ``contract.json`` read back; problems carry the JSON path, nothing raises."""
    reader = _Reader()
    if not isinstance(document, Mapping):
        reader.problem("$", "a contract is a JSON object with reads, writes and sources")
        return SetContract(set_name), reader.problems
    reads: list[Read] = []
    for i, spec in enumerate(document.get("reads") or []):
        if not isinstance(spec, Mapping) or not isinstance(spec.get("table"), str):
            reader.problem(f"$.reads[{i}]", 'a read: {"table": ..., "columns": [...]}')
            continue
        reads.append(
            Read(
                spec["table"],
                reader.strings(spec.get("columns"), f"$.reads[{i}].columns"),
                reader.strings(spec.get("optional"), f"$.reads[{i}].optional"),
            )
        )
    tables = {
        kind: [
            t
            for i, spec in enumerate(document.get(kind) or [])
            if (t := reader.table(spec, f"$.{kind}[{i}]")) is not None
        ]
        for kind in ("writes", "sources")
    }
    contract = SetContract(
        set=set_name,
        reads=tuple(reads),
        writes=tuple(tables["writes"]),
        sources=tuple(tables["sources"]),
        description=str(document.get("description", "")),
    )
    return contract, reader.problems


def by_id(tables: Iterable[Table]) -> dict[str, Table]:
    return {table.id: table for table in tables}


def require_columns(table: Table, names: Sequence[str], who: str) -> None:
    missing = [n for n in names if n not in table.column_names]
    if missing:
        raise ContractError(f"{who} reads column(s) {', '.join(missing)} of {table.id}, which it does not declare")
