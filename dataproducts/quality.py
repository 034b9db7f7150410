"""Input checks every data product runs before it transforms anything.

A failed check raises :class:`DataQualityError` naming the input, the rule and an example of the bad
data, so the notebook (and with it the pipeline run) fails with a message a data engineer can act on,
instead of writing a broken curated table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

if TYPE_CHECKING:
    from cloudscale.dataproducts.contracts.model import SetContract, Table


class DataQualityError(ValueError):
    """An input of a data product breaks one of its declared expectations."""


@dataclass(frozen=True)
class Expectation:
    """What one input must satisfy: required columns, a unique key, and maximum null rates."""

    required: Sequence[str]
    key: Sequence[str] = ()
    max_null_rate: Mapping[str, float] = field(default_factory=dict)
    allow_empty: bool = False


def require_columns(df: DataFrame, name: str, columns: Iterable[str]) -> None:
    present = set(df.columns)
    missing = [column for column in dict.fromkeys(columns) if column not in present]
    if missing:
        raise DataQualityError(
            f"{name}: missing required column(s) {', '.join(missing)}; it has {', '.join(sorted(present)) or 'none'}"
        )


def require_unique(df: DataFrame, name: str, key: Sequence[str]) -> None:
    duplicates = df.groupBy(*key).count().where(F.col("count") > 1)
    examples = duplicates.limit(3).collect()
    if examples:
        shown = "; ".join(", ".join(f"{column}={row[column]!r}" for column in key) for row in examples)
        raise DataQualityError(
            f"{name}: key ({', '.join(key)}) is not unique: {duplicates.count()} duplicated value(s), e.g. {shown}"
        )


def _missing(column: Column, spark_type: str) -> Column:
    """No value: null, or text that is empty or only whitespace (which matches nothing either)."""
    if spark_type != "string":
        return column.isNull()
    return column.isNull() | (F.regexp_replace(column, r"(?U)\s+", "") == "")


def check(df: DataFrame, name: str, expectation: Expectation) -> DataFrame:
    """Check one input against its expectation; returns it unchanged so checks chain into reads.

    One pass over the input counts its rows, its distinct keys and the missing values of each rated
    column; only a broken rule costs another (to show examples of duplicated keys).
    """
    require_columns(df, name, [*expectation.required, *expectation.key, *expectation.max_null_rate])
    types = dict(df.dtypes)
    aggregates = [F.count(F.lit(1)).alias("__rows")]
    if expectation.key:
        aggregates.append(F.count_distinct(F.struct(*[F.col(f"`{k}`") for k in expectation.key])).alias("__keys"))
    aggregates += [
        F.sum(_missing(F.col(f"`{column}`"), types.get(column, "")).cast("int")).alias(column)
        for column in expectation.max_null_rate
    ]
    counts = df.agg(*aggregates).first()
    rows = int(counts["__rows"]) if counts else 0
    if not expectation.allow_empty and rows == 0:
        raise DataQualityError(f"{name}: no rows; the product would publish an empty table")
    if expectation.key and counts and counts["__keys"] != rows:
        require_unique(df, name, expectation.key)
    for column, limit in expectation.max_null_rate.items():
        missing = (counts[column] or 0) if counts else 0
        rate = missing / rows if rows else 0.0
        if rate > limit:
            raise DataQualityError(
                f"{name}: column {column} is {rate:.1%} null or blank, above the {limit:.1%} allowed "
                f"({missing} of {rows} rows)"
            )
    return df


def expectations(
    contract: SetContract,
    *,
    max_null_rate: Mapping[str, Mapping[str, float]] | None = None,
    allow_empty: Iterable[str] = (),
) -> dict[str, Expectation]:
    """Each input's expectation: the columns the contract says the product reads, the key its writer
    declares, and the product's own quality rules (null rates, inputs that may be empty)."""
    from cloudscale.dataproducts.contracts import catalog

    empty = set(allow_empty)
    rates = max_null_rate or {}
    found = {}
    for read in contract.reads:
        name = read.table.rsplit("/", 1)[-1]
        found[name] = Expectation(
            required=tuple(read.columns),
            key=catalog.table(read.table).key,
            max_null_rate=dict(rates.get(name, {})),
            allow_empty=name in empty,
        )
    unknown = (set(rates) | empty) - set(found)
    if unknown:
        raise ValueError(f"{contract.set}: quality rules for input(s) it does not read: {', '.join(sorted(unknown))}")
    return found


def keys(expectations: Mapping[str, Expectation]) -> dict[str, tuple[str, ...]]:
    """The key of every input that declares one: what the raw reader keeps the latest row of."""
    return {name: tuple(expectation.key) for name, expectation in expectations.items() if expectation.key}


def check_all(inputs: Mapping[str, DataFrame], expectations: Mapping[str, Expectation]) -> dict[str, DataFrame]:
    """Check every input a product declares; an undeclared or missing input is an error too."""
    missing = [name for name in expectations if name not in inputs]
    if missing:
        raise DataQualityError(f"missing input(s) {', '.join(missing)}")
    return {name: check(inputs[name], name, expectation) for name, expectation in expectations.items()}


def check_published(df: DataFrame, table: Table) -> int:
    """What a product may publish: one row per declared key, no empty value where the contract forbids
    one, and every score within its declared range. A table that breaks any is refused before anything is
    written, so a fact joined to a dimension can never be counted twice through it and a report never
    scales a score it cannot show. One pass over the data; returns its row count."""
    required = [c.name for c in table.columns if not c.nullable]
    ranged = [c for c in table.columns if c.range is not None]
    aggregates = [F.count(F.lit(1)).alias("__rows")]
    if table.key:
        aggregates.append(F.count_distinct(F.struct(*[F.col(f"`{k}`") for k in table.key])).alias("__keys"))
    aggregates += [F.sum(F.col(f"`{c}`").isNull().cast("int")).alias(c) for c in required]
    for column in ranged:
        low, high = column.range or (0.0, 0.0)
        outside = (F.col(f"`{column.name}`") < low) | (F.col(f"`{column.name}`") > high)
        aggregates.append(F.sum(outside.cast("int")).alias(f"__outside_{column.name}"))
        aggregates.append(F.min_by(F.col(f"`{column.name}`"), ~outside).alias(f"__example_{column.name}"))
    counts = df.agg(*aggregates).first()
    rows = int(counts["__rows"]) if counts else 0
    if table.key and counts and counts["__keys"] != rows:
        require_unique(df, table.id, table.key)
    for column in required:
        if counts and counts[column]:
            raise DataQualityError(
                f"{table.id}: column {column} is empty in {counts[column]} of {rows} rows, "
                "where its contract requires a value"
            )
    for column in ranged:
        if counts and counts[f"__outside_{column.name}"]:
            low, high = column.range or (0.0, 0.0)
            raise DataQualityError(
                f"{table.id}: column {column.name} is outside its range {low:g} to {high:g} in "
                f"{counts[f'__outside_{column.name}']} of {rows} rows, e.g. {counts[f'__example_{column.name}']!r}"
            )
    return rows
