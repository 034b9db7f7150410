"""``cloudscale plan``: the project's main job, exercised as a person runs it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from cloudscale.cli.main import main
from cloudscale.stacks.offline.ordering import ORDERING_RULES
from cloudscale.stacks.offline.stack_files import PROJECT_ROOT


def test_plan_prints_the_tree_counts_and_writes_a_mermaid_report(plan_reads_stack_runs, tmp_path, capsys):
    report = tmp_path / "plan.md"
    assert main(["plan", "--stack", "dev", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "cloudscale plan: stack dev, role all, update" in out
    assert "Data management landing zone [mgmt]" in out
    assert "Resources by type:" in out and "Total:" in out
    assert "Ordering findings: none" in out
    text = report.read_text()
    assert "```mermaid" in text and "flowchart LR" in text and 'subgraph mgmt["' in text


def test_plan_json_is_machine_readable_and_counts_add_up(plan_reads_stack_runs, capsys):
    assert main(["plan", "--json", "--report", ""]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["mode"] == "update"
    assert plan["total"] == sum(plan["byType"].values())
    assert plan["total"] == sum(zone["total"] for zone in plan["zones"].values())
    assert plan["outputs"]["logAnalyticsWorkspaceId"].startswith("/subscriptions/")


def test_plan_runs_in_preview_mode(plan_reads_stack_runs, capsys):
    assert main(["plan", "--preview", "--json", "--report", ""]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["mode"] == "preview"
    assert plan["total"] > 0
    assert plan["outputs"]["logAnalyticsWorkspaceId"] is None  # unknown until deployed


def _project_with(tmp_path: Path, edit) -> Path:
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    stack = yaml.safe_load((PROJECT_ROOT / "Pulumi.dev.yaml").read_text())
    edit(stack["config"])
    (tmp_path / "Pulumi.bad.yaml").write_text(yaml.safe_dump(stack))
    return tmp_path


def test_bad_config_exits_non_zero_with_the_key_and_no_traceback(tmp_path, capsys):
    def overlap(config):
        config["cloudscale:landingZones"][0]["addressSpace"] = "10.0.0.0/16"

    project = _project_with(tmp_path, overlap)
    assert main(["plan", "--stack", "bad", "--project-dir", str(project), "--report", ""]) == 2
    captured = capsys.readouterr()
    assert "cloudscale:landingZones[0].addressSpace" in captured.err
    assert "overlaps" in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_unknown_stack_exits_non_zero_and_lists_stacks(capsys):
    assert main(["plan", "--stack", "nope", "--report", ""]) == 2
    assert "stacks here: " in capsys.readouterr().err


def test_plan_of_the_dev_stack_shows_both_zones_their_peering_and_data_paths(plan_reads_stack_runs, tmp_path, capsys):
    report = tmp_path / "plan.md"
    assert main(["plan", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "Landing zone [sales]" in out
    for component in (
        "SqlHyperscale sales-erp",
        "CosmosAccount sales-customer-service",
        "MachineLearningWorkspace sales-retention",
        "SynapseWorkspace sales-synapse",
    ):
        assert component in out
    diagram = report.read_text()
    assert "mgmt <-->|VNet peering| sales" in diagram
    assert "sales_synapse -->|Analytical| sales_customer_service" in diagram
    assert "sales_integration -->|dfs| sales_lake_raw" in diagram


def test_plan_of_a_landing_stack_plans_its_management_stack_for_the_contract(plan_reads_stack_runs, capsys):
    assert main(["plan", "--stack", "sales", "--json", "--report", ""]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["role"] == "landing"
    assert set(plan["zones"]) == {"sales", "mgmt"}  # mgmt holds only the hub-side peering
    assert [node["type"] for node in plan["zones"]["mgmt"]["tree"]] == ["cloudscale:network:VnetPeering"]
    assert "cloudscale:network:HubNetwork" not in plan["byType"]


def test_plan_flags_a_high_severity_finding_with_strict(tmp_path, capsys, monkeypatch):
    from pulumi_azure_native import keyvault

    from cloudscale.components import key_vault  # noqa: F401 - declares the vault's rules
    from cloudscale.components.baseline.type_facts import SecurityRule, registry

    demands_public = SecurityRule(
        "public-network-access", "properties.publicNetworkAccess", lambda v: v == "Enabled", "is private"
    )
    vault = registry().get(keyvault.Vault)
    assert vault is not None
    monkeypatch.setattr(vault, "rules", (demands_public,))  # every private vault now looks public
    assert main(["plan", "--stack", "mgmt", "--strict", "--report", ""]) == 1
    assert "[high] public-network-access" in capsys.readouterr().out


BUNDLED_STACKS = sorted(path.name.split(".")[1] for path in PROJECT_ROOT.glob("Pulumi.*.yaml"))


@pytest.mark.parametrize("stack", BUNDLED_STACKS)
def test_plan_finds_no_ordering_problem_in_the_bundled_stacks(plan_reads_stack_runs, stack, capsys):
    assert main(["plan", "--stack", stack, "--json", "--report", ""]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert [f for f in plan["findings"] if f["rule"] in ORDERING_RULES] == []


def test_plan_reports_ordering_findings_and_strict_fails_on_them(capsys, monkeypatch):
    from cloudscale.stacks import landing_zone

    # Peerings that wait only for their own VNet, not for the remote one's subnets.
    monkeypatch.setattr(landing_zone._VnetWrites, "peering_after", lambda writes, local, remote: writes.after(local))
    assert main(["plan", "--stack", "dev", "--strict", "--report", ""]) == 1
    out = capsys.readouterr().out
    assert "Ordering findings:" in out
    assert "[high] ordering-peering-after-remote-vnet: mgmt-to-sales-peering" in out


# Every deliberate deviation from the baseline in the dev stack: rule -> resources. Each is shown by
# the plan as an accepted finding with its reason, never skipped.
DEV_ACCEPTED = {
    "public-network-access": {"sales-lake-raw-account", "sales-lake-enriched-account", "sales-lake-workspace-account"},
    "trusted-services": {
        "sales-lake-raw-account",
        "sales-lake-enriched-account",
        "sales-lake-workspace-account",
        "sales-lake-external-account",
    },
    "trusted-services-bypass": {"mgmt-vault-vault", "sales-vault-vault", "sales-retention-kv-vault"},
    "purge-protection": {"mgmt-vault-vault", "sales-vault-vault", "sales-retention-kv-vault"},
    "public-query": {"mgmt-monitoring-workspace", "sales-monitoring-workspace"},
    "registry-quarantine": {"mgmt-registry-registry"},
    "shared-key": {"sales-retention-storage"},
}


def test_plan_shows_every_deliberate_exception_with_its_reason_in_text_and_json(plan_reads_stack_runs, capsys):
    assert main(["plan", "--stack", "dev", "--strict", "--json", "--report", ""]) == 0
    reported = json.loads(capsys.readouterr().out)["findings"]
    assert {f["severity"] for f in reported} == {"accepted"}
    accepted: dict[str, set[str]] = {}
    for finding in reported:
        accepted.setdefault(finding["rule"], set()).add(finding["resource"])
        assert len(finding["detail"]) > 40, finding
    assert accepted == DEV_ACCEPTED
    assert main(["plan", "--stack", "dev", "--report", ""]) == 0
    text = capsys.readouterr().out
    for finding in reported:
        assert f"[accepted] {finding['rule']}: {finding['resource']}: {finding['detail']}" in text


def test_relative_pipeline_folders_resolve_against_the_project_wherever_plan_runs(tmp_path, monkeypatch, capsys):
    from cloudscale.pipelines.definitions import bundled_root

    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    team = shutil.copytree(bundled_root() / "erp_ingestion", project / "teams" / "finance_ingestion")
    (team / "contract.json").unlink()  # another system: the ERP tables have their one writer
    for path in (team / "dataset").iterdir():
        document = json.loads(path.read_text())
        document["name"] = document["name"].replace("erp", "finance")
        path.unlink()
        (path.parent / f"{document['name']}.json").write_text(json.dumps(document))
    old = team / "pipeline" / "pl_erp_ingestion.json"
    document = json.loads(
        old.read_text()
        .replace("ds_erp_table", "ds_finance_table")
        .replace("ds_raw_erp_parquet", "ds_raw_finance_parquet")
    )
    document["name"] = "pl_finance_ingestion"
    old.unlink()
    (team / "pipeline" / "pl_finance_ingestion.json").write_text(json.dumps(document))
    stack = yaml.safe_load((PROJECT_ROOT / "Pulumi.dev.yaml").read_text())
    stack["config"]["cloudscale:landingZones"][0]["pipelineFolders"] = [{"path": "teams/finance_ingestion"}]
    (project / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    status = main(["plan", "--stack", "dev", "--project-dir", str(project), "--json", "--report", "plan.md"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "pl_finance_ingestion" in captured.out
    # The report path is the user's, as typed, not the project's.
    assert (elsewhere / "plan.md").exists()
