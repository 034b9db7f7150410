"""The DAX the semantic models' measures are written in: parsed, checked, and evaluated as SQL.

Only the subset the bundled measures use is understood: the aggregations ``SUM``, ``AVERAGE``, ``MIN``,
``MAX``, ``COUNT``, ``DISTINCTCOUNT`` over a column, ``COUNTROWS`` over a table, ``DIVIDE`` (blank on
division by zero, as DAX defines it), references to other measures, and ``CALCULATE`` with column
filters of the form ``'table'[column] = <literal>`` (or ``<>``). That is enough to read every column a
measure touches (the offline checks) and to turn a measure into one SQL query over the serving views
(``cloudscale flow run``'s embedded engine), so a measure that reads the wrong column shows a wrong
figure in a test instead of in a report. Anything else is a ``DaxError`` naming what is not understood.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from cloudscale.dataproducts.contracts.tmdl import ModelFiles, column_ref

AGGREGATIONS = {"SUM": "sum", "AVERAGE": "avg", "MIN": "min", "MAX": "max", "COUNT": "count", "DISTINCTCOUNT": ""}


class DaxError(ValueError):
    pass


@dataclass(frozen=True)
class Column:
    table: str
    column: str


@dataclass(frozen=True)
class TableRef:
    table: str


@dataclass(frozen=True)
class MeasureRef:
    name: str


@dataclass(frozen=True)
class Literal:
    value: str | float


@dataclass(frozen=True)
class Compare:
    op: str
    left: Column
    right: Literal


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Expr, ...]


Expr = Column | TableRef | MeasureRef | Literal | Compare | Call

_TOKEN = re.compile(
    r"\s*(?:(?P<table>'(?:[^']|'')*')|(?P<bracket>\[[^\]]*\])|(?P<string>\"(?:[^\"]|\"\")*\")"
    r"|(?P<number>\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)|(?P<op><>|=)|(?P<punct>[(),]))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    found, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise DaxError(f"cannot read {text[position:]!r}")
        kind = match.lastgroup or ""
        found.append((kind, match[kind]))
        position = match.end()
    return found


@dataclass
class _Parser:
    tokens: list[tuple[str, str]]
    position: int = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.position] if self.position < len(self.tokens) else ("end", "")

    def take(self, kind: str | None = None, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if (kind and token[0] != kind) or (value and token[1] != value):
            raise DaxError(f"expected {value or kind}, found {token[1] or 'the end'}")
        self.position += 1
        return token

    def expression(self) -> Expr:
        left = self.operand()
        if self.peek()[0] == "op":
            op = self.take()[1]
            right = self.operand()
            if not isinstance(left, Column) or not isinstance(right, Literal):
                raise DaxError("a comparison is 'table'[column] = <literal>")
            return Compare(op, left, right)
        return left

    def operand(self) -> Expr:
        kind, value = self.peek()
        if kind in ("table", "name") and self._next_is("bracket"):
            self.take()
            column = self.take("bracket")[1][1:-1]
            return Column(_unquote(value), column)
        if kind == "table":
            self.take()
            return TableRef(_unquote(value))
        if kind == "bracket":
            self.take()
            return MeasureRef(value[1:-1])
        if kind == "string":
            self.take()
            return Literal(value[1:-1].replace('""', '"'))
        if kind == "number":
            self.take()
            return Literal(float(value))
        if kind == "name" and self._next_is("punct", "("):
            self.take()
            self.take("punct", "(")
            args: list[Expr] = []
            while self.peek() != ("punct", ")"):
                args.append(self.expression())
                if self.peek() == ("punct", ","):
                    self.take()
            self.take("punct", ")")
            return Call(value.upper(), tuple(args))
        if kind == "name":
            self.take()
            return TableRef(value)
        raise DaxError(f"unexpected {value or 'end'}")

    def _next_is(self, kind: str, value: str | None = None) -> bool:
        following = self.tokens[self.position + 1] if self.position + 1 < len(self.tokens) else ("end", "")
        return following[0] == kind and (value is None or following[1] == value)


def _unquote(name: str) -> str:
    return name[1:-1].replace("''", "'") if name.startswith("'") else name


def parse(text: str) -> Expr:
    parser = _Parser(_tokens(text))
    expression = parser.expression()
    if parser.peek()[0] != "end":
        raise DaxError(f"unexpected {parser.peek()[1]} after the expression")
    _check(expression)
    return expression


def _check(expression: Expr) -> None:
    if isinstance(expression, Call):
        name, args = expression.function, expression.args
        if name in AGGREGATIONS and (len(args) != 1 or not isinstance(args[0], Column)):
            raise DaxError(f"{name} takes one column")
        elif name == "COUNTROWS" and (len(args) != 1 or not isinstance(args[0], TableRef)):
            raise DaxError("COUNTROWS takes one table")
        elif name == "DIVIDE" and len(args) not in (2, 3):
            raise DaxError("DIVIDE takes a numerator, a denominator and an optional alternate result")
        elif name == "CALCULATE" and (not args or not all(isinstance(a, Compare) for a in args[1:])):
            raise DaxError("CALCULATE takes an expression and column filters 'table'[column] = <literal>")
        elif name not in (*AGGREGATIONS, "COUNTROWS", "DIVIDE", "CALCULATE"):
            raise DaxError(f"{name} is not in the DAX subset the checks understand")
        for arg in args:
            _check(arg)


def walk(expression: Expr) -> Iterator[Expr]:
    yield expression
    if isinstance(expression, Call):
        for arg in expression.args:
            yield from walk(arg)
    elif isinstance(expression, Compare):
        yield expression.left


def columns_read(expression: Expr) -> list[Column | TableRef]:
    """Every column and table the expression reads, in order."""
    return [e for e in walk(expression) if isinstance(e, Column | TableRef)]


# --------------------------------------------------------------------------------------------------
# Evaluation as SQL over the serving views


@dataclass
class ResolvedTable:
    view: str
    """The view it reads, ``schema.name``."""
    columns: dict[str, str] = field(default_factory=dict)
    """Model column -> the view column it reads (its ``sourceColumn``)."""


@dataclass
class ResolvedModel:
    tables: dict[str, ResolvedTable]
    measures: dict[str, str]
    """Measure name -> DAX."""
    relationships: list[tuple[Column, Column]]
    """(many side, one side)."""


def resolve(model: ModelFiles) -> ResolvedModel:
    """What a model's TMDL says each table, column and measure reads, as written."""
    tables: dict[str, ResolvedTable] = {}
    measures: dict[str, str] = {}
    for _, table in model.tables():
        view = ""
        for partition in table.of_kind("partition"):
            view = partition_view(partition) or view
        resolved = tables[table.name] = ResolvedTable(view)
        for column in table.of_kind("column"):
            resolved.columns[column.name] = column.value("sourceColumn") or column.name
        for measure in table.of_kind("measure"):
            measures[measure.name] = measure.expression
    relationships = []
    for _, relationship in model.relationships():
        many, one = column_ref(relationship.value("fromColumn")), column_ref(relationship.value("toColumn"))
        if many and one:
            relationships.append((Column(many.table, many.column), Column(one.table, one.column)))
    return ResolvedModel(tables, measures, relationships)


