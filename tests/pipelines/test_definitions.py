"""Definition sets: the bundled ones validate, and each class of broken definition is named by file and path."""

from __future__ import annotations

import copy
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cloudscale.dataproducts import PRODUCT_MODULES
from cloudscale.pipelines import run_paths
from cloudscale.pipelines.compose import compose_zone, master_set
from cloudscale.pipelines.data_access import LakeAccess, lake_access
from cloudscale.pipelines.definitions import DefinitionSet, bundled_root, bundled_set_names, load_set
from cloudscale.pipelines.placeholders import PLATFORM_KEYS, UnresolvedPlaceholderError, keys_in, resolve
from cloudscale.pipelines.platform import zone_platform
from cloudscale.pipelines.validate import activity_scopes, all_activities, validate

BUNDLED = (
    "crm_conform",
    "crm_ingestion",
    "customer_service_link",
    "erp_conform",
    "erp_ingestion",
    "leasing_conform",
    "leasing_ingestion",
    "logical_warehouse",
    "m365_conform",
    "m365_ingestion",
)
FIXTURES = Path(__file__).parent / "fixtures"


def bundled_sets() -> list[DefinitionSet]:
    sets = []
    for name in bundled_set_names():
        definitions, problems = load_set(bundled_root() / name)
        assert problems == []
        sets.append(definitions)
    return sets


def copy_set(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(bundled_root() / name, tmp_path / name))


