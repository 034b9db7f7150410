"""One local Spark 3.5 session for the whole run (``cloudscale.flow.spark.local_session``, the session
``cloudscale flow run`` plays notebooks on), and the sample data as the products read it.

The JVM's own CPU was most of the data products' cost (about 110 CPU seconds for a few thousand
rows): the C2 compiler optimising code that runs a handful of times, and Janino compiling generated
Java for every query stage; the session's settings halve it without changing a result.

Under pytest-xdist every test of this folder goes to one worker (``pytest_xdist_make_scheduler`` in
tests/conftest.py), so one JVM starts and the other workers run the rest meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession

from cloudscale.dataproducts.contracts import arrow, catalog
from cloudscale.dataproducts.sample_data import TABLES as SAMPLE_TABLES
from cloudscale.dataproducts.sample_data import SampleData, generate
from cloudscale.flow.spark import local_session


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the data-product tests first: on parallel workers they are the longest unit (one worker,
    one JVM, see ``pytest_xdist_make_scheduler`` in tests/conftest.py), so the other workers take the
    rest while it runs."""
    here = Path(__file__).parent
    on_spark = [item for item in items if here in item.path.parents]
    items[:] = on_spark + [item for item in items if here not in item.path.parents]


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    session = local_session("cloudscale-dataproducts-tests")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def sample() -> SampleData:
    return generate("small", seed=7)


@pytest.fixture(scope="session")
def enriched_root(sample: SampleData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's conformed tables as Parquet files, one folder per table id."""
    root = tmp_path_factory.mktemp("enriched")
    for table_id, rows in sample.tables.items():
        arrow.write_parquet(catalog.table(table_id), rows, root / table_id / "part-00000.parquet")
    return root


@pytest.fixture(scope="session")
def enriched(spark: SparkSession, enriched_root: Path) -> dict[str, DataFrame]:
    """Every conformed table of the sample, typed by its contract, as the products read them."""
    return {
        table_id: spark.read.schema(catalog.table(table_id).ddl()).parquet(str(enriched_root / table_id)).cache()
        for table_id in SAMPLE_TABLES
    }


def inputs_of(tables: dict[str, DataFrame], declared: dict[str, str]) -> dict[str, DataFrame]:
    return {name: tables[table_id] for name, table_id in declared.items()}


def frame(spark: SparkSession, table_id: str, rows: list[dict[str, object]], drop: tuple[str, ...] = ()) -> DataFrame:
    """A conformed table of hand-written rows, typed by its contract; columns a row leaves out are empty,
    columns in ``drop`` are not there at all (an input without an optional column)."""
    table = catalog.table(table_id)
    names = [c.name for c in table.columns]
    data = [tuple(row.get(name) for name in names) for row in rows]
    return spark.createDataFrame(data, table.ddl()).drop(*drop)