_M_VIEW = re.compile(r'\{\[\s*Schema\s*=\s*"(?P<schema>[^"]+)"\s*,\s*Item\s*=\s*"(?P<item>[^"]+)"\s*\]\}')


def partition_view(partition: object) -> str:
    """``schema.name`` of the view or lakehouse table a partition reads, or "" when it names none."""
    from cloudscale.dataproducts.contracts.tmdl import Node

    assert isinstance(partition, Node)
    for source in partition.of_kind("source"):
        entity, schema = source.value("entityName"), source.value("schemaName")
        if entity:
            return f"{schema or 'dbo'}.{entity}"
        match = _M_VIEW.search(source.expression)
        if match:
            return f"{match['schema']}.{match['item']}"
    return ""


def _quoted(view: str) -> str:
    schema, name = view.split(".", 1)
    return f'"{schema}"."{name}"'


@dataclass
class _Compiler:
    model: ResolvedModel
    group_by: Sequence[Column]
    filters: Mapping[Column, str | float]
    depth: int = 0

    def sql(self, expression: Expr, extra: Sequence[Compare] = ()) -> str:
        if isinstance(expression, MeasureRef):
            if expression.name not in self.model.measures or self.depth > 20:
                raise DaxError(f"no measure [{expression.name}]")
            self.depth += 1
            return self.sql(parse(self.model.measures[expression.name]), extra)
        if isinstance(expression, Literal):
            return repr(expression.value) if isinstance(expression.value, float) else _literal(expression.value)
        if not isinstance(expression, Call):
            raise DaxError(f"{expression} is no scalar expression")
        name, args = expression.function, expression.args
        if name == "DIVIDE":
            numerator, denominator = self.sql(args[0], extra), self.sql(args[1], extra)
            alternate = self.sql(args[2], extra) if len(args) == 3 else "NULL"
            blank = f"({denominator}) = 0 OR ({denominator}) IS NULL"
            return f"(CASE WHEN {blank} THEN {alternate} ELSE ({numerator}) / ({denominator}) END)"
        if name == "CALCULATE":
            return self.sql(args[0], [*extra, *(a for a in args[1:] if isinstance(a, Compare))])
        if name == "COUNTROWS":
            table = args[0]
            assert isinstance(table, TableRef)
            # COUNTROWS of no rows is blank in DAX, not 0.
            return self._aggregate(table.table, "nullif(count(*), 0)", extra)
        column = args[0]
        assert isinstance(column, Column)
        reference = self._column(column.table, column, column.table)
        aggregate = f"count(DISTINCT {reference})" if name == "DISTINCTCOUNT" else f"{AGGREGATIONS[name]}({reference})"
        return self._aggregate(column.table, aggregate, extra)

    def _table(self, name: str) -> ResolvedTable:
        if name not in self.model.tables:
            raise DaxError(f"no table '{name}' in the model")
        return self.model.tables[name]

    def _column(self, home: str, column: Column, alias: str) -> str:
        table = self._table(column.table)
        if column.column not in table.columns:
            raise DaxError(f"no column '{column.table}'[{column.column}] in the model")
        return f'"{alias}"."{table.columns[column.column]}"'

    def _aggregate(self, home: str, aggregate: str, extra: Sequence[Compare]) -> str:
        joins: dict[str, str] = {}
        # CALCULATE's filter on a column replaces the context's filter on that column, as in DAX.
        replaced = {f.left for f in extra}
        context = [Compare("=", c, Literal(v)) for c, v in self.filters.items() if c not in replaced]
        conditions = [
            f"{self._related(home, f.left, joins)} {f.op} {_literal(f.right.value)}" for f in [*context, *extra]
        ]
        for i, column in enumerate(self.group_by):
            reference = self._related(home, column, joins)
            conditions.append(f"{reference} IS NOT DISTINCT FROM groups.g{i}")
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        return (
            f'(SELECT {aggregate} FROM {_quoted(self._table(home).view)} AS "{home}"{"".join(joins.values())}{where})'
        )

    def _related(self, home: str, column: Column, joins: dict[str, str]) -> str:
        if column.table == home:
            return self._column(home, column, home)
        for many, one in self.model.relationships:
            if many.table == home and one.table == column.table:
                if one.table not in joins:
                    joins[one.table] = (
                        f' JOIN {_quoted(self._table(one.table).view)} AS "{one.table}" ON '
                        f"{self._column(home, many, home)} = {self._column(one.table, one, one.table)}"
                    )
                return self._column(one.table, column, one.table)
        raise DaxError(f"'{column.table}' does not filter '{home}': no relationship from {home} to it")


