"""Microsoft 365 ingestion: Graph Data Connect's copy as its connector documents it, one delivery per window."""

from __future__ import annotations

from typing import Any

import pytest

from cloudscale.pipelines.definitions import DefinitionSet, bundled_root, load_set
from cloudscale.pipelines.set_settings import M365IngestionSettings, set_settings
from cloudscale.pipelines.validate import all_activities, validate

TENANT = "6c2d8e4f-3a1b-4c5d-9e7f-0a1b2c3d4e5f"
APP = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
APP_OBJECT = "2e4f6a8c-0b1d-4e3f-9a5c-7e9b1d3f5a7c"
GROUP = "4b6d8f0a-2c4e-4a6b-8d0f-2a4c6e8b0d2f"
SETTINGS = {"tenantId": TENANT, "appClientId": APP, "appObjectId": APP_OBJECT, "allowedGroups": GROUP}


@pytest.fixture(scope="module")
def m365() -> DefinitionSet:
    definitions, problems = load_set(bundled_root() / "m365_ingestion")
    assert problems == []
    return definitions


def _activities(m365: DefinitionSet) -> dict[str, Any]:
    pipeline = m365.of_kind("pipeline")["pl_m365_ingestion"]
    return {activity["name"]: activity for _path, activity in all_activities(pipeline)}


def test_the_set_validates_with_the_zone_and_runs_outside_the_managed_network(m365):
    assert validate([m365]) == []
    runtime = m365.of_kind("integrationRuntime")["graph-data-connect"].properties
    # The copy runs on an Azure runtime outside the managed VNet, in a region of the tenant's geography.
    assert runtime["type"] == "Managed"
    assert "managedVirtualNetwork" not in runtime["typeProperties"]
    assert runtime["typeProperties"]["computeProperties"]["location"] == "{{ settings.runtimeRegion }}"
    for name in ("ls_office365_mgdc", "ls_lake_raw_mgdc"):
        linked = m365.of_kind("linkedService")[name].properties
        assert linked["connectVia"]["referenceName"] == "graph-data-connect"


def test_source_and_sink_sign_in_as_the_mgdc_app_with_its_secret_from_key_vault(m365):
    secret = {
        "type": "AzureKeyVaultSecret",
        "store": {"referenceName": "ls_key_vault", "type": "LinkedServiceReference"},
        "secretName": "mgdc-client-secret",
    }
    source = m365.of_kind("linkedService")["ls_office365_mgdc"].properties
    assert source["type"] == "Office365"
    assert source["typeProperties"] == {
        "office365TenantId": "{{ settings.tenantId }}",
        "servicePrincipalTenantId": "{{ settings.tenantId }}",
        "servicePrincipalId": "{{ settings.appClientId }}",
        "servicePrincipalCredentialType": "ServicePrincipalKey",
        "servicePrincipalKey": secret,
    }
    # Service principal sign-in is the only one MGDC accepts for a copy's destination.
    sink = m365.of_kind("linkedService")["ls_lake_raw_mgdc"].properties
    assert sink["type"] == "AzureBlobFS"
    assert sink["typeProperties"]["url"] == "{{ lake.raw.dfs }}"
    assert sink["typeProperties"]["servicePrincipalCredential"] == secret


def test_each_window_copies_the_datasets_items_of_that_window_into_raw_m365(m365):
    copy = _activities(m365)["Copy the window"]["typeProperties"]
    assert copy["source"] == {
        "type": "Office365Source",
        "allowedGroups": "{{ settings.allowedGroups }}",
        "dateFilterColumn": {"value": "@item().dateFilterColumn", "type": "Expression"},
        "startTime": {"value": "@pipeline().parameters.windowStart", "type": "Expression"},
        "endTime": {"value": "@pipeline().parameters.windowEnd", "type": "Expression"},
        "outputColumns": {"value": "@item().columns", "type": "Expression"},
    }
    # MGDC writes JSON files and names them itself: a binary copy keeps them as delivered.
    assert copy["sink"]["type"] == "BinarySink"
    delivery = m365.of_kind("dataset")["ds_raw_m365_delivery"].properties
    assert delivery["typeProperties"]["location"]["fileSystem"] == "m365"
    pipeline = m365.of_kind("pipeline")["pl_m365_ingestion"].properties
    datasets = {d["table"]: d for d in pipeline["parameters"]["datasets"]["defaultValue"]}
    assert {t: (d["folder"], d["dateFilterColumn"]) for t, d in datasets.items()} == {
        "BasicDataSet_v0.Message_v1": ("messages", "SentDateTime"),
        "BasicDataSet_v0.Event_v1": ("events", "LastModifiedDateTime"),
    }


