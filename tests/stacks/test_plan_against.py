"""``cloudscale plan --against``: the steps from one program to the next, and what Azure's locks refuse.

Azure's lock semantics (Microsoft Learn, "Lock your resources to protect your infrastructure"): a
CanNotDelete lock refuses deleting its resource, its children and the extension resources applied to
them (role assignments at its scope, diagnostic settings), and a private endpoint to a locked target
(hashicorp/terraform-provider-azurerm#17478). The plans compared are update plans, ``cloudscale plan``'s
default: a preview leaves the names and ids that decide a replacement unknown.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cloudscale.cli.main import main
from cloudscale.stacks.offline.changes import CREATE, DELETE, REPLACE, Change, blocking, compare
from cloudscale.stacks.offline.report import build_plan, render_json
from cloudscale.stacks.offline.stack_files import load_stack_config

from ..stack_runs import StackRuns
from .support import team_notebook_set

ASSIGNMENT = "azure-native:authorization:RoleAssignment"
ACCOUNT = "azure-native:storage:StorageAccount"
CONTAINER = "azure-native:storage:BlobContainer"


@pytest.fixture(scope="module")
def prd_plan(stack_runs: StackRuns) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The ``--json`` plan of prd with ``edit`` applied to its config (runs shared across the suite)."""

    def plan(edit: dict[str, Any]) -> dict[str, Any]:
        config = {**load_stack_config("prd"), **edit}
        run = stack_runs.run(config, "update", stack="prd")
        return json.loads(render_json(build_plan(run, stack="prd", preview=False, role="all", protects_state=True)))

    return plan


