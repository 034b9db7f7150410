"""Lake I/O for the notebook shells, driven by the tables' contracts.

Every read and write names a table by its contract id (``enriched/crm/customers``); :class:`Roots` says
where each lake is (``abfss://{container}@<account>.dfs.core.windows.net`` on Synapse, a local folder per
account in ``cloudscale flow run``). Reads apply the contract's schema, so a window that lacks a column
still has it (empty), and writes refuse a table that does not match its contract: the columns and types
it declares and a unique key.

Delta is what the Synapse Spark runtime writes and serverless SQL reads. A local Spark without Delta Lake
on its class path (the Delta jars come from Maven, which a closed network cannot reach) reads and writes
the same Delta tables through ``deltalake`` (delta-rs): Spark writes the Parquet files, delta-rs commits
them to the table's log, and reads go to the files of the table's current version, never to files a
later version removed.

Text files (the CDM manifest, the renewal model's JSON) go through the Hadoop file system of the Spark
session, so the same code writes ``abfss://`` paths on Synapse and local paths elsewhere, without
``mssparkutils`` (which exists only on Synapse).
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from cloudscale.dataproducts.contracts import catalog
from cloudscale.dataproducts.contracts.integration import WINDOW_COLUMN
from cloudscale.dataproducts.contracts.model import SetContract, Table
from cloudscale.dataproducts.quality import DataQualityError, check_published

_WINDOW_FOLDER = r"/(\d{4}/\d{2}/\d{2}/\d{4})/[^/]*$"
_SESSION_HAS_DELTA: dict[int, bool] = {}
OBSERVERS: list[Callable[[str, str, int | None], None]] = []
"""Called with ("read" or "write", the table id, rows written) on every table I/O: how a caller such as
``cloudscale flow run`` learns what a notebook actually touched."""


def _observe(action: str, table: Table, rows: int | None = None) -> None:
    for observer in OBSERVERS:
        observer(action, table.id, rows)


def join(root: str, *parts: str) -> str:
    return "/".join([root.rstrip("/"), *(part.strip("/") for part in parts if part)])


@dataclass(frozen=True)
class Roots:
    """Where each lake of the zone is: a template with ``{container}`` per lake."""

    raw: str = ""
    enriched: str = ""
    workspace: str = ""
    external: str = ""

    def location(self, table: Table | str) -> str:
        found = catalog.table(table) if isinstance(table, str) else table
        template = getattr(self, found.layer, "")
        if not template:
            raise ValueError(f"{found.id}: no root is given for the {found.layer} lake")
        return join(template.format(container=found.container), found.path)


def business_date(window_end: str, as_of: str = "") -> date:
    """The day a run is for: ``as_of`` when given, else the day the window's last instant falls on,
    else today (a notebook run by hand). A window ending at midnight is the day before."""
    if as_of:
        return date.fromisoformat(as_of[:10])
    if window_end:
        end = datetime.fromisoformat(window_end.replace("Z", "+00:00"))
        return (end - timedelta(microseconds=1)).date()
    return datetime.now(UTC).date()


def window_folder(moment: str | datetime) -> str:
    """The window folder named by a window's end (``2026-07-01T02:00:00Z`` -> ``2026/07/01/0200``)."""
    value = moment if isinstance(moment, datetime) else datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return value.strftime("%Y/%m/%d/%H%M")


def _spark_schema(spark: SparkSession, table: Table) -> T.StructType:
    return T._parse_datatype_string(table.ddl())  # type: ignore[attr-defined,no-any-return]


def read_windows(spark: SparkSession, roots: Roots, table: Table | str, until: str = "") -> DataFrame:
    """Every window of a raw table up to ``until`` (a window's end; empty: all), typed by the contract.

    The rows carry the window folder they came from in ``_window``, which sorts in time order.
    """
    found = catalog.table(table) if isinstance(table, str) else table
    _observe("read", found)
    reader = spark.read.schema(_spark_schema(spark, found)).option("recursiveFileLookup", "true")
    location = roots.location(found)
    df = reader.json(location) if found.format == "json" else reader.format(found.format).load(location)
    df = df.withColumn(WINDOW_COLUMN, F.regexp_extract(F.input_file_name(), _WINDOW_FOLDER, 1))
    if until:
        df = df.where(F.col(WINDOW_COLUMN) <= F.lit(window_folder(until)))
    return df


def latest_version(df: DataFrame, key: tuple[str, ...] | list[str], order: str | None = None) -> DataFrame:
    """Per key, the row of the latest window (then the latest ``order`` value within it)."""
    ordering = [F.col(WINDOW_COLUMN).desc()]
    if order:
        ordering.append(F.col(order).desc_nulls_last())
    newest_first = Window.partitionBy(*key).orderBy(*ordering)
    return df.withColumn("__rank", F.row_number().over(newest_first)).where("__rank = 1").drop("__rank")


def session_has_delta(spark: SparkSession) -> bool:
    """Whether the session's class path holds Delta Lake (Synapse's runtime does)."""
    key = id(spark)
    if key not in _SESSION_HAS_DELTA:
        try:
            spark.sparkContext._jvm.java.lang.Class.forName("io.delta.tables.DeltaTable")  # type: ignore[union-attr]
            _SESSION_HAS_DELTA[key] = True
        except Exception:
            _SESSION_HAS_DELTA[key] = False
    return _SESSION_HAS_DELTA[key]


def _local_path(location: str) -> str:
    return location.removeprefix("file://")