def test_only_who_met_whom_and_when_is_extracted_never_what_was_written(m365):
    pipeline = m365.of_kind("pipeline")["pl_m365_ingestion"].properties
    for dataset in pipeline["parameters"]["datasets"]["defaultValue"]:
        columns = {c["name"] for c in dataset["columns"]}
        assert {"Id", "Subject", "CreatedDateTime", "LastModifiedDateTime"} <= columns
        assert dataset["dateFilterColumn"] in columns
        assert not columns & {"Body", "UniqueBody", "BodyPreview", "Attachments", "InternetMessageHeaders"}
    messages, events = (d["columns"] for d in pipeline["parameters"]["datasets"]["defaultValue"])
    assert {"Sender", "ToRecipients", "CcRecipients", "BccRecipients", "SentDateTime"} <= {c["name"] for c in messages}
    assert {"Organizer", "Attendees", "Start", "End", "Location", "IsCancelled"} <= {c["name"] for c in events}


def test_a_rerun_deletes_the_windows_earlier_delivery_before_copying_again(m365):
    activities = _activities(m365)
    look = activities["Look for an earlier copy"]["typeProperties"]
    clear = activities["Clear the window"]
    delete = activities["Delete the earlier copy"]["typeProperties"]
    copy = activities["Copy the window"]
    # The same folder, the one the copy writes, as the factory sees it over its managed private endpoint.
    assert look["dataset"] == delete["dataset"]
    assert look["dataset"]["parameters"] == copy["outputs"][0]["parameters"]
    window = m365.of_kind("dataset")[delete["dataset"]["referenceName"]].properties
    delivery = m365.of_kind("dataset")[copy["outputs"][0]["referenceName"]].properties
    assert window["typeProperties"]["location"] == delivery["typeProperties"]["location"]
    assert window["linkedServiceName"]["referenceName"] == "ls_lake_raw"
    # Delete only what exists (Get Metadata's exists field does not fail on a missing folder).
    assert look["fieldList"] == ["exists"]
    assert clear["typeProperties"]["expression"]["value"] == "@activity('Look for an earlier copy').output.exists"
    assert delete["recursive"] is True
    assert copy["dependsOn"] == [{"activity": "Clear the window", "dependencyConditions": ["Succeeded"]}]
    # An activity retry would write beside a partial delivery; the trigger reruns the window instead.
    assert copy["policy"]["retry"] == 0


def test_settings_derive_the_runtime_region_of_the_lakes_geography():
    settings, problems = set_settings("m365_ingestion", SETTINGS, location="westeurope")
    assert problems == []
    assert isinstance(settings, M365IngestionSettings)
    assert settings.placeholder_values() == {
        "tenantId": TENANT,
        "appClientId": APP,
        "appObjectId": APP_OBJECT,
        "allowedGroups": [GROUP],
        "runtimeRegion": "northeurope",
        "deliveryAddressRanges": [],
    }
    # Storage takes /31 and /32 ranges as single addresses.
    ranged, _ = set_settings(
        "m365_ingestion", {**SETTINGS, "deliveryAddressRanges": "20.38.80.0/22, 13.69.230.96/31"}, location="westeurope"
    )
    assert isinstance(ranged, M365IngestionSettings)
    assert ranged.ip_rules() == ["20.38.80.0/22", "13.69.230.96", "13.69.230.97"]


@pytest.mark.parametrize(
    ("given", "location", "key", "fragment"),
    [
        ({"runtimeRegion": "westeurope"}, "westeurope", "runtimeRegion", "another region of the Europe geography"),
        ({}, "francecentral", "runtimeRegion", "the France geography has no Azure region besides francecentral"),
        ({}, "swedencentral", "runtimeRegion", "Graph Data Connect cannot deliver to a lake in 'swedencentral'"),
        ({"allowedGroups": "sellers"}, "westeurope", "allowedGroups[0]", "valid UUID"),
        ({"allowedGroups": ",".join([GROUP] * 11)}, "westeurope", "allowedGroups", "at most 10"),
        ({"deliveryAddressRanges": "10.0.0.0/8"}, "westeurope", "deliveryAddressRanges", "not a public address"),
        ({"tenantId": "contoso"}, "westeurope", "tenantId", "valid UUID"),
        ({"extra": "x"}, "westeurope", "extra", "Extra inputs are not permitted"),
    ],
)
def test_bad_settings_name_their_key(given, location, key, fragment):
    settings, problems = set_settings("m365_ingestion", {**SETTINGS, **given}, location=location)
    assert settings is None
    assert any(found == key and fragment in message for found, message in problems), problems
