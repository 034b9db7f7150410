"""Lake I/O for the notebook shells: read raw tables, write curated tables and small text files.

Text files (the CDM manifest, the renewal model's JSON) go through the Hadoop file system of the
Spark session, so the same code writes ``abfss://`` paths on Synapse and local paths in the tests,
without ``mssparkutils`` (which exists only on Synapse).
"""

from __future__ import annotations

from collections.abc import Mapping

from pyspark.sql import DataFrame, SparkSession


def join(root: str, *parts: str) -> str:
    return "/".join([root.rstrip("/"), *(part.strip("/") for part in parts)])


def read_raw(
    spark: SparkSession, raw_root: str, paths: Mapping[str, str], fmt: str = "parquet"
) -> dict[str, DataFrame]:
    """Read ``name -> <integration>/<entity>`` tables from the raw lake.

    ``raw_root`` holds ``{integration}`` where the integration goes: the raw lake has one container
    per data integration (``abfss://{integration}@<account>.dfs.core.windows.net``), and a local copy
    of that layout is ``<folder>/{integration}``.
    """
    tables = {}
    for name, path in paths.items():
        integration, entity = path.split("/", 1)
        tables[name] = spark.read.format(fmt).load(join(raw_root.format(integration=integration), entity))
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