def _literal(value: str | float) -> str:
    return repr(value) if isinstance(value, float) else "'" + str(value).replace("'", "''") + "'"


def to_sql(
    model: ResolvedModel,
    measure: str,
    group_by: Sequence[Column] = (),
    filters: Mapping[Column, str | float] | None = None,
) -> str:
    """One query that evaluates ``measure`` per combination of ``group_by`` values (all of one table), under
    ``filters``: ``SELECT g0, g1, ..., value``; without ``group_by`` a single row with the value."""
    if measure not in model.measures:
        raise DaxError(f"no measure [{measure}] in the model")
    compiler = _Compiler(model, group_by, filters or {})
    value = compiler.sql(parse(model.measures[measure]))
    if not group_by:
        return f"SELECT {value} AS value"
    tables = {c.table for c in group_by}
    if len(tables) != 1:
        raise DaxError("group by the columns of one table")
    (table,) = tables
    resolved = compiler._table(table)
    keys = ", ".join(f"{compiler._column(table, c, table)} AS g{i}" for i, c in enumerate(group_by))
    names = ", ".join(f"g{i}" for i in range(len(group_by)))
    # Like a visual's SUMMARIZECOLUMNS, a combination whose value is blank is no row.
    return (
        f"SELECT * FROM (SELECT {names}, {value} AS value FROM (SELECT DISTINCT {keys} FROM {_quoted(resolved.view)} "
        f'AS "{table}") AS groups) WHERE value IS NOT NULL ORDER BY {names}'
    )
