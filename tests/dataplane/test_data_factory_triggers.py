"""Data Factory triggers kept started, with the real azure-mgmt-datafactory client against a local ARM fake."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from cloudscale.components import data_factory_triggers as dft

from .fake_data_factory import FakeDataFactory
from .test_synapse_dataplane import PROVIDER_BLOB, TOKEN, StaticTokenCredential

SUB, GROUP, FACTORY, NAME = "11111111-2222-3333-4444-555555555555", "rg-int", "adf-sales", "tr_master"
PATH = (
    f"/subscriptions/{SUB}/resourceGroups/{GROUP}/providers/Microsoft.DataFactory/factories/{FACTORY}/triggers/{NAME}"
)
TRIGGER = {
    "type": "TumblingWindowTrigger",
    "pipeline": {
        "pipelineReference": {"referenceName": "pl_master", "type": "PipelineReference"},
        "parameters": {"windowStart": "@trigger().outputs.windowStartTime"},
    },
    "typeProperties": {
        "frequency": "Hour",
        "interval": 24.0,
        "startTime": "2026-01-01T02:00:00Z",
        "maxConcurrency": 1.0,
    },
}


@pytest.fixture
def arm(tls_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDataFactory]:
    with FakeDataFactory(*tls_files, factory_name=FACTORY, expected_token=TOKEN) as server:
        monkeypatch.setattr(
            dft,
            "settings",
            dft.ManagementSettings(
                credential_factory=lambda: StaticTokenCredential(TOKEN),
                base_url=server.url,
                client_kwargs={"connection_verify": str(tls_files[0])},
                poll_interval_seconds=0,
                timeout_seconds=30,
            ),
        )
        yield server
    assert server.internal_errors == []


def inputs(properties: dict[str, Any] = TRIGGER) -> dict[str, Any]:
    return {
        "subscription_id": SUB,
        "resource_group_name": GROUP,
        "factory_name": FACTORY,
        "trigger_name": NAME,
        "properties": copy.deepcopy(properties),
        "runtime_state": None,
        "__provider": PROVIDER_BLOB,
    }


def calls(arm: FakeDataFactory) -> list[tuple[str, str]]:
    return [(r.method, r.path.removeprefix(PATH) or "/") for r in arm.requests]


def test_create_puts_the_definition_and_starts_it(arm: FakeDataFactory) -> None:
    created = dft.TriggerProvider().create(inputs())

    assert calls(arm) == [("PUT", "/"), ("POST", "/start"), ("GET", "/")]
    assert arm.requests[0].body == {"properties": dft._json_numbers(TRIGGER)}
    assert arm.triggers[NAME]["properties"]["runtimeState"] == "Started"
    assert created.id == PATH
    assert created.outs is not None and created.outs["runtime_state"] == "Started"


def test_update_stops_replaces_and_restarts(arm: FakeDataFactory) -> None:
    provider = dft.TriggerProvider()
    olds = {**provider.create(inputs()).outs, "__provider": PROVIDER_BLOB}
    changed = copy.deepcopy(TRIGGER)
    changed["typeProperties"]["interval"] = 12
    assert provider.diff(PATH, olds, inputs(changed)).changes
    arm.requests.clear()

    updated = provider.update(PATH, olds, inputs(changed))

    assert calls(arm) == [("GET", "/"), ("POST", "/stop"), ("PUT", "/"), ("POST", "/start"), ("GET", "/")]
    assert arm.triggers[NAME]["properties"]["typeProperties"]["interval"] == 12
    assert updated.outs["runtime_state"] == "Started"


def test_without_the_stop_arm_refuses_the_update(arm: FakeDataFactory) -> None:
    provider = dft.TriggerProvider()
    provider.create(inputs())

    with pytest.raises(dft.DataFactoryTriggerError, match="TriggerEnabledCannotUpdate"):
        provider.create(inputs())


def test_delete_stops_first(arm: FakeDataFactory) -> None:
    provider = dft.TriggerProvider()
    created = provider.create(inputs())
    arm.requests.clear()

    provider.delete(PATH, {**created.outs, "__provider": PROVIDER_BLOB})

    assert calls(arm) == [("GET", "/"), ("POST", "/stop"), ("DELETE", "/")]
    assert NAME not in arm.triggers


def test_failure_in_the_middle_names_the_step_and_recovers(arm: FakeDataFactory) -> None:
    provider = dft.TriggerProvider()
    olds = {**provider.create(inputs()).outs, "__provider": PROVIDER_BLOB}
    arm.fail_next("POST", f"{PATH}/start", 409, "TriggerStartFailed", "pipeline pl_master does not exist")

    with pytest.raises(dft.DataFactoryTriggerError) as caught:
        provider.update(PATH, olds, inputs())

    assert f"Data Factory '{FACTORY}': cannot start trigger '{NAME}'" in str(caught.value)
    assert isinstance(caught.value.__cause__, HttpResponseError)
    assert arm.triggers[NAME]["properties"]["runtimeState"] == "Stopped"
    refreshed = provider.read(PATH, olds)
    assert refreshed.outs["runtime_state"] == "Stopped"
    # A stopped trigger is drift: the next `pulumi up` updates and starts it.
    assert provider.diff(PATH, {**refreshed.outs, "__provider": PROVIDER_BLOB}, inputs()).changes
    provider.update(PATH, olds, inputs())
    assert arm.triggers[NAME]["properties"]["runtimeState"] == "Started"


def test_event_trigger_is_subscribed_then_started(arm: FakeDataFactory) -> None:
    blob = {
        "type": "BlobEventsTrigger",
        "pipelines": [{"pipelineReference": {"referenceName": "pl_master", "type": "PipelineReference"}}],
        "typeProperties": {
            "blobPathBeginsWith": "/data/blobs/",
            "events": ["Microsoft.Storage.BlobCreated"],
            "scope": "/x",
        },
    }
    dft.TriggerProvider().create(inputs(blob))

    assert calls(arm) == [
        ("PUT", "/"),
        ("POST", "/subscribeToEvents"),
        ("POST", "/start"),
        ("GET", "/"),
    ]
    assert arm.triggers[NAME]["properties"]["runtimeState"] == "Started"


def test_read_of_a_deleted_trigger_drops_it(arm: FakeDataFactory) -> None:
    assert dft.TriggerProvider().read(PATH, inputs()).id == ""
