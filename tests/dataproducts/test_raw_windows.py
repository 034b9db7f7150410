"""The raw layout the ingestion pipelines write: one folder per window under each entity."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cloudscale.dataproducts import lake
from cloudscale.dataproducts.quality import DataQualityError, Expectation, check, keys


def _window(root: Path, window: str, rows: list[dict]) -> None:
    folder = root / "crm" / "customers" / window
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows), folder / "part-00000.parquet")


def _read(spark, root: Path, **kwargs):
    return lake.read_raw(spark, str(root / "{integration}"), {"customers": "crm/customers"}, **kwargs)["customers"]


def test_every_window_folder_is_read(spark, tmp_path):
    _window(tmp_path, "2026/11/30/0600", [{"CustomerId": "c1", "Name": "Ada"}])
    _window(tmp_path, "2026/12/01/0600", [{"CustomerId": "c2", "Name": "Grace"}])
    assert sorted(r.CustomerId for r in _read(spark, tmp_path).collect()) == ["c1", "c2"]


def test_a_key_keeps_its_row_from_the_latest_window(spark, tmp_path):
    _window(tmp_path, "2026/11/30/0600", [{"CustomerId": "c1", "Name": "Ada"}, {"CustomerId": "c2", "Name": "Old"}])
    _window(tmp_path, "2026/12/01/0600", [{"CustomerId": "c2", "Name": "New"}])
    expectations = {"customers": Expectation(required=("Name",), key=("CustomerId",))}
    df = _read(spark, tmp_path, keys=keys(expectations))
    assert sorted((r.CustomerId, r.Name) for r in df.collect()) == [("c1", "Ada"), ("c2", "New")]
    assert df.columns == ["CustomerId", "Name"]
    check(df, "customers", expectations["customers"])


def test_a_key_duplicated_within_one_window_still_fails_the_checks(spark, tmp_path):
    _window(tmp_path, "2026/12/01/0600", [{"CustomerId": "c1", "Name": "A"}, {"CustomerId": "c1", "Name": "B"}])
    expectation = Expectation(required=("Name",), key=("CustomerId",))
    df = _read(spark, tmp_path, keys={"customers": ("CustomerId",)})
    with pytest.raises(DataQualityError, match="not unique"):
        check(df, "customers", expectation)
