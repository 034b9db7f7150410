"""The sample data: deterministic, sized by argument, in the conformed contracts' shapes, rendered as each
source system holds it, with its planted facts."""

from __future__ import annotations

from datetime import datetime

import pyarrow.parquet as pq
import pytest

from cloudscale.dataproducts.contracts import arrow, catalog
from cloudscale.dataproducts.contracts.integration import INGESTED
from cloudscale.dataproducts.sample_data import SIZES, TABLES, generate
from cloudscale.dataproducts.source_data import render, write_raw_layout


def test_the_same_seed_gives_the_same_rows_and_another_seed_does_not():
    assert generate("small", seed=3).tables == generate("small", seed=3).tables
    assert generate("small", seed=3).tables != generate("small", seed=4).tables


def test_size_is_a_name_or_a_customer_count():
    assert generate("medium").size == SIZES["medium"] > SIZES["small"]
    assert len(generate(12).tables["enriched/leasing/residents"]) == 12 * 8 + 1
    with pytest.raises(ValueError, match="size must be at least 12 customers"):
        generate(11)
    with pytest.raises(ValueError, match="size must be one of"):
        generate("huge")


def test_every_table_has_exactly_its_contract_columns_and_types():
    data = generate("small")
    assert tuple(data.tables) == TABLES
    for table_id, rows in data.tables.items():
        assert rows, table_id
        assert arrow.to_arrow(catalog.table(table_id), rows).num_rows == len(rows)


def test_every_source_table_is_rendered_in_its_source_contract():
    sources = render(generate("small"))
    for table in catalog.source_tables():
        rows = sources.tables[table.id]
        assert rows, table.id
        arrow.to_arrow(table, rows)
    labels = sources.tables["dataverse/stringmap"]
    assert {r["langid"] for r in labels} == {1033, 1031}
    assert {f.extract for f in sources.files} == {"residents", "leases", "workorders", "surveys"}


def test_the_raw_layout_is_one_window_folder_per_ingested_table(tmp_path):
    files = write_raw_layout(generate("small"), tmp_path, datetime(2026, 7, 1, 2, 0))
    assert sorted(p.relative_to(tmp_path).as_posix() for p in files) == sorted(
        f"{raw.container}/{raw.path}/2026/07/01/0200/part-00000.{'json' if raw.format == 'json' else 'parquet'}"
        for _, raw in INGESTED
    )
    account = tmp_path / "crm" / "account" / "2026" / "07" / "01" / "0200" / "part-00000.parquet"
    assert pq.read_table(account).column_names == [c.name for c in catalog.table("raw/crm/account").columns]


def test_the_graph_data_connect_shapes_carry_their_nested_addresses_and_online_meetings():
    data = generate("small")
    message = data.tables["enriched/m365/messages"][0]
    assert message["Sender"]["EmailAddress"]["Address"]
    # The source says online or not, except for a planted meeting without online details.
    assert {e["IsOnlineMeeting"] for e in data.tables["enriched/m365/events"]} == {True, False, None}
    event = data.tables["enriched/m365/events"][0]
    assert datetime.fromisoformat(event["Start"]["DateTime"]) < datetime.fromisoformat(event["End"]["DateTime"])
    assert {"_rid", "_etag", "_ts"} <= data.tables["enriched/data/customer_service/interactions"][0].keys()


def test_the_planted_facts_are_in_the_data():
    data = generate("small")
    facts = data.facts
    messages = {m["Id"]: m for m in data.tables["enriched/m365/messages"]}
    events = {e["Id"]: e for e in data.tables["enriched/m365/events"]}
    assert messages[facts.reply_message_id]["Subject"].lower().startswith("re:")
    assert datetime.fromisoformat(events[facts.future_event_id]["Start"]["DateTime"]).date() > facts.as_of
    emails = [(r["Email"] or "").strip().lower() for r in data.tables["enriched/leasing/residents"]] + [
        (c["Email"] or "").strip().lower() for c in data.tables["enriched/crm/contacts"]
    ]
    assert emails.count(facts.duplicate_person_email) == 3  # two resident records and one contact
    ids = {c["CustomerId"] for c in data.tables["enriched/crm/customers"]}
    assert set(facts.duplicate_customer_ids) <= ids


def test_the_planted_dirty_data_is_in_the_data():
    data = generate("small")
    facts = data.facts
    assignments = [
        a for a in data.tables["enriched/crm/territory_assignments"] if a["CustomerId"] == facts.overlap_customer_id
    ]
    assert len([a for a in assignments if a["ValidTo"] is None]) == 2
    billing = [
        a
        for a in data.tables["enriched/crm/addresses"]
        if a["CustomerId"] == facts.two_billing_customer_id and a["Type"] == "Bill To"
    ]
    assert min(billing, key=lambda a: a["AddressNumber"])["City"] == facts.billing_city and len(billing) == 2
    contacts = {c["ContactId"]: c for c in data.tables["enriched/crm/contacts"]}
    assert all(not contacts[c]["Email"].strip() for c in facts.blank_email_contact_ids)
    first, second = facts.duplicate_contact_ids
    assert first < second and contacts[first]["Email"] == contacts[second]["Email"]
    erp = {c["ErpCustomerId"]: c for c in data.tables["enriched/erp/erp_customers"]}
    assert erp[facts.erp_name_match[0]]["CustomerId"].startswith("ERP-")
    assert facts.erp_only_customer_id in {h["CustomerId"] for h in data.tables["enriched/erp/sales_headers"]}
    events = {e["Id"]: e for e in data.tables["enriched/m365/events"]}
    assert events[facts.no_online_details_event_id]["IsOnlineMeeting"] is None
    assert events[facts.meeting_room_event_id]["Location"]["DisplayName"] == "Meeting Room 3"
    assert all(lease["MonthlyRent"] > 0 for lease in data.tables["enriched/leasing/leases"])
