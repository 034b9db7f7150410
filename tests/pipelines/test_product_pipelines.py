"""A data product's own pipeline runs inside the master: Customer 360 reaches its scoring step."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from cloudscale.pipelines import run_paths
from cloudscale.pipelines.compose import ZonePipelines, bundled_choice, compose_zone
from cloudscale.pipelines.definitions import load_set
from cloudscale.pipelines.validate import activity_scopes, all_activities, validate

from .test_definitions import copy_set, edit

SCORING = "customer-360 Publish renewal predictions"


def _zone(target: str) -> ZonePipelines:
    return compose_zone(
        [bundled_choice("crm_ingestion", "k0"), bundled_choice("erp_ingestion", "k1")],
        products=["sales-analytics", "customer-360"],
        master_target=target,
        master_schedule=None,
    )


def _master(composed: ZonePipelines) -> Any:
    return composed.sets[-1].of_kind("pipeline")["pl_master"]


@pytest.mark.parametrize("target", ["dataFactory", "synapse"])
def test_the_master_runs_customer_360_through_training_to_its_predictions(target):
    composed = _zone(target)
    assert validate(composed.sets) == []
    assert composed.inlined == {"customer-360": "pl_customer_360"}
    master = _master(composed)
    steps = run_paths.steps_of(master.properties["activities"])
    happy = run_paths.runs_when_all_succeed(steps)
    # The old master ran nb_customer_360 once (its default stage, features) and never trained or scored.
    assert {
        "customer-360 Build features",
        "customer-360 Submit training job",
        "customer-360 Wait for training job",
        "customer-360 Training completed",
        SCORING,
    } <= happy
    assert run_paths.unhandled_failures(steps) == set()
    assert run_paths.masked_failures(steps) == set()
    scoring = next(a for _p, a in all_activities(master) if a["name"] == SCORING)
    assert scoring["typeProperties"]["parameters"]["stage"]["value"] == "score"
    assert scoring["typeProperties"]["parameters"]["window_end"]["value"]["value"] == "@pipeline().parameters.windowEnd"


def test_customer_360_features_wait_for_the_steps_that_write_what_they_read():
    composed = compose_zone(
        [
            bundled_choice(name, f"k{i}")
            for i, name in enumerate(("crm_ingestion", "erp_ingestion", "leasing_ingestion"))
        ],
        products=["customer-360"],
        master_target="dataFactory",
        master_schedule=None,
    )
    by_name = {a["name"]: a for a in _master(composed).properties["activities"]}
    waits = {d["activity"] for d in by_name["customer-360 Build features"]["dependsOn"]}
    # Its contract reads enriched CRM and leasing tables, never ERP: it starts once those are conformed.
    assert waits == {"Run crm_conform", "Run leasing_conform"}
    assert {d["activity"] for d in by_name["Run leasing_conform"]["dependsOn"]} == {"Ingest pl_leasing_ingestion"}


def test_every_reference_of_the_inlined_steps_names_a_master_activity_or_variable():
    master = _master(_zone("dataFactory"))
    names = {a["name"] for _p, a in all_activities(master)}
    text = json.dumps(master.properties)
    referenced = set(re.findall(r"activity\('([^']+)'\)", text))
    assert referenced and referenced <= names
    variables = set(re.findall(r"variables\('([^']+)'\)", text))
    assert variables == set(master.properties["variables"]) == {"customer_360_jobStatus"}
    for _path, scope in activity_scopes(master):
        siblings = {a["name"] for a in scope}
        assert {d["activity"] for a in scope for d in a.get("dependsOn") or []} <= siblings
    assert max(len(n) for n in names) <= 55


def test_in_a_factory_the_notebook_steps_run_through_the_workspace_linked_service_without_snapshot():
    master = _master(_zone("dataFactory"))
    notebooks = [a for _p, a in all_activities(master) if a["type"] == "SynapseNotebook"]
    # The CRM and ERP conforming steps, sales analytics, Customer 360 features and scoring.
    assert len(notebooks) == 5
    for notebook in notebooks:
        assert notebook["linkedServiceName"]["referenceName"] == "ls_synapse_workspace"
        assert "snapshot" not in notebook["typeProperties"]
    synapse = [a for _p, a in all_activities(_master(_zone("synapse"))) if a["type"] == "SynapseNotebook"]
    assert all("linkedServiceName" not in a for a in synapse)
    assert all(a["typeProperties"]["snapshot"] for a in synapse)


def test_a_set_variable_of_an_undeclared_variable_is_a_validation_error(tmp_path):
    folder = copy_set(tmp_path, "customer_360")
    edit(folder, "pipeline/pl_customer_360.json", lambda p: p.pop("variables"))
    changed, problems = load_set(folder)
    found = [str(p) for p in problems + validate([changed])]
    assert (
        "customer_360/pipeline/pl_customer_360.json: "
        "$.properties.activities[2].typeProperties.activities[2].typeProperties.variableName: "
        "variable 'jobStatus' is not declared"
    ) in found
