"""The conforming steps turn each source's raw landing back into the business truth it was rendered from,
keep each key's latest version across windows, and reproduce an earlier window when run for it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cloudscale.dataproducts import conform, lake
from cloudscale.dataproducts.contracts import arrow, integration
from cloudscale.dataproducts.source_data import raw_window_folder, render, write_raw_layout

WINDOW_END = datetime(2026, 7, 1, 2, 0)
CONFORMS = {
    "crm": (conform.conform_crm, integration.CRM_RAW),
    "erp": (conform.conform_erp, integration.ERP_RAW),
    "leasing": (conform.conform_leasing, integration.LEASING_RAW),
    "m365": (conform.conform_m365, integration.M365_RAW),
}


def _roots(root):
    return lake.Roots(raw=f"{root}/{{container}}")


def _rows(df):
    return sorted((row.asDict(recursive=True) for row in df.collect()), key=repr)


@pytest.fixture(scope="module")
def landed(sample, tmp_path_factory):
    root = tmp_path_factory.mktemp("raw")
    write_raw_layout(sample, root, WINDOW_END)
    return root


@pytest.mark.parametrize("source", list(CONFORMS))
def test_conforming_a_source_gives_back_the_business_tables(spark, sample, landed, source):
    function, raw_tables = CONFORMS[source]
    raw = {t.id: lake.read_windows(spark, _roots(landed), t, until=WINDOW_END.isoformat()) for t in raw_tables}
    tables = function(raw)
    writes = next(c for c in integration.INTEGRATION_SETS if c.set == f"{source}_conform").writes
    assert set(tables) == {t.id for t in writes}
    for table in writes:
        shaped = lake.conform(tables[table.id], table, "test")
        expected = sorted((dict(row) for row in sample.tables[table.id]), key=repr)
        assert _rows(shaped) == expected, table.id


def test_the_latest_version_of_a_key_wins_and_a_backfill_sees_the_older_one(spark, sample, tmp_path):
    first = WINDOW_END
    second = WINDOW_END + timedelta(days=1)
    write_raw_layout(sample, tmp_path, first)
    # The next window brings a changed account: its name and its tier.
    account = next(r for r in render(sample).tables["dataverse/account"] if r["accountnumber"] == "C0001")
    changed = {**account, "name": "Contoso Renamed", "accountclassificationcode": 3, "modifiedon": second}
    raw = next(t for t in integration.CRM_RAW if t.path == "account")
    arrow.write_landing(raw, [changed], tmp_path / "crm" / "account" / raw_window_folder(second), "part-00000")
    labels = next(t for t in integration.CRM_RAW if t.path == "stringmap")
    arrow.write_landing(
        labels,
        render(sample).tables["dataverse/stringmap"],
        tmp_path / "crm" / "stringmap" / raw_window_folder(second),
        "part-00000",
    )

    def customer(until):
        raw_tables = {t.id: lake.read_windows(spark, _roots(tmp_path), t, until=until) for t in integration.CRM_RAW}
        customers = conform.conform_crm(raw_tables)[integration.CUSTOMERS.id]
        return customers.where("CustomerId = 'C0001'").collect()

    now = customer(second.isoformat())
    assert [(r.Name, r.Tier) for r in now] == [("Contoso Renamed", "Tier 3")]
    before = customer(first.isoformat())
    assert [(r.Name, r.Tier) for r in before] == [(account["name"], "Tier 1")]


def test_choice_labels_come_from_the_organisation_language(spark, sample, landed):
    raw = {t.id: lake.read_windows(spark, _roots(landed), t) for t in integration.CRM_RAW}
    addresses = conform.conform_crm(raw, language=1031)[integration.ADDRESSES.id]
    assert {r.Type for r in addresses.collect()} == {"Rechnungsadresse", "Lieferadresse"}


def test_an_empty_or_blank_csv_value_is_no_value(spark, tmp_path):
    raw = next(t for t in integration.LEASING_RAW if t.path == "leases")
    row = {c.name: "" for c in raw.columns} | {"lid": "L1", "cid": "R1", "LeaseTerm": "12.0", "MoveOutDate": "  "}
    arrow.write_landing(raw, [row], tmp_path / "leasing" / "leases" / raw_window_folder(WINDOW_END), "part-00000")
    frames = {raw.id: lake.read_windows(spark, _roots(tmp_path), raw)}
    found = conform._typed(frames, raw.id, {c.name: c.type for c in integration.LEASES.columns}).collect()[0]
    assert (found.lid, found.LeaseTerm, found.MoveOutDate, found.StartDate) == ("L1", 12.0, None, None)
