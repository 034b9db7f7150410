"""Reading the raw layout the ingestion pipelines write: one folder per window under each table."""

from __future__ import annotations

from cloudscale.dataproducts import lake
from cloudscale.dataproducts.contracts import arrow
from cloudscale.dataproducts.contracts.integration import RAW_TABLES

TERRITORY = RAW_TABLES["raw/crm/territory"]


def _window(root, window, rows):
    arrow.write_landing(TERRITORY, rows, root / "crm" / "territory" / window, "part-00000")


def _read(spark, root, until=""):
    return lake.read_windows(spark, lake.Roots(raw=f"{root}/{{container}}"), TERRITORY, until=until)


def _row(key, name, day):
    from datetime import datetime

    return {"territoryid": key, "name": name, "createdon": datetime(2026, 1, 1), "modifiedon": datetime(2026, 11, day)}


def test_every_window_folder_is_read_with_its_window(spark, tmp_path):
    _window(tmp_path, "2026/11/30/0600", [_row("t1", "North", 29)])
    _window(tmp_path, "2026/12/01/0600", [_row("t2", "South", 30)])
    rows = sorted((r.territoryid, r._window) for r in _read(spark, tmp_path).collect())
    assert rows == [("t1", "2026/11/30/0600"), ("t2", "2026/12/01/0600")]


def test_a_key_keeps_its_row_from_the_latest_window(spark, tmp_path):
    _window(tmp_path, "2026/11/30/0600", [_row("t1", "North", 29), _row("t2", "Old", 29)])
    _window(tmp_path, "2026/12/01/0600", [_row("t2", "New", 30)])
    latest = lake.latest_version(_read(spark, tmp_path), TERRITORY.key, TERRITORY.watermark)
    assert sorted((r.territoryid, r.name) for r in latest.collect()) == [("t1", "North"), ("t2", "New")]


def test_windows_after_the_run_are_not_read(spark, tmp_path):
    _window(tmp_path, "2026/11/30/0600", [_row("t2", "Old", 29)])
    _window(tmp_path, "2026/12/01/0600", [_row("t2", "New", 30)])
    latest = lake.latest_version(_read(spark, tmp_path, until="2026-11-30T06:00:00Z"), TERRITORY.key)
    assert [(r.territoryid, r.name) for r in latest.collect()] == [("t2", "Old")]


def test_a_window_without_a_column_reads_it_as_empty(spark, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "crm" / "territory" / "2026/12/01/0600"
    folder.mkdir(parents=True)
    # The copy activity writes a column's type even when every value is null; `name` is not in the file.
    written = pa.table({"territoryid": ["t9"], "modifiedon": pa.array([None], pa.timestamp("us", tz="UTC"))})
    pq.write_table(written, folder / "part-00000.parquet")
    row = _read(spark, tmp_path).collect()[0]
    assert (row.territoryid, row.name) == ("t9", None)