def edit(folder: Path, relative: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = folder / relative
    document = json.loads(path.read_text())
    change(document["properties"])
    path.write_text(json.dumps(document, indent=4))


def problems_with(tmp_path: Path, name: str, relative: str, change: Callable[[dict[str, Any]], None]) -> list[str]:
    folder = copy_set(tmp_path, name)
    edit(folder, relative, change)
    others = [s for s in bundled_sets() if s.name != name]
    changed, load_problems = load_set(folder)
    return [str(p) for p in load_problems + validate([*others, changed])]


def test_every_bundled_set_is_shipped_and_validates_together():
    sets = bundled_sets()
    # Beside the ingestion sets, one Synapse set per data product (its notebook, and for some a
    # pipeline or SQL script).
    products = sorted(PRODUCT_MODULES.values())
    assert sorted(s.name for s in sets) == sorted([*BUNDLED, *products])
    # Ingestion copies with Data Factory; conforming, the link, products and serving run in Synapse.
    assert {s.name: s.target for s in sets} == {
        **{name: "dataFactory" if name.endswith("_ingestion") else "synapse" for name in BUNDLED},
        **dict.fromkeys(products, "synapse"),
    }
    assert validate(sets) == []


def test_bundled_definitions_hold_no_dates_and_only_known_placeholders():
    for definitions in bundled_sets():
        for artifact in definitions:
            text = json.dumps(artifact.properties)
            assert "2026-" not in text and "2025-" not in text, artifact.file
            for _path, key in keys_in(artifact.properties):
                assert key in PLATFORM_KEYS or key.startswith(("schedule.", "settings.")), (artifact.file, key)


# -- each class of broken definition -----------------------------------------------------------------


def test_missing_dataset_is_named_with_file_and_path(tmp_path):
    def drop(properties):
        inner = properties["activities"][0]["typeProperties"]["activities"][0]
        inner["outputs"][0]["referenceName"] = "ds_raw_crm_missing"

    found = problems_with(tmp_path, "crm_ingestion", "pipeline/pl_crm_ingestion.json", drop)
    assert found == [
        "crm_ingestion/pipeline/pl_crm_ingestion.json: "
        "$.properties.activities[0].typeProperties.activities[0].outputs[0].referenceName: "
        "dataset 'ds_raw_crm_missing' does not exist in the zone's Data Factory"
    ]


def test_missing_linked_service_of_a_dataset(tmp_path):
    def drop(properties):
        properties["linkedServiceName"]["referenceName"] = "ls_nowhere"

    found = problems_with(tmp_path, "erp_ingestion", "dataset/ds_erp_table.json", drop)
    assert found == [
        "erp_ingestion/dataset/ds_erp_table.json: $.properties.linkedServiceName.referenceName: "
        "linkedService 'ls_nowhere' does not exist in the zone's Data Factory"
    ]


def test_a_zone_without_an_erp_database_has_no_ls_sql_erp():
    found = [str(p) for p in validate(bundled_sets(), zone_platform(erp=False))]
    assert found == [
        "erp_ingestion/dataset/ds_erp_table.json: $.properties.linkedServiceName.referenceName: "
        "linkedService 'ls_sql_erp' does not exist in the zone's Data Factory"
    ]


def test_dangling_depends_on(tmp_path):
    def dangle(properties):
        properties["activities"][1]["dependsOn"][0]["activity"] = "Copy every entity"

    found = problems_with(tmp_path, "crm_ingestion", "pipeline/pl_crm_ingestion.json", dangle)
    assert len(found) == 1
    assert found[0].startswith(
        "crm_ingestion/pipeline/pl_crm_ingestion.json: $.properties.activities[1].dependsOn[0].activity: "
        "depends on 'Copy every entity', which is not another activity at this level"
    )


def test_invalid_dependency_condition(tmp_path):
    def wrong(properties):
        properties["activities"][1]["dependsOn"][0]["dependencyConditions"] = ["Failure"]

    found = problems_with(tmp_path, "crm_ingestion", "pipeline/pl_crm_ingestion.json", wrong)
    assert [f.split(": ")[1] for f in found] == ["$.properties.activities[1].dependsOn[0].dependencyConditions"]


def test_cycle(tmp_path):
    def loop(properties):
        properties["activities"][0]["dependsOn"] = [
            {"activity": "Wait for training job", "dependencyConditions": ["Succeeded"]}
        ]

    found = problems_with(tmp_path, "customer_360", "pipeline/pl_customer_360.json", loop)
    assert found == [
        "customer_360/pipeline/pl_customer_360.json: $.properties.activities[1].dependsOn: "
        "dependency cycle: Build features -> Wait for training job -> Submit training job -> Build features"
    ]


def test_undeclared_pipeline_parameter(tmp_path):
    def undeclare(properties):
        del properties["parameters"]["windowStart"]

    found = problems_with(tmp_path, "erp_ingestion", "pipeline/pl_erp_ingestion.json", undeclare)
    assert found
    assert all("@pipeline().parameters.windowStart is not a declared parameter" in f for f in found)
    assert (
        "$.properties.activities[0].typeProperties.activities[0].typeProperties.source.sqlReaderQuery.value"
        in (found[0])
    )


def test_undeclared_dataset_parameter(tmp_path):
    def undeclare(properties):
        del properties["parameters"]["window"]

    found = problems_with(tmp_path, "crm_ingestion", "dataset/ds_raw_crm_parquet.json", undeclare)
    assert (
        "crm_ingestion/dataset/ds_raw_crm_parquet.json: $.properties.typeProperties.location.folderPath.value: "
        "@dataset().window is not a declared parameter"
    ) in found
    # ... and the pipeline now passes a parameter the dataset does not declare.
    assert any(f.endswith("dataset 'ds_raw_crm_parquet' declares no parameter 'window'") for f in found)


def _trigger_problems(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> list[str]:
    """A team's nightly trigger beside the bundled ERP ingestion, changed, then validated with the rest."""
    folder = copy_set(tmp_path, "erp_ingestion")
    trigger = {
        "type": "ScheduleTrigger",
        "typeProperties": {"recurrence": {"frequency": "Day", "interval": 1, "startTime": "2026-01-01T02:00:00Z"}},
        "pipelines": [
            {
                "pipelineReference": {"referenceName": "pl_erp_ingestion", "type": "PipelineReference"},
                "parameters": {
                    "windowStart": "@addDays(trigger().scheduledTime, -1)",
                    "windowEnd": "@trigger().scheduledTime",
                },
            }
        ],
    }
    change(trigger)
    (folder / "trigger").mkdir()
    (folder / "trigger" / "tr_erp_nightly.json").write_text(
        json.dumps({"name": "tr_erp_nightly", "properties": trigger})
    )
    others = [s for s in bundled_sets() if s.name != "erp_ingestion"]
    changed, load_problems = load_set(folder)
    return [str(p) for p in load_problems + validate([*others, changed])]


TRIGGER = "erp_ingestion/trigger/tr_erp_nightly.json"


def test_a_team_trigger_of_a_bundled_pipeline_validates(tmp_path):
    assert _trigger_problems(tmp_path, lambda _: None) == []


def test_trigger_that_does_not_match_its_pipeline(tmp_path):
    def mismatch(properties):
        properties["pipelines"][0]["parameters"] = {"snapshotAt": "@trigger().scheduledTime"}

    assert _trigger_problems(tmp_path, mismatch) == [
        f"{TRIGGER}: $.properties.pipelines[0].parameters.snapshotAt: pipeline 'pl_erp_ingestion' declares no "
        "parameter 'snapshotAt'",
        f"{TRIGGER}: $.properties.pipelines[0].parameters: pipeline 'pl_erp_ingestion' needs parameter "
        "'windowStart' (it has no defaultValue)",
        f"{TRIGGER}: $.properties.pipelines[0].parameters: pipeline 'pl_erp_ingestion' needs parameter "
        "'windowEnd' (it has no defaultValue)",
    ]


def test_trigger_output_that_its_type_does_not_have(tmp_path):
    def window(properties):
        properties["pipelines"][0]["parameters"]["windowEnd"] = "@trigger().outputs.windowEndTime"

    found = _trigger_problems(tmp_path, window)
    assert len(found) == 1 and "@trigger().outputs.windowEndTime is not defined for a ScheduleTrigger" in found[0]


def test_trigger_of_a_missing_pipeline(tmp_path):
    def rename(properties):
        properties["pipelines"][0]["pipelineReference"]["referenceName"] = "pl_other"

    assert _trigger_problems(tmp_path, rename) == [
        f"{TRIGGER}: $.properties.pipelines[0].pipelineReference.referenceName: pipeline 'pl_other' does not "
        "exist in the zone's Data Factory"
    ]


def test_unknown_activity_type(tmp_path):
    def rename(properties):
        properties["activities"][0]["type"] = "CopyData"

    found = problems_with(tmp_path, "crm_ingestion", "pipeline/pl_crm_ingestion.json", rename)
    assert found == [
        "crm_ingestion/pipeline/pl_crm_ingestion.json: $.properties.activities[0].type: "
        "activity type 'CopyData' does not exist in a Data Factory"
    ]


def test_synapse_notebook_in_a_factory_needs_an_azure_synapse_artifacts_linked_service(tmp_path):
    notebook = {
        "name": "Run notebook",
        "type": "SynapseNotebook",
        "dependsOn": [{"activity": "Copy each entity", "dependencyConditions": ["Succeeded"]}],
        "typeProperties": {"notebook": {"referenceName": "nb_customer_service_link", "type": "NotebookReference"}},
    }

    def add(properties):
        properties["activities"].append(copy.deepcopy(notebook))

    found = problems_with(tmp_path, "crm_ingestion", "pipeline/pl_crm_ingestion.json", add)
    assert found == [
        "crm_ingestion/pipeline/pl_crm_ingestion.json: $.properties.activities[2].type: SynapseNotebook runs in a "
        "Data Factory only through a linkedServiceName of type AzureSynapseArtifacts"
    ]

    def through_key_vault(properties):
        properties["activities"].append(
            {
                **copy.deepcopy(notebook),
                "linkedServiceName": {"referenceName": "ls_key_vault", "type": "LinkedServiceReference"},
            }
        )

    found = problems_with(tmp_path / "again", "crm_ingestion", "pipeline/pl_crm_ingestion.json", through_key_vault)
    assert len(found) == 1 and "'ls_key_vault' is not one" in found[0]


def test_unknown_placeholder(tmp_path):
    def typo(properties):
        properties["typeProperties"]["serviceUri"] = "{{ setting.crmServiceUri }}"

    found = problems_with(tmp_path, "crm_ingestion", "linkedService/ls_dataverse_crm.json", typo)
    assert found == [
        "crm_ingestion/linkedService/ls_dataverse_crm.json: $.properties.typeProperties.serviceUri: "
        "unknown placeholder {{ setting.crmServiceUri }}; see docs/pipelines.md for the list"
    ]


def test_malformed_json(tmp_path):
    folder = copy_set(tmp_path, "erp_ingestion")
    (folder / "dataset" / "ds_erp_table.json").write_text('{"name": "ds_erp_table", "properties": {"type": }')
    _, found = load_set(folder)
    assert [str(p) for p in found] == [
        "erp_ingestion/dataset/ds_erp_table.json: $: malformed JSON at line 1, column 49: Expecting value"
    ]


def test_file_name_and_definition_name_must_agree(tmp_path):
    folder = copy_set(tmp_path, "erp_ingestion")
    (folder / "dataset" / "ds_erp_table.json").rename(folder / "dataset" / "ds_erp.json")
    _, found = load_set(folder)
    assert [str(p) for p in found] == [
        "erp_ingestion/dataset/ds_erp.json: $.name: must equal the file name 'ds_erp' (got 'ds_erp_table')"
    ]


def test_a_definition_in_two_sets_is_named_twice(tmp_path):
    first, _ = load_set(copy_set(tmp_path / "a", "erp_ingestion"))
    second, _ = load_set(copy_set(tmp_path / "b", "erp_ingestion"))
    second.name = "erp_copy"
    found = [str(p) for p in validate([first, second])]
    assert (
        "erp_ingestion/dataset/ds_erp_table.json: $.name: dataset 'ds_erp_table' is also defined in "
        "erp_ingestion/dataset/ds_erp_table.json" in found
    )


# -- run paths ---------------------------------------------------------------------------------------


def every_pipeline() -> list[tuple[str, Any]]:
    sets = bundled_sets()
    sets.append(master_set("dataFactory", [s for s in sets if s.target == "dataFactory"], ["sales-analytics"], None))
    return [(p.name, p) for s in sets for p in s.of_kind("pipeline").values()]


@pytest.mark.parametrize(("name", "pipeline"), every_pipeline(), ids=lambda v: v if isinstance(v, str) else "")
def test_each_pipeline_reaches_its_failure_path_and_leaves_no_step_unreachable(name, pipeline):
    top = run_paths.steps_of(pipeline.properties["activities"])
    happy = run_paths.runs_when_all_succeed(top)
    fails = [step for step in top if step.type == "Fail"]
    assert fails, f"{name} declares no failure path"
    assert not happy & {f.name for f in fails}, f"{name} fails when everything succeeds"
    assert run_paths.unhandled_failures(top) == set(), f"{name}: a step's failure runs no handler"
    assert run_paths.masked_failures(top) == set(), f"{name}: a generic Fail replaces a step's own message"
    for _path, activities in activity_scopes(pipeline):
        assert run_paths.unreachable(run_paths.steps_of(activities)) == set()


def test_run_paths_follow_the_service_rules():
    steps = run_paths.steps_of(
        [
            {"name": "a", "type": "Copy"},
            {"name": "b", "type": "Copy", "dependsOn": [{"activity": "a", "dependencyConditions": ["Succeeded"]}]},
            {
                "name": "on a failed",
                "type": "Fail",
                "dependsOn": [{"activity": "a", "dependencyConditions": ["Failed"]}],
            },
            {
                "name": "after b",
                "type": "Wait",
                "dependsOn": [{"activity": "b", "dependencyConditions": ["Completed"]}],
            },
            {
                "name": "b skipped",
                "type": "Wait",
                "dependsOn": [{"activity": "b", "dependencyConditions": ["Skipped"]}],
            },
            {
                "name": "both",
                "type": "Wait",
                "dependsOn": [
                    {"activity": "a", "dependencyConditions": ["Succeeded"]},
                    {"activity": "on a failed", "dependencyConditions": ["Succeeded"]},
                ],
            },
        ]
    )
    assert run_paths.runs_when_all_succeed(steps) == {"a", "b", "after b"}
    assert run_paths.runs_when_fails(steps, "a") == {"a", "on a failed", "b skipped"}
    assert run_paths.runs_when_fails(steps, "b") == {"a", "b", "after b"}
    # "both" needs a to succeed and its failure handler to run: never.
    assert run_paths.unreachable(steps) == {"both"}
    assert run_paths.unhandled_failures(steps) == {"b", "after b"}


def test_a_branch_that_fails_with_its_own_message_needs_no_generic_fail_after_it():
    check = {
        "name": "check",
        "type": "IfCondition",
        "typeProperties": {
            "expression": {"value": "@equals(1, 1)", "type": "Expression"},
            "ifFalseActivities": [{"name": "specific", "type": "Fail", "typeProperties": {"message": "why"}}],
        },
    }
    generic = {
        "name": "generic",
        "type": "Fail",
        "dependsOn": [{"activity": "check", "dependencyConditions": ["Failed"]}],
    }
    # The branch's own Fail ends the run with its message (the IfCondition is the failed leaf).
    assert run_paths.unhandled_failures(run_paths.steps_of([check])) == set()
    assert run_paths.masked_failures(run_paths.steps_of([check])) == set()
    # A Fail after it would be the failed leaf instead, and its generic message the run's error.
    assert run_paths.masked_failures(run_paths.steps_of([check, generic])) == {"check"}


def test_unreachable_step_is_a_validation_error(tmp_path):
    def unreachable(properties):
        properties["activities"].append(
            {
                "name": "Never",
                "type": "Wait",
                "dependsOn": [
                    {"activity": "Copy each entity", "dependencyConditions": ["Succeeded"]},
                    {"activity": "Fail CRM ingestion", "dependencyConditions": ["Succeeded"]},
                ],
                "typeProperties": {"waitTimeInSeconds": 1},
            }
        )

    found = problems_with(tmp_path, "crm_ingestion", "pipeline/pl_crm_ingestion.json", unreachable)
    assert found == [
        "crm_ingestion/pipeline/pl_crm_ingestion.json: $.properties.activities[2]: activity 'Never' never runs: "
        "no outcome of the activities it depends on satisfies its conditions"
    ]


# -- composition, access, placeholders ----------------------------------------------------------------


def test_master_picks_only_products_that_have_a_notebook():
    composed = compose_zone(
        [],
        products=["sales-analytics", "customer-360"],
        master_target="dataFactory",
        master_schedule=None,
        product_root=FIXTURES,
    )
    assert composed.products == ["sales-analytics"]  # customer-360 has no notebook in the fixtures
    assert composed.orchestrated == []


def test_master_composition_over_bundled_ingestion_and_a_fixture_product():
    from cloudscale.pipelines.compose import Schedule, bundled_choice

    composed = compose_zone(
        [bundled_choice("crm_ingestion", "k0"), bundled_choice("erp_ingestion", "k1")],
        products=["sales-analytics", "customer-360"],
        master_target="dataFactory",
        master_schedule=Schedule("Day", 1, "2026-01-01T02:00:00Z"),
        product_root=FIXTURES,
    )
    assert validate(composed.sets) == []
    master = composed.sets[-1]
    pipeline = master.of_kind("pipeline")["pl_master"].properties
    by_name = {a["name"]: a for a in pipeline["activities"]}
    assert set(by_name) == {
        "Ingest pl_crm_ingestion",
        "Fail ingest pl_crm_ingestion",
        "Ingest pl_erp_ingestion",
        "Fail ingest pl_erp_ingestion",
        "Build sales-analytics",
        "Fail build sales-analytics",
    }
    build = by_name["Build sales-analytics"]
    assert {d["activity"] for d in build["dependsOn"]} == {"Ingest pl_crm_ingestion", "Ingest pl_erp_ingestion"}
    assert build["policy"]["retry"] == 1 and build["policy"]["timeout"] == "0.04:00:00"
    assert build["linkedServiceName"]["referenceName"] == "ls_synapse_workspace"
    assert master.of_kind("linkedService")["ls_synapse_workspace"].type == "AzureSynapseArtifacts"
    steps = run_paths.steps_of(pipeline["activities"])
    assert run_paths.runs_when_fails(steps, "Ingest pl_erp_ingestion") == {
        "Ingest pl_crm_ingestion",
        "Ingest pl_erp_ingestion",
        "Fail ingest pl_erp_ingestion",
    }
    trigger = master.of_kind("trigger")["tr_master"].properties
    assert trigger["type"] == "TumblingWindowTrigger"
    assert (trigger["typeProperties"]["frequency"], trigger["typeProperties"]["interval"]) == ("Hour", 24)
    assert trigger["pipeline"]["parameters"]["windowEnd"] == "@trigger().outputs.windowEndTime"


def test_master_in_a_workspace_runs_notebooks_natively():
    composed = compose_zone(
        [], products=["sales-analytics"], master_target="synapse", master_schedule=None, product_root=FIXTURES
    )
    assert validate(composed.sets) == []
    build = next(
        a
        for a in composed.sets[-1].of_kind("pipeline")["pl_master"].properties["activities"]
        if a["type"] == "SynapseNotebook"
    )
    assert "linkedServiceName" not in build


def test_lake_access_is_derived_per_container():
    access, problems = lake_access(bundled_sets())
    assert problems == []
    assert access == {
        LakeAccess("dataFactory", "raw", "crm", True),
        LakeAccess("dataFactory", "raw", "erp", True),
        # Leasing ingestion reads the external drop's data container and writes raw/leasing.
        LakeAccess("dataFactory", "external", "data", False),
        LakeAccess("dataFactory", "raw", "leasing", True),
        # Graph Data Connect writes raw/m365 as its own service principal; the factory clears a window
        # there before it is copied again.
        LakeAccess("dataFactory", "raw", "m365", True),
        # The conforming notebooks read each integration's raw landings and write its enriched tables;
        # the customer-service link writes the shared container.
        *(LakeAccess("synapse", "raw", integration, False) for integration in ("crm", "erp", "leasing", "m365")),
        *(LakeAccess("synapse", "enriched", integration, True) for integration in ("crm", "erp", "leasing", "m365")),
        LakeAccess("synapse", "enriched", "data", True),
        # Each data product's contract: it writes its own workspace container.
        *(
            LakeAccess("synapse", "workspace", product, True)
            for product in (
                "sales-analytics",
                "customer-360",
                "relationship-mesh",
                "customer-dimension",
                "customer-service",
            )
        ),
    }


def test_a_lake_dataset_without_a_literal_container_cannot_be_granted(tmp_path):
    folder = copy_set(tmp_path, "crm_ingestion")
    edit(
        folder,
        "dataset/ds_raw_crm_parquet.json",
        lambda p: p["typeProperties"]["location"].update(
            fileSystem={"value": "@dataset().entity", "type": "Expression"}
        ),
    )
    changed, _ = load_set(folder)
    _, problems = lake_access([changed])
    assert [p.path for p in problems] == ["$.properties.typeProperties.location.fileSystem"]


def test_placeholders_resolve_with_types_and_fail_on_unknown_keys():
    values = {"schedule.interval": 24, "lake.raw.account": "straw", "zone.name": "sales"}
    assert resolve({"interval": "{{ schedule.interval }}"}, values) == {"interval": 24}
    assert resolve(["abfss://crm@{{lake.raw.account}}.dfs.core.windows.net/{{ zone.name }}"], values) == [
        "abfss://crm@straw.dfs.core.windows.net/sales"
    ]
    with pytest.raises(UnresolvedPlaceholderError) as caught:
        resolve("{{ sql.server }}", values)
    assert caught.value.key == "sql.server"


def test_azure_ml_command_bindings_are_not_placeholders():
    command = "python train.py --features ${{inputs.features}} --out {{ zone.name }}"
    assert [key for _, key in keys_in({"command": command})] == ["zone.name"]
    assert resolve(command, {"zone.name": "sales"}) == "python train.py --features ${{inputs.features}} --out sales"


def test_data_flow_runs_from_sources_through_the_layers_to_the_serving_endpoint():
    from cloudscale.pipelines.compose import bundled_choice
    from cloudscale.pipelines.data_flow import SERVING, FlowEdge, data_flow

    chosen = ("crm_ingestion", "erp_ingestion", "customer_service_link", "logical_warehouse")
    composed = compose_zone(
        [bundled_choice(name, "k") for name in chosen],
        products=["sales-analytics"],
        master_target="dataFactory",
        master_schedule=None,
    )
    # Each edge is a contract's read and write: source into raw, raw into enriched, enriched into the
    # product's curated tables, those into the serving views; nothing the zone did not select.
    assert set(data_flow(composed.sets, composed.products)) == {
        FlowEdge("Dynamics 365 / Dataverse", "raw/crm", "crm_ingestion"),
        FlowEdge("ERP database (SQL Hyperscale)", "raw/erp", "erp_ingestion"),
        FlowEdge("Cosmos DB analytical store", "enriched/data", "customer_service_link"),
        FlowEdge("raw/crm", "enriched/crm", "crm_conform"),
        FlowEdge("raw/erp", "enriched/erp", "erp_conform"),
        FlowEdge("enriched/crm", "curated/sales-analytics", "sales_analytics"),
        FlowEdge("enriched/erp", "curated/sales-analytics", "sales_analytics"),
        FlowEdge("curated/sales-analytics", SERVING, "logical_warehouse"),
        # The product's semantic model, in DirectQuery over the serving views (no Fabric workspace here).
        FlowEdge(SERVING, "Power BI: SalesAnalytics", "DirectQuery"),
    }


def test_bundled_ingestion_writes_the_lake_layouts_raw_folders():
    from cloudscale.lake.entities import BUNDLED_PIPELINE_ENTITIES

    sets = {s.name: s for s in bundled_sets()}
    crm = sets["crm_ingestion"].of_kind("pipeline")["pl_crm_ingestion"].properties["parameters"]["entities"]
    erp = sets["erp_ingestion"].of_kind("pipeline")["pl_erp_ingestion"].properties["parameters"]["tables"]
    leasing = sets["leasing_ingestion"].of_kind("pipeline")["pl_leasing_ingestion"].properties["parameters"]
    written = {("crm", e["folder"]) for e in crm["defaultValue"]} | {("erp", t["folder"]) for t in erp["defaultValue"]}
    written |= {("leasing", e["folder"]) for e in leasing["extracts"]["defaultValue"]}
    m365 = sets["m365_ingestion"].of_kind("pipeline")["pl_m365_ingestion"].properties["parameters"]["datasets"]
    written |= {("m365", d["folder"]) for d in m365["defaultValue"]}
    assert written == {(o.integration, o.entity) for o in BUNDLED_PIPELINE_ENTITIES if o.layer == "raw"}


def test_parameter_types_are_the_services_in_any_case(tmp_path):
    def lower(properties):
        properties["parameters"]["entity"]["type"] = "string"  # as Studio writes dataset parameters
        properties["parameters"]["window"]["type"] = "text"

    found = problems_with(tmp_path, "crm_ingestion", "dataset/ds_raw_crm_parquet.json", lower)
    assert found == [
        "crm_ingestion/dataset/ds_raw_crm_parquet.json: $.properties.parameters.window.type: 'text' is not a "
        "parameter type; use one of array, bool, float, int, object, securestring, string"
    ]


def test_every_data_product_reads_only_tables_a_bundled_set_writes():
    from cloudscale.dataproducts.contracts.products import PRODUCTS, inputs

    written = {
        table.id for definitions in bundled_sets() if definitions.contract for table in definitions.contract.writes
    }
    for name, contract in PRODUCTS.items():
        assert set(inputs(contract).values()) <= written, name


# -- ingestion: explicit columns, one file per window ------------------------------------------------

INGESTION_SETS = ("crm_ingestion", "erp_ingestion", "leasing_ingestion")


def _ingestion_copies() -> list[tuple[DefinitionSet, Any, dict[str, Any]]]:
    """(set, pipeline, Copy activity) for every Copy of the bundled ingestion sets."""
    sets = {s.name: s for s in bundled_sets()}
    found = []
    for name in INGESTION_SETS:
        for pipeline in sets[name].of_kind("pipeline").values():
            found += [(sets[name], pipeline, a) for _p, a in all_activities(pipeline) if a["type"] == "Copy"]
    return found


@pytest.mark.parametrize("name", INGESTION_SETS)
def test_each_ingestion_copy_maps_an_explicit_column_list_from_its_foreach_item(name):
    copies = [(pipeline, step) for definitions, pipeline, step in _ingestion_copies() if definitions.name == name]
    assert copies
    for pipeline, step in copies:
        # Without a mapping the service infers the schema from sampled rows and drops empty columns.
        assert step["typeProperties"]["translator"] == {
            "type": "TabularTranslator",
            "mappings": {"value": "@item().columns", "type": "Expression"},
        }
        (loop,) = [a for a in pipeline.properties["activities"] if a["type"] == "ForEach"]
        parameter = loop["typeProperties"]["items"]["value"].removeprefix("@pipeline().parameters.")
        for item in pipeline.properties["parameters"][parameter]["defaultValue"]:
            columns = item["columns"]
            assert columns, item
            names = [c["source"]["name"] for c in columns]
            assert len(names) == len(set(names)), item
            # Raw keeps the source's own names; conforming renames.
            assert all(c["sink"] == {"name": c["source"]["name"]} and c["source"]["type"] for c in columns)


def test_dataverse_columns_are_logical_names_and_erp_reads_its_watermark():
    pipelines = {definitions.name: pipeline for definitions, pipeline, _step in _ingestion_copies()}
    for item in pipelines["crm_ingestion"].properties["parameters"]["entities"]["defaultValue"]:
        names = [c["source"]["name"] for c in item["columns"]]
        key = "activityid" if item["entity"] == "activitypointer" else f"{item['entity']}id"
        assert all(n == n.lower() for n in names), item["entity"]
        # stringmap (the option-set labels) has no modifiedon: it is copied whole every window.
        watermark = {"modifiedon"} if item["entity"] != "stringmap" else set()
        assert item["watermark"] == "".join(watermark), item["entity"]
        assert {key, *watermark} <= set(names), item["entity"]
    for table in pipelines["erp_ingestion"].properties["parameters"]["tables"]["defaultValue"]:
        assert table["watermark"] in [c["source"]["name"] for c in table["columns"]]


@pytest.mark.parametrize("name", INGESTION_SETS)
def test_a_rerun_window_replaces_its_files(name):
    for definitions, _pipeline, step in _ingestion_copies():
        if definitions.name != name:
            continue
        (output,) = step["outputs"]
        sink = definitions.of_kind("dataset")[output["referenceName"]].properties
        location = sink["typeProperties"]["location"]
        file_name = location["fileName"]["value"]
        # A name fixed by the window's folder and the entity: never the run, never the clock.
        assert "dataset().entity" in file_name and not re.search(r"RunId|utcnow|rand|guid", file_name), file_name
        if step["typeProperties"]["source"]["type"] == "DelimitedTextSource":
            # Every extract of the window merges into that one file.
            assert step["typeProperties"]["sink"]["storeSettings"]["copyBehavior"] == "MergeFiles"
