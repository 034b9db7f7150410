"""The Synapse artifact provider against the local fake, with the real azure-synapse-artifacts client."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError

from cloudscale.components import synapse_artifacts as sa
from cloudscale.components import synapse_dataplane as sd

from .fake_synapse import FakeSynapse
from .test_synapse_dataplane import PROVIDER_BLOB, WORKSPACE

NOTEBOOK = {
    "nbformat": 4,
    "nbformat_minor": 2,
    "bigDataPool": {"referenceName": "spark", "type": "BigDataPoolReference"},
    "metadata": {"language_info": {"name": "python"}},
    "cells": [{"cell_type": "code", "metadata": {}, "source": ["print(1)"], "outputs": []}],
}
PIPELINE = {
    "activities": [
        {"name": "Wait a bit", "type": "Wait", "dependsOn": [], "typeProperties": {"waitTimeInSeconds": 1.0}}
    ],
    "parameters": {"snapshotTime": {"type": "String"}},
}
TRIGGER = {
    "type": "ScheduleTrigger",
    # Studio exports carry the read-only run state; the provider must not send it.
    "runtimeState": "Started",
    "pipelines": [
        {
            "pipelineReference": {"referenceName": "pl_demo", "type": "PipelineReference"},
            "parameters": {"snapshotTime": "@trigger().scheduledTime"},
        }
    ],
    "typeProperties": {"recurrence": {"frequency": "Hour", "interval": 1.0, "startTime": "2026-01-01T00:00:00Z"}},
}
BLOB_TRIGGER = {
    "type": "BlobEventsTrigger",
    "pipelines": TRIGGER["pipelines"],
    "typeProperties": {
        "blobPathBeginsWith": "/data/blobs/",
        "events": ["Microsoft.Storage.BlobCreated"],
        "scope": "/x",
    },
}


def inputs(dev_endpoint: str, kind: str, name: str, properties: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {
        "workspace_name": WORKSPACE,
        "kind": kind,
        "artifact_name": name,
        "properties": copy.deepcopy(properties),
        "run_after_change": False,
        "run_parameters": None,
        "dev_endpoint": dev_endpoint,
        "__provider": PROVIDER_BLOB,
        **overrides,
    }


def olds_of(outs: dict[str, Any] | None) -> dict[str, Any]:
    assert outs is not None
    return {**outs, "__provider": PROVIDER_BLOB}


@pytest.mark.parametrize(
    ("kind", "collection", "properties"),
    [
        ("notebook", "notebooks", NOTEBOOK),
        ("sqlscript", "sqlScripts", {"content": {"query": "SELECT 1"}, "type": "SqlQuery"}),
        (
            "dataset",
            "datasets",
            {"type": "Parquet", "linkedServiceName": {"referenceName": "ls", "type": "LinkedServiceReference"}},
        ),
        ("pipeline", "pipelines", PIPELINE),
    ],
)
def test_create_read_delete_each_kind_verbatim(
    fake: FakeSynapse, kind: str, collection: str, properties: dict[str, Any]
) -> None:
    provider = sa.ArtifactProvider()
    created = provider.create(inputs(fake.url, kind, "item_one", properties))

    assert fake.requests[0].method == "PUT"
    assert fake.requests[0].path == f"/{collection}/item_one"
    # Integers arrive from the engine as floats; the service receives JSON integers again.
    assert fake.requests[0].body == {"properties": sd._json_numbers(properties)}
    assert fake.artifacts[collection]["item_one"]["properties"] == sd._json_numbers(properties)
    assert created.id == f"{WORKSPACE}/{kind}/item_one"
    assert created.outs is not None and created.outs["resource_id"].endswith(f"/{collection}/item_one")

    read = provider.read(created.id, olds_of(created.outs))
    assert read.id == created.id

    provider.delete(created.id, olds_of(created.outs))
    assert "item_one" not in fake.artifacts[collection]
    assert provider.read(created.id, olds_of(created.outs)).id == ""


def test_trigger_is_started_after_create_without_sending_runtime_state(fake: FakeSynapse) -> None:
    provider = sa.ArtifactProvider()
    provider.create(inputs(fake.url, "pipeline", "pl_demo", PIPELINE))
    fake.requests.clear()

    created = provider.create(inputs(fake.url, "trigger", "tr_demo", TRIGGER))

    methods = [(r.method, r.path) for r in fake.requests if not r.path.startswith("/operationResults")]
    assert methods == [("PUT", "/triggers/tr_demo"), ("POST", "/triggers/tr_demo/start"), ("GET", "/triggers/tr_demo")]
    assert "runtimeState" not in fake.requests[0].body["properties"]
    assert fake.triggers["tr_demo"]["properties"]["runtimeState"] == "Started"
    assert created.outs is not None and created.outs["runtime_state"] == "Started"


def test_trigger_update_stops_puts_and_restarts(fake: FakeSynapse) -> None:
    provider = sa.ArtifactProvider()
    provider.create(inputs(fake.url, "pipeline", "pl_demo", PIPELINE))
    olds = olds_of(provider.create(inputs(fake.url, "trigger", "tr_demo", TRIGGER)).outs)
    changed = copy.deepcopy(TRIGGER)
    changed["typeProperties"]["recurrence"]["interval"] = 4
    news = inputs(fake.url, "trigger", "tr_demo", changed)
    assert provider.diff("id", olds, news).changes
    fake.requests.clear()

    updated = provider.update("id", olds, news)

    calls = [(r.method, r.path) for r in fake.requests if not r.path.startswith("/operationResults")]
    assert calls == [
        ("GET", "/triggers/tr_demo"),
        ("POST", "/triggers/tr_demo/stop"),
        ("PUT", "/triggers/tr_demo"),
        ("POST", "/triggers/tr_demo/start"),
        ("GET", "/triggers/tr_demo"),
    ]
    assert fake.triggers["tr_demo"]["properties"]["typeProperties"]["recurrence"]["interval"] == 4
    assert fake.triggers["tr_demo"]["properties"]["runtimeState"] == "Started"
    assert updated.outs is not None and updated.outs["runtime_state"] == "Started"


def test_fake_refuses_to_update_a_started_trigger(fake: FakeSynapse) -> None:
    # Proves the update test above exercises the rule: a PUT on a started trigger fails.
    provider = sa.ArtifactProvider()
    provider.create(inputs(fake.url, "pipeline", "pl_demo", PIPELINE))
    provider.create(inputs(fake.url, "trigger", "tr_demo", TRIGGER))

    with pytest.raises(sd.SynapseDataPlaneError, match="TriggerEnabledCannotUpdate"):
        provider.create(inputs(fake.url, "trigger", "tr_demo", TRIGGER))


def test_trigger_stopped_out_of_band_is_drift_and_restarted(fake: FakeSynapse) -> None:
    provider = sa.ArtifactProvider()
    provider.create(inputs(fake.url, "pipeline", "pl_demo", PIPELINE))
    created = provider.create(inputs(fake.url, "trigger", "tr_demo", TRIGGER))
    fake.triggers["tr_demo"]["properties"]["runtimeState"] = "Stopped"

    refreshed = provider.read(created.id, olds_of(created.outs))
    assert refreshed.outs["runtime_state"] == "Stopped"
    olds = olds_of(refreshed.outs)
    assert provider.diff("id", olds, inputs(fake.url, "trigger", "tr_demo", TRIGGER)).changes

    provider.update("id", olds, inputs(fake.url, "trigger", "tr_demo", TRIGGER))
    assert fake.triggers["tr_demo"]["properties"]["runtimeState"] == "Started"


def test_trigger_delete_stops_first(fake: FakeSynapse) -> None:
    provider = sa.ArtifactProvider()
    provider.create(inputs(fake.url, "pipeline", "pl_demo", PIPELINE))
    created = provider.create(inputs(fake.url, "trigger", "tr_demo", TRIGGER))
    fake.requests.clear()

    provider.delete(created.id, olds_of(created.outs))

    calls = [(r.method, r.path) for r in fake.requests if not r.path.startswith("/operationResults")]
    assert calls == [("GET", "/triggers/tr_demo"), ("POST", "/triggers/tr_demo/stop"), ("DELETE", "/triggers/tr_demo")]
    assert "tr_demo" not in fake.triggers


def test_event_trigger_is_subscribed_before_it_starts(fake: FakeSynapse) -> None:
    fake.subscription_polls = 2
    provider = sa.ArtifactProvider()
    provider.create(inputs(fake.url, "pipeline", "pl_demo", PIPELINE))

    provider.create(inputs(fake.url, "trigger", "tr_blob", BLOB_TRIGGER))

    paths = [r.path for r in fake.requests if r.method == "POST"]
    assert paths[0] == "/triggers/tr_blob/subscribeToEvents"
    assert paths[-1] == "/triggers/tr_blob/start"
    assert paths.count("/triggers/tr_blob/getEventSubscriptionStatus") == 3
    assert fake.triggers["tr_blob"]["properties"]["runtimeState"] == "Started"


def test_failure_in_the_middle_leaves_the_trigger_stopped_and_names_it(fake: FakeSynapse) -> None:
    provider = sa.ArtifactProvider()
    provider.create(inputs(fake.url, "pipeline", "pl_demo", PIPELINE))
    olds = olds_of(provider.create(inputs(fake.url, "trigger", "tr_demo", TRIGGER)).outs)
    fake.fail_next_operation(400, "InvalidTrigger", "recurrence interval out of range")

    with pytest.raises(sd.SynapseDataPlaneError) as caught:
        provider.update("id", olds, inputs(fake.url, "trigger", "tr_demo", TRIGGER))

    assert "trigger 'tr_demo'" in str(caught.value) and "InvalidTrigger" in str(caught.value)
    assert isinstance(caught.value.__cause__, HttpResponseError)
    # Stopped, not half-updated and running: the next `pulumi up` retries the update and restarts it.
    assert fake.triggers["tr_demo"]["properties"]["runtimeState"] == "Stopped"
    provider.update("id", olds, inputs(fake.url, "trigger", "tr_demo", TRIGGER))
    assert fake.triggers["tr_demo"]["properties"]["runtimeState"] == "Started"


def test_pipeline_runs_once_after_each_change_when_asked(fake: FakeSynapse) -> None:
    provider = sa.ArtifactProvider()
    run_inputs = inputs(fake.url, "pipeline", "pl_demo", PIPELINE, run_after_change=True, run_parameters={"n": 1.0})

    created = provider.create(run_inputs)
    provider.update("id", olds_of(created.outs), run_inputs)

    assert fake.pipeline_runs == [("pl_demo", {"n": 1}), ("pl_demo", {"n": 1})]
    assert created.outs is not None and created.outs["last_run_id"]


def test_unchanged_artifact_has_no_diff(fake: FakeSynapse) -> None:
    provider = sa.ArtifactProvider()
    created = provider.create(inputs(fake.url, "notebook", "nb", NOTEBOOK))

    assert not provider.diff("id", olds_of(created.outs), inputs(fake.url, "notebook", "nb", NOTEBOOK)).changes
    renamed = provider.diff("id", olds_of(created.outs), inputs(fake.url, "notebook", "nb2", NOTEBOOK))
    assert renamed.replaces == ["artifact_name"]
