"""``cloudscale pipelines validate`` and the plan's pipeline listing, run as a person runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cloudscale.cli.main import main
from cloudscale.pipelines.definitions import bundled_root

REPO = Path(__file__).resolve().parents[2]


def team_folder(tmp_path: Path) -> Path:
    """A team's own set: a daily copy of a partner drop from the external lake into raw/crm."""
    folder = tmp_path / "partner_drop"
    (folder / "dataset").mkdir(parents=True)
    (folder / "pipeline").mkdir()
    (folder / "dataset" / "ds_partner_csv.json").write_text(
        json.dumps(
            {
                "name": "ds_partner_csv",
                "properties": {
                    "type": "DelimitedText",
                    "linkedServiceName": {"referenceName": "ls_lake_external", "type": "LinkedServiceReference"},
                    "typeProperties": {
                        "location": {"type": "AzureBlobStorageLocation", "container": "data", "folderPath": "partner"},
                        "columnDelimiter": ",",
                        "firstRowAsHeader": True,
                    },
                },
            }
        )
    )
    (folder / "pipeline" / "pl_partner_drop.json").write_text(
        json.dumps(
            {
                "name": "pl_partner_drop",
                "properties": {
                    "parameters": {"windowStart": {"type": "String"}, "windowEnd": {"type": "String"}},
                    "activities": [
                        {
                            "name": "Copy drop",
                            "type": "Copy",
                            "policy": {"timeout": "0.01:00:00", "retry": 2, "retryIntervalInSeconds": 60},
                            "inputs": [{"referenceName": "ds_partner_csv", "type": "DatasetReference"}],
                            "outputs": [
                                {
                                    "referenceName": "ds_raw_crm_parquet",
                                    "type": "DatasetReference",
                                    "parameters": {"entity": "partner", "window": "@pipeline().parameters.windowEnd"},
                                }
                            ],
                            "typeProperties": {
                                "source": {"type": "DelimitedTextSource"},
                                "sink": {"type": "ParquetSink"},
                            },
                        },
                        {
                            "name": "Fail drop",
                            "type": "Fail",
                            "dependsOn": [{"activity": "Copy drop", "dependencyConditions": ["Failed"]}],
                            "typeProperties": {"message": "partner drop failed", "errorCode": "PARTNER"},
                        },
                    ],
                },
            }
        )
    )
    return folder


