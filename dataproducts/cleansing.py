"""How every data product treats the dirty data that CRM and ERP systems hold every day, in one place.

- **Blank text is no value.** An empty or whitespace-only e-mail, website or id says nothing about who a
  record is, so it never becomes a match, group or join key: :func:`text` and :func:`match_key` turn it
  into null, which matches nothing (Spark's equality on null is never true).
- **Optional columns** are read through :func:`optional`: a product that declares a column optional in
  its contract's read works without it (as no value, typed by the conformed table's contract) instead of
  failing with Spark's ``UNRESOLVED_COLUMN``.
- **Overlapping validity intervals** (an assignment never closed when the next one opened) are resolved
  per fact by :func:`valid_on`: of the intervals holding on the fact's date, the latest ``ValidFrom``
  wins (ties: the greatest id), so a fact is counted once. :func:`overlaps` reports the losers.
- **Data-quality findings** that do not stop a product are rows of its published ``quality_findings``
  table (``Rule``, ``Input``, ``RecordKey``, ``Detail``, ``Resolution``), which the serving layer exposes
  as ``<product>.quality_findings`` and the notebook prints in the run's log. A finding says what was
  found and what the product did about it; a rule that must stop a product raises
  :class:`~cloudscale.dataproducts.quality.DataQualityError` instead.

Whitespace is Unicode's (Java's ``(?U)\\s``): a no-break space from a web form is as blank as a space.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from cloudscale.dataproducts.contracts.model import Table
from cloudscale.dataproducts.contracts.products import FINDINGS_COLUMNS, FINDINGS_KEY

_EDGES = r"(?U)^\s+|\s+$"
_SPACES = r"(?U)\s+"
FINDINGS = "quality_findings"
"""The name every product publishes its findings under."""


def _column(column: Column | str) -> Column:
    return F.col(f"`{column}`") if isinstance(column, str) else column


def text(column: Column | str) -> Column:
    """The text trimmed, or null when nothing but whitespace is left."""
    trimmed = F.regexp_replace(_column(column).cast("string"), _EDGES, "")
    return F.when(trimmed != "", trimmed)


def match_key(column: Column | str) -> Column:
    """A value to match records on (an e-mail address): lower case, no whitespace anywhere, null when blank."""
    squeezed = F.lower(F.regexp_replace(_column(column).cast("string"), _SPACES, ""))
    return F.when(squeezed != "", squeezed)


def optional(df: DataFrame, table: Table, name: str) -> Column:
    """Column ``name`` of ``df``, or a null of the type ``table``'s contract declares when ``df`` lacks it."""
    if name in df.columns:
        return F.col(f"`{name}`")
    return F.lit(None).cast(table.column(name).type)


def valid_on(
    facts: DataFrame,
    intervals: DataFrame,
    *,
    on: str,
    date: str,
    fact_key: Sequence[str],
    interval_id: str,
    valid_from: str = "ValidFrom",
    valid_to: str = "ValidTo",
) -> DataFrame:
    """Each fact with the columns of the one interval of its ``on`` value that holds on its ``date``
    (``valid_to`` exclusive, null while open), or nulls when none does.

    Where intervals overlap, the latest ``valid_from`` wins, then the greatest id: one interval per fact,
    so the fact is never counted twice. ``intervals`` carries ``on`` as ``__on``.
    """
    holds = (
        (facts[on] == intervals["__on"])
        & (facts[date] >= intervals[valid_from])
        & (intervals[valid_to].isNull() | (facts[date] < intervals[valid_to]))
    )
    latest_first = Window.partitionBy(*[F.col(f"`{k}`") for k in fact_key]).orderBy(
        F.col(valid_from).desc_nulls_last(), F.col(interval_id).desc_nulls_last()
    )
    joined = facts.join(intervals, holds, "left")
    return (
        joined.withColumn("__interval_rank", F.row_number().over(latest_first))
        .where("__interval_rank = 1")
        .drop("__interval_rank", "__on", valid_from, valid_to, interval_id)
    )


def overlaps(
    intervals: DataFrame,
    *,
    on: str,
    interval_id: str,
    valid_from: str = "ValidFrom",
    valid_to: str = "ValidTo",
) -> DataFrame:
    """(``interval_id`` of the loser, the ids it loses to): every interval that overlaps a later-starting
    (or, starting the same day, greater-id) interval of the same ``on`` value."""
    a = intervals.select(
        F.col(on).alias("__on"),
        F.col(interval_id).alias("Loser"),
        F.col(valid_from).alias("LoserFrom"),
        F.col(valid_to).alias("LoserTo"),
    )
    b = intervals.select(
        F.col(on).alias("__on_b"),
        F.col(interval_id).alias("Winner"),
        F.col(valid_from).alias("WinnerFrom"),
        F.col(valid_to).alias("WinnerTo"),
    )
    later = (F.col("WinnerFrom") > F.col("LoserFrom")) | (
        (F.col("WinnerFrom") == F.col("LoserFrom")) & (F.col("Winner") > F.col("Loser"))
    )
    intersect = (F.col("LoserTo").isNull() | (F.col("WinnerFrom") < F.col("LoserTo"))) & (
        F.col("WinnerTo").isNull() | (F.col("LoserFrom") < F.col("WinnerTo"))
    )
    pairs = a.join(b, (F.col("__on") == F.col("__on_b")) & later & intersect)
    return pairs.groupBy("Loser", "LoserFrom").agg(
        F.array_join(F.array_sort(F.collect_set("Winner")), ", ").alias("Winners"),
        F.min("WinnerFrom").alias("FirstWinnerFrom"),
    )


def finding(
    df: DataFrame, rule: str, input_name: str, record_key: Column, detail: Column, resolution: str
) -> DataFrame:
    """Rows of ``df`` as findings of one rule about one input."""
    return df.select(
        F.lit(rule).alias("Rule"),
        F.lit(input_name).alias("Input"),
        record_key.cast("string").alias("RecordKey"),
        detail.cast("string").alias("Detail"),
        F.lit(resolution).alias("Resolution"),
    )


def findings(spark: SparkSession, *parts: DataFrame) -> DataFrame:
    """The findings of every rule, one row per rule, input and record (the first detail of a record that
    a rule finds twice, in a stable order)."""
    empty = spark.createDataFrame([], FINDINGS_COLUMNS)
    union = empty
    for part in parts:
        union = union.unionByName(part)
    first = Window.partitionBy(*FINDINGS_KEY).orderBy(F.col("Detail").asc_nulls_last())
    return (
        union.where(F.col("RecordKey").isNotNull())
        .withColumn("__finding_rank", F.row_number().over(first))
        .where("__finding_rank = 1")
        .drop("__finding_rank")
    )


def summary(found: DataFrame) -> str:
    """One line per rule and input with its count, for the notebook's log (``cloudscale flow run``'s report)."""
    rows = found.groupBy("Rule", "Input").count().orderBy("Rule", "Input").collect()
    if not rows:
        return "data-quality findings: none"
    return "data-quality findings:\n" + "\n".join(f"  {row['Rule']} ({row['Input']}): {row['count']}" for row in rows)
