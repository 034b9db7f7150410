"""Lake I/O for the notebook shells: read raw tables, write curated tables and small text files.

Text files (the CDM manifest, the renewal model's JSON) go through the Hadoop file system of the
Spark session, so the same code writes ``abfss://`` paths on Synapse and local paths in the tests,
without ``mssparkutils`` (which exists only on Synapse).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

_WINDOW = "__window"


def join(root: str, *parts: str) -> str:
    return "/".join([root.rstrip("/"), *(part.strip("/") for part in parts)])


def latest_window(df: DataFrame, key: Sequence[str], window: str) -> DataFrame:
    """Per key, the rows of the latest window that holds the key.

    Only rows of older windows go: two rows of one key in the same window stay, so the input checks
    still report a key that is not unique at its source.
    """
    latest = F.max(window).over(Window.partitionBy(*key))
    return df.withColumn("__latest", latest).where(F.col(window) == F.col("__latest")).drop("__latest")


def read_raw(
    spark: SparkSession,
    raw_root: str,
    paths: Mapping[str, str],
    fmt: str = "parquet",
    keys: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, DataFrame]:
    """Read ``name -> <integration>/<entity>`` tables from the raw lake.

    ``raw_root`` holds ``{integration}`` where the integration goes: the raw lake has one container
    per data integration (``abfss://{integration}@<account>.dfs.core.windows.net``), and a local copy
    of that layout is ``<folder>/{integration}``.

    The ingestion pipelines write each window under ``<entity>/<yyyy>/<MM>/<dd>/<HHmm>/``, folders
    that are not ``key=value`` partitions, so the entity is read with ``recursiveFileLookup`` (Spark
    otherwise finds no file to infer a schema from). A window holds the rows changed in it, so a table
    with a key (``keys``, the products' expectations) keeps each key's row from its latest window;
    window folders sort in time order.
    """
    tables = {}
    for name, path in paths.items():
        integration, entity = path.split("/", 1)
        location = join(raw_root.format(integration=integration), entity)
        df = spark.read.format(fmt).option("recursiveFileLookup", "true").load(location)
        key = (keys or {}).get(name)
        if key:
            folder = F.regexp_extract(F.input_file_name(), r"^(.*)/[^/]*$", 1)
            df = latest_window(df.withColumn(_WINDOW, folder), key, _WINDOW).drop(_WINDOW)
        tables[name] = df
    return tables


def read_cosmos_analytical(spark: SparkSession, linked_service: str, container: str) -> DataFrame:
    """A Cosmos DB container's analytical store through Synapse Link (Synapse only: ``cosmos.olap``)."""
    return (
        spark.read.format("cosmos.olap")
        .option("spark.synapse.linkedService", linked_service)
        .option("spark.cosmos.container", container)
        .load()
    )


def write_tables(tables: Mapping[str, DataFrame], root: str, fmt: str = "delta", mode: str = "overwrite") -> list[str]:
    """Write every output as ``root/<name>``; Delta on Synapse, parquet where Delta is not loadable."""
    written = []
    for name, df in tables.items():
        target = join(root, name)
        writer = df.write.format(fmt).mode(mode)
        if fmt == "delta":
            writer = writer.option("overwriteSchema", "true")
        writer.save(target)
        written.append(target)
    return written


def _path(spark: SparkSession, path: str) -> tuple[object, object]:
    jvm = spark.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)  # type: ignore[union-attr]
    return hadoop_path, hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())  # type: ignore[union-attr]


def write_text(spark: SparkSession, path: str, text: str) -> None:
    hadoop_path, fs = _path(spark, path)
    stream = fs.create(hadoop_path, True)  # type: ignore[attr-defined]
    try:
        stream.write(bytearray(text.encode("utf-8")))
    finally:
        stream.close()


def read_text(spark: SparkSession, path: str) -> str:
    return "\n".join(row.value for row in spark.read.text(path, wholetext=True).collect())
