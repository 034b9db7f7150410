"""The sample-data generator: deterministic, sized by argument, every source shape, planted facts."""

from __future__ import annotations

from datetime import datetime

import pyarrow.parquet as pq
import pytest

from cloudscale.dataproducts.sample_data import RAW_TABLES, SIZES, generate, write_raw_layout


def test_the_same_seed_gives_the_same_rows_and_another_seed_does_not():
    assert generate("small", seed=3).tables == generate("small", seed=3).tables
    assert generate("small", seed=3).tables != generate("small", seed=4).tables


def test_size_is_a_name_or_a_customer_count():
    assert generate("medium").size == SIZES["medium"] > SIZES["small"]
    assert len(generate(12).tables["leasing/residents"]) == 12 * 8 + 1
    with pytest.raises(ValueError, match="size must be one of"):
        generate("huge")


def test_every_scenario_source_is_emitted_in_its_raw_layout(tmp_path):
    data = generate("small")
    assert tuple(data.tables) == RAW_TABLES
    files = write_raw_layout(data, tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in files) == sorted(
        f"{t}/part-00000.parquet" for t in RAW_TABLES
    )
    for table, rows in data.tables.items():
        assert rows and pq.read_table(tmp_path / table / "part-00000.parquet").num_rows == len(rows)


def test_the_graph_data_connect_shapes_carry_their_envelope_and_nested_addresses():
    data = generate("small")
    message = data.tables["m365/messages"][0]
    assert {"puser", "ptenant", "datarow", "userrow", "pagerow"} <= message.keys()
    assert message["Sender"]["EmailAddress"]["Address"]
    event = data.tables["m365/events"][0]
    assert datetime.fromisoformat(event["Start"]["DateTime"]) < datetime.fromisoformat(event["End"]["DateTime"])
    assert {"_rid", "_etag", "_ts"} <= data.tables["service/interactions"][0].keys()


def test_the_planted_facts_are_in_the_data():
    data = generate("small")
    facts = data.facts
    messages = {m["Id"]: m for m in data.tables["m365/messages"]}
    events = {e["Id"]: e for e in data.tables["m365/events"]}
    assert messages[facts.reply_message_id]["Subject"].lower().startswith("re:")
    assert datetime.fromisoformat(events[facts.future_event_id]["Start"]["DateTime"]).date() > facts.as_of
    emails = [r["Email"].strip().lower() for r in data.tables["leasing/residents"]] + [
        c["Email"].strip().lower() for c in data.tables["crm/contacts"]
    ]
    assert emails.count(facts.duplicate_person_email) == 3  # two resident records and one contact
    ids = {c["CustomerId"] for c in data.tables["crm/customers"]}
    assert set(facts.duplicate_customer_ids) <= ids