def read_table(spark: SparkSession, roots: Roots, table: Table | str) -> DataFrame:
    """A published or conformed table as its writer left it (Delta: its current version)."""
    found = catalog.table(table) if isinstance(table, str) else table
    _observe("read", found)
    location = roots.location(found)
    schema = _spark_schema(spark, found)
    if found.format == "delta" and not session_has_delta(spark):
        from deltalake import DeltaTable  # local sessions only: the pool has Delta Lake itself

        files = DeltaTable(_local_path(location)).file_uris()
        if not files:
            return spark.createDataFrame([], schema)
        return spark.read.parquet(*files).select(*[F.col(f"`{c}`") for c in found.column_names])
    if found.format in ("parquet", "cdm"):
        return spark.read.parquet(location)
    if found.format == "json":
        return spark.read.schema(schema).json(location)
    return spark.read.format(found.format).load(location)


def conform(df: DataFrame, table: Table, who: str) -> DataFrame:
    """``df`` with exactly the contract's columns, in its order and types, or an error naming what differs.

    Columns the table declares as open (``extends``) may follow the declared ones.
    """
    present = set(df.columns)
    missing = [c.name for c in table.columns if c.name not in present]
    if missing:
        raise DataQualityError(f"{who}: {table.id} lacks declared column(s) {', '.join(missing)}")
    declared = set(table.column_names)
    extra = [c for c in df.columns if c not in declared]
    undeclared = [c for c in extra if not table.extends or not c.startswith(table.extends)]
    if undeclared:
        raise DataQualityError(
            f"{who}: {table.id} has column(s) its contract does not declare: {', '.join(undeclared)}"
        )
    return df.select(
        *[F.col(f"`{c.name}`").cast(c.type).alias(c.name) for c in table.columns],
        *[F.col(f"`{c}`") for c in sorted(extra)],
    )


def write_table(spark: SparkSession, df: DataFrame, roots: Roots, table: Table | str, who: str) -> str:
    """Publish ``df`` as the table: checked against its contract, replacing what was there.

    A rerun of a window writes the same table again, so the lake holds what one run left.
    """
    found = catalog.table(table) if isinstance(table, str) else table
    shaped = conform(df, found, who).cache()
    rows = check_published(shaped, found)
    location = roots.location(found)
    if found.format == "delta":
        _write_delta(spark, shaped, location)
    elif found.format in ("parquet", "cdm"):
        shaped.write.mode("overwrite").parquet(location)
    elif found.format == "json":
        shaped.write.mode("overwrite").json(location)
    else:
        raise DataQualityError(f"{who}: cannot write {found.id} as {found.format}")
    shaped.unpersist()
    _observe("write", found, rows)
    return location


def _write_delta(spark: SparkSession, df: DataFrame, location: str) -> None:
    if session_has_delta(spark):
        df.write.format("delta").mode("overwrite").option("overwriteSchema", "true").save(location)
        return
    import pyarrow.dataset as ds
    from deltalake import write_deltalake

    # Delta keeps microsecond instants; Spark's default INT96 timestamps would reach delta-rs as
    # nanoseconds without a time zone.
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    staging = tempfile.mkdtemp(prefix="delta-stage-")
    try:
        df.write.mode("overwrite").parquet(f"{staging}/{uuid.uuid4().hex}")
        files = ds.dataset(staging, format="parquet", exclude_invalid_files=True)
        write_deltalake(_local_path(location), files.scanner().to_reader(), mode="overwrite", schema_mode="overwrite")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def read_cosmos_analytical(spark: SparkSession, linked_service: str, container: str) -> DataFrame:
    """A Cosmos DB container's analytical store through Synapse Link (``cosmos.olap``).

    Outside Synapse the format does not exist; a local session names a folder that stands in for the
    analytical store in ``spark.cloudscale.cosmos.analyticalStore`` (``cloudscale flow run`` sets it), and
    the container's documents are read from ``<folder>/<linked service>/<container>``.
    """
    stand_in = spark.conf.get("spark.cloudscale.cosmos.analyticalStore", "")
    if stand_in:
        return spark.read.parquet(join(stand_in, linked_service, container))
    return (
        spark.read.format("cosmos.olap")
        .option("spark.synapse.linkedService", linked_service)
        .option("spark.cosmos.container", container)
        .load()
    )


def _path(spark: SparkSession, path: str) -> tuple[Any, Any]:
    jvm = spark.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)  # type: ignore[union-attr]
    return hadoop_path, hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())  # type: ignore[union-attr]


def write_text(spark: SparkSession, path: str, text: str) -> None:
    hadoop_path, fs = _path(spark, path)
    stream = fs.create(hadoop_path, True)
    try:
        stream.write(bytearray(text.encode("utf-8")))
    finally:
        stream.close()


def read_text(spark: SparkSession, path: str) -> str:
    return "\n".join(row.value for row in spark.read.text(path, wholetext=True).collect())


def read_inputs(spark: SparkSession, roots: Roots, inputs: Mapping[str, str]) -> dict[str, DataFrame]:
    """A product's inputs by name, each the table its contract id names."""
    return {name: read_table(spark, roots, table) for name, table in inputs.items()}


def publish(
    spark: SparkSession, roots: Roots, contract: SetContract, tables: Mapping[str, DataFrame], who: str
) -> list[str]:
    """Write each of ``tables`` (by the name the set's code uses, or by table id) as the contract declares it.

    A name the contract does not declare is an error: nothing is written that no consumer can know of.
    """
    declared = {t.id: t for t in contract.writes}
    by_name = {t.path.rsplit("/", 1)[-1]: t for t in contract.writes}
    unknown = [name for name in tables if name not in declared and name not in by_name]
    if unknown:
        raise DataQualityError(f"{who}: {contract.set} does not declare {', '.join(unknown)}")
    return [write_table(spark, df, roots, declared.get(name) or by_name[name], who) for name, df in tables.items()]