def test_validate_without_a_folder_checks_the_bundled_sets(capsys):
    assert main(["pipelines", "validate"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("valid: ")
    for name in ("crm_ingestion", "erp_ingestion", "customer_service_link", "logical_warehouse", "master"):
        assert f"  {name} (" in out


def test_a_team_folder_may_use_bundled_datasets_and_runs_in_the_master(tmp_path, capsys):
    folder = team_folder(tmp_path)
    assert main(["pipelines", "validate", str(folder), "--paths"]) == 0
    out = capsys.readouterr().out
    assert "  partner_drop (dataFactory, yours): pl_partner_drop" in out
    assert "Copy drop fails: runs Fail drop" in out


def test_a_broken_team_folder_exits_2_with_one_line_per_problem_and_no_traceback(tmp_path, capsys):
    folder = team_folder(tmp_path)
    pipeline = folder / "pipeline" / "pl_partner_drop.json"
    document = json.loads(pipeline.read_text())
    document["properties"]["activities"][1]["dependsOn"][0]["activity"] = "Copy the drop"
    document["properties"]["activities"][0]["inputs"][0]["referenceName"] = "ds_partner_xlsx"
    pipeline.write_text(json.dumps(document))
    (folder / "dataset" / "ds_broken.json").write_text("{")

    assert main(["pipelines", "validate", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert lines[-1] == "3 problem(s)"
    shown = str(tmp_path / "partner_drop")
    assert (
        f"{shown}/dataset/ds_broken.json: $: malformed JSON at line 1, column 2: "
        "Expecting property name enclosed in double quotes"
    ) in lines
    assert (
        f"{shown}/pipeline/pl_partner_drop.json: $.properties.activities[0].inputs[0].referenceName: "
        "dataset 'ds_partner_xlsx' does not exist in the zone's Data Factory"
    ) in lines
    assert any(
        line.startswith(f"{shown}/pipeline/pl_partner_drop.json: $.properties.activities[1].dependsOn[0].activity: ")
        for line in lines
    )
    assert "Traceback" not in captured.err + captured.out


def test_a_folder_without_definitions_is_refused(tmp_path, capsys):
    assert main(["pipelines", "validate", str(tmp_path)]) == 2
    assert "no definition folders" in capsys.readouterr().err


def test_plan_lists_each_zones_pipelines_triggers_and_schedules_and_draws_the_flow(
    plan_reads_stack_runs, tmp_path, capsys
):
    report = tmp_path / "plan.md"
    assert main(["plan", "--stack", "dev", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "Pipelines [sales]:" in out
    assert (
        "  Data Factory trigger tr_master  (TumblingWindowTrigger: every 24 Hour from 2026-01-01T02:00:00Z, started)"
        in out
    )
    # The master is the zone's one schedule; the notebooks it runs are steps of it, not pipelines.
    assert "Synapse trigger" not in out
    assert "  Data Factory pipeline pl_master\n" in out
    text = report.read_text()
    assert "## Data flow" in text and 'subgraph sales_flow["sales: data flow"]' in text
    # Source to raw, raw to enriched, enriched to each product, each product to the serving endpoint, and on to
    # the reports: in Direct Lake over the Fabric workspace's shortcuts, or in DirectQuery through the endpoint.
    assert "sales_Dynamics_365___Dataverse -->|crm_ingestion| sales_raw_crm" in text
    assert "sales_raw_crm -->|crm_conform| sales_enriched_crm" in text
    assert "sales_enriched_erp -->|sales_analytics| sales_curated_sales_analytics" in text
    assert "sales_curated_sales_analytics -->|logical_warehouse| sales_serverless_SQL_endpoint" in text
    onelake = "sales_OneLake_shortcuts__Fabric_lakehouse_"
    assert f"sales_curated_sales_analytics -->|shortcut| {onelake}" in text
    assert f"{onelake} -->|Direct Lake| sales_Power_BI__SalesAnalytics" in text
    assert "sales_serverless_SQL_endpoint -->|DirectQuery| sales_Power_BI__CustomerDimension" in text


def test_the_distribution_ships_every_bundled_definition(tmp_path):
    # build_py is the step that lays out a wheel's files, package data included; it needs no network.
    subprocess.run(
        [sys.executable, "-c", "from setuptools import setup; setup()", "build_py", "--build-lib", str(tmp_path), "-q"],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    shipped = {path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*.json")}
    bundled = {
        f"cloudscale/pipelines/{p.relative_to(bundled_root()).as_posix()}" for p in bundled_root().rglob("*.json")
    }
    assert "cloudscale/pipelines/crm_ingestion/pipeline/pl_crm_ingestion.json" in bundled
    assert bundled == shipped


def test_the_team_pipeline_page_example_validates_and_is_granted_what_it_uses(tmp_path, capsys):
    import re

    from cloudscale.pipelines.data_access import LakeAccess, lake_access
    from cloudscale.pipelines.definitions import load_set

    page = (REPO / "docs" / "team-pipeline.md").read_text()
    files = re.findall(r"`(teams/[^`]+\.json)`:\n\n```json\n(.*?)```", page, flags=re.S)
    assert [name for name, _ in files] == [
        "teams/partner_drop/dataset/ds_partner_csv.json",
        "teams/partner_drop/pipeline/pl_partner_drop.json",
    ]
    for name, text in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    folder = tmp_path / "teams" / "partner_drop"
    assert main(["pipelines", "validate", str(folder)]) == 0
    assert "partner_drop (dataFactory, yours): pl_partner_drop" in capsys.readouterr().out
    team, _ = load_set(folder)
    crm, _ = load_set(bundled_root() / "crm_ingestion")
    access, problems = lake_access([team, crm])
    assert problems == []
    assert LakeAccess("dataFactory", "external", "data", False) in access
    assert LakeAccess("dataFactory", "raw", "crm", True) in access
