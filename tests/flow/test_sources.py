"""The local source systems answer the ingestion copies as the real ones would, from the sample sources."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cloudscale.dataproducts.sample_data import generate
from cloudscale.dataproducts.source_data import render
from cloudscale.flow.platform import LocalPlatform
from cloudscale.flow.sources import Dataverse, ErpDatabase, GraphDataConnect, SourceError, drop_csv_files


@pytest.fixture(scope="module")
def sources():
    return render(generate("small"))


def _fetch(entity, conditions="", attributes="<all-attributes/>"):
    return f'<fetch><entity name="{entity}">{attributes}<filter type="and">{conditions}</filter></entity></fetch>'


def test_fetchxml_returns_the_rows_modified_in_the_window(sources):
    crm = Dataverse(sources)
    window = (
        '<condition attribute="modifiedon" operator="ge" value="2024-01-01T00:00:00Z"/>'
        '<condition attribute="modifiedon" operator="lt" value="2026-01-01T00:00:00Z"/>'
    )
    table, rows = crm.fetch(_fetch("account", window))
    expected = [
        r for r in sources.tables["dataverse/account"] if datetime(2024, 1, 1) <= r["modifiedon"] < datetime(2026, 1, 1)
    ]
    assert rows == expected and 0 < len(rows) < len(sources.tables["dataverse/account"])
    assert table.id == "dataverse/account"


def test_fetchxml_named_attributes_and_refusals(sources):
    crm = Dataverse(sources)
    table, rows = crm.fetch(
        _fetch("contact", attributes='<attribute name="contactid"/><attribute name="emailaddress1"/>')
    )
    assert table.column_names == ("contactid", "emailaddress1") and set(rows[0]) == {"contactid", "emailaddress1"}
    with pytest.raises(SourceError, match="no table 'accounts'"):
        crm.fetch(_fetch("accounts"))
    with pytest.raises(SourceError, match="operator 'last-x-days'"):
        crm.fetch(_fetch("account", '<condition attribute="modifiedon" operator="last-x-days" value="3"/>'))
    with pytest.raises(SourceError, match="does not parse"):
        crm.fetch("<fetch><entity")


def test_the_erp_database_runs_the_pipelines_t_sql(sources):
    erp = ErpDatabase(sources)
    result = erp.query(
        "SELECT * FROM [Sales].[SalesOrderHeader] WHERE [ModifiedDate] >= '2026-06-01T00:00:00Z' "
        "AND [ModifiedDate] < '2026-07-01T00:00:00Z'"
    )
    expected = [
        r
        for r in sources.tables["erp/Sales.SalesOrderHeader"]
        if datetime(2026, 6, 1) <= r["ModifiedDate"] < datetime(2026, 7, 1)
    ]
    assert sorted(result.column("SalesOrderID").to_pylist()) == sorted(r["SalesOrderID"] for r in expected)
    assert result.schema.field("TotalDue").type.precision == 19
    with pytest.raises(SourceError, match="refused the query"):
        erp.query("SELECT * FROM [Sales].[NoSuchTable]")


def test_graph_data_connect_filters_by_its_date_column_and_selects_output_columns(sources):
    graph = GraphDataConnect(sources)
    _, rows = graph.extract(
        "BasicDataSet_v0.Message_v1",
        "SentDateTime",
        "2026-06-01T00:00:00Z",
        "2026-07-01T00:00:00Z",
        ["Id", "Subject"],
    )
    assert rows and all(set(r) == {"Id", "Subject"} for r in rows)
    with pytest.raises(SourceError, match="no date filter column"):
        graph.extract("BasicDataSet_v0.Message_v1", "SentOn", "2026-01-01", "2026-02-01", [])


def test_csv_extracts_are_dropped_with_the_time_the_system_dropped_them(sources, tmp_path):
    files = drop_csv_files(sources, tmp_path)
    assert sorted(p.parent.name for p in files) == ["leases", "residents", "surveys", "workorders"]
    dropped = datetime.fromtimestamp(files[0].stat().st_mtime, UTC)
    assert dropped == datetime(2026, 6, 30, 22, tzinfo=UTC)


def test_lake_urls_map_to_a_folder_per_account_and_container(tmp_path):
    platform = LocalPlatform("sales", {}, {"raw": "straw"}, tmp_path)
    assert platform.local("abfss://{container}@straw.dfs.core.windows.net") == f"{tmp_path}/straw/{{container}}"
    assert platform.local("abfss://crm@straw.dfs.core.windows.net/account") == f"{tmp_path}/straw/crm/account"
    assert platform.local("https://straw.dfs.core.windows.net/crm/x") == f"{tmp_path}/straw/crm/x"
    assert platform.container("raw", "crm") == Path(tmp_path, "straw", "crm")