@pytest.fixture(scope="module")
def with_team_reads(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """prd with one more team set: a Synapse notebook that reads the external drop and writes workspace/data."""
    access = {
        "reads": [{"lake": "external", "container": "data"}],
        "writes": [{"lake": "workspace", "container": "data"}],
    }
    team = team_notebook_set(tmp_path_factory.mktemp("plans") / "team_reference_data", access)
    zones = copy.deepcopy(load_stack_config("prd")["cloudscale:landingZones"])
    zones = json.loads(zones) if isinstance(zones, str) else zones
    zones[0]["pipelineFolders"] = [{"path": str(team), "target": "synapse"}]
    return {"cloudscale:landingZones": json.dumps(zones)}


def test_an_unchanged_program_changes_nothing(prd_plan):
    assert compare(prd_plan({}), prd_plan({})) == []


def test_dropping_a_pipelines_read_deletes_its_role_assignment_and_the_lock_lets_it_through(prd_plan, with_team_reads):
    # The team's set read the external drop and wrote workspace/data: without it, Synapse's
    # container-scoped assignments go. Each sits under its account's lock, which its delete lifts.
    changes = compare(prd_plan(with_team_reads), prd_plan({}))
    deleted = [c for c in changes if c.action == DELETE and c.type == ASSIGNMENT]
    assert {c.name for c in deleted} == {
        "sales-lake-external-data-storage-blob-data-reader-sales-synapse-workspace",
        "sales-lake-workspace-data-storage-blob-data-contributor-sales-synapse-workspace",
    }
    assert all(c.refused == [] and len(c.lifted) == 1 for c in deleted)
    assert [c.lifted[0] for c in deleted if "workspace-data" in c.name] == ["lock-adatum-prd-sales-work"]
    assert blocking(changes) == []


def test_without_the_lift_hook_the_lock_refuses_that_delete(prd_plan, with_team_reads):
    previous = copy.deepcopy(prd_plan(with_team_reads))
    for entry in previous["resources"]:
        for lock in entry["locks"]:
            lock["lifted"] = False
    changes = compare(previous, prd_plan({}))
    refused = [c for c in changes if c.action == DELETE and c.type == ASSIGNMENT]
    assert refused and all(
        c.refused == [f"CanNotDelete lock {c.refused[0].split()[2]} (409 ScopeLocked)"] for c in refused
    )


def test_deleting_a_lake_is_refused_by_its_lock(prd_plan):
    # A program without the external lake: its account and containers would be deleted. The lock stays
    # in Azure when Pulumi drops it (retain_on_delete), so Azure refuses; ``protect`` refuses first.
    previous = prd_plan({})
    current = copy.deepcopy(previous)
    current["resources"] = [r for r in current["resources"] if "sales-lake-external" not in r["urn"]]
    changes = {c.name: c for c in compare(previous, current)}
    account = changes["sales-lake-external-account"]
    assert (account.action, account.type, account.stateful) == (DELETE, ACCOUNT, True)
    assert "CanNotDelete lock lock-adatum-prd-sales-ext (409 ScopeLocked)" in account.refused
    assert any(reason.startswith("protect") for reason in account.refused)
    container = changes["sales-lake-external-data"]
    assert container.type == CONTAINER and "CanNotDelete lock lock-adatum-prd-sales-ext (409 ScopeLocked)" in (
        container.refused
    )
    # What holds no data under it goes through: its diagnostic settings lift the lock.
    assert changes["sales-lake-external-account-diag"].refused == []
    assert account in blocking(changes.values())


def test_renaming_the_name_seed_replaces_every_stateful_resource_with_a_global_name(prd_plan):
    previous = prd_plan({})
    changes = compare(previous, prd_plan({"cloudscale:nameSeed": "another-subscription"}))
    replaced = {c.urn: c for c in changes if c.action == REPLACE}
    stateful = {r["urn"]: r for r in previous["resources"] if r["stateful"]}
    kept = sorted((r["type"].split(":")[-1], r["name"]) for urn, r in stateful.items() if urn not in replaced)
    # The seed goes into globally unique names only (docs/deploy.md, nameSeed); these four are unique within
    # their resource group, so they keep their names.
    assert kept == [
        ("PublicIPAddress", "mgmt-firewall-pip"),
        ("Workspace", "mgmt-monitoring-workspace"),
        ("Workspace", "sales-monitoring-workspace"),
        ("Workspace", "sales-retention-workspace"),
    ]
    # The rest: every lake account and container, vaults, databases, registry, Purview, Synapse, the key.
    assert len(stateful) - len(kept) == 37
    for urn in set(stateful) - {u for u in stateful if u not in replaced}:
        change = replaced[urn]
        assert change.stateful and change in blocking(changes)
        assert any(reason.startswith("protect") for reason in change.refused), change.name
    assert not [c for c in changes if c.action == CREATE and c.stateful]


def test_the_cli_lists_the_changes_against_a_saved_plan(plan_reads_stack_runs, tmp_path: Path, capsys):
    saved = tmp_path / "previous.json"
    assert main(["plan", "--stack", "prd", "--json", "--report", ""]) == 0
    saved.write_text(capsys.readouterr().out)
    assert main(["plan", "--stack", "prd", "--strict", "--against", str(saved), "--report", ""]) == 0
    out = capsys.readouterr().out
    assert f"Changes against {saved}:\n  none\n" in out
    assert "Summary: 0 to create, 0 to update, 0 to replace, 0 to delete; 0 refused" in out


def test_a_previous_plan_that_is_not_one_is_refused_naming_the_file(tmp_path: Path, capsys):
    saved = tmp_path / "previous.json"
    saved.write_text('{"stack": "prd"}')
    assert main(["plan", "--stack", "prd", "--against", str(saved), "--report", ""]) == 2
    assert (
        f"{saved}: $.resources: missing; save the previous plan with cloudscale plan --json" in capsys.readouterr().err
    )


def test_a_change_lists_what_changed_and_a_rename_of_a_parent_replaces():
    def entry(**inputs: Any) -> dict[str, Any]:
        return {"urn": "u", "type": "t", "name": "n", "inputs": inputs, "stateful": True, "protect": False}

    [change] = compare(
        {"resources": [entry(accountName="a", sku="S")]}, {"resources": [entry(accountName="b", sku="S")]}
    )
    assert (change.action, change.changed) == (REPLACE, ["accountName"])
    [change] = compare({"resources": [entry(sku="S")]}, {"resources": [entry(sku="P")]})
    assert isinstance(change, Change) and (change.action, change.changed) == ("update", ["sku"])
    ignored = {**entry(properties={"attributes": {"expires": 2}}), "ignoreChanges": ["properties.attributes.expires"]}
    assert compare({"resources": [entry(properties={"attributes": {"expires": 1}})]}, {"resources": [ignored]}) == []
