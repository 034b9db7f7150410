"""``lake init``'s apply step, with the real azure-storage-file-datalake client against the DFS fake."""

from __future__ import annotations

from pathlib import Path

import pytest
from azure.core.exceptions import HttpResponseError

from cloudscale.lake.apply import Journal, apply_plan, failures, parse_acl
from cloudscale.lake.connection import connections
from cloudscale.lake.errors import LakeError
from cloudscale.lake.layout import LakePlan, plan_zone
from cloudscale.lake.outputs import zone_outputs

from ..dataplane.fake_dfs import FakeDfs
from .conftest import ACCOUNTS, FACTORY_ID, SYNAPSE_ID, stack_outputs

RAW = ACCOUNTS["raw"]
CRM_WRITERS = "3f2a1b4c-0d5e-4f60-8a71-92b3c4d5e6f7"


def _plan(fake: FakeDfs, dev_platform) -> LakePlan:
    outputs = zone_outputs(stack_outputs(fake.endpoint), "sales", "test")
    return plan_zone("dev", dev_platform.zone("sales"), outputs)


def _apply(plan: LakePlan, journal: Journal, **kwargs):
    with connections() as reach:
        return apply_plan(plan, reach, journal, **kwargs)


def test_first_run_creates_every_folder_with_its_entries(fake_dfs, dev_platform, tmp_path):
    plan = _plan(fake_dfs, dev_platform)
    outcomes = _apply(plan, Journal(tmp_path / "journal.json"))
    # Every folder changes: the pipelines, or a team, are granted on each (m365 is conformed in the zone
    # like the others now).
    assert all(o.changed for o in outcomes if o.folder.recursive or o.folder.traverse)
    assert [o.folder.logical for o in outcomes if not o.changed] == []
    assert "account" in fake_dfs.paths(RAW, "crm")
    assert fake_dfs.paths(ACCOUNTS["enriched"], "data") == ["customer_service", "customer_service/interactions"]
    account = parse_acl(",".join(fake_dfs.acl(RAW, "crm", "account")))
    assert account[(False, "user", FACTORY_ID)] == "rwx"
    assert account[(True, "user", FACTORY_ID)] == "rwx"
    assert account[(False, "user", SYNAPSE_ID)] == "r-x"
    root = parse_acl(",".join(fake_dfs.acl(RAW, "crm", "")))
    assert root[(False, "user", FACTORY_ID)] == "--x"
    assert (True, "user", FACTORY_ID) not in root  # execute on the parent only, not inherited
    assert root[(False, "group", CRM_WRITERS)] == "rwx"
    # The recursive grant went through the SDK's recursive update, not a walk of set-ACL calls.
    operations = {r.operation for r in fake_dfs.writes()}
    assert "setAccessControlRecursive" in operations


def test_second_run_changes_nothing_and_only_reads(fake_dfs, dev_platform, tmp_path):
    plan = _plan(fake_dfs, dev_platform)
    journal = Journal(tmp_path / "journal.json")
    _apply(plan, journal)
    before = len(fake_dfs.requests)
    outcomes = _apply(plan, journal)
    assert not any(o.changed for o in outcomes)
    second = fake_dfs.requests[before:]
    # Folder creation is conditional (If-None-Match: *) and answers 409 for existing folders.
    assert {r.operation for r in second if r.writes} <= {"directory"}
    assert not any(r.operation.startswith("setAccessControl") for r in second)


def test_existing_files_get_the_grants_through_recursive_batches(fake_dfs, dev_platform, tmp_path):
    # Seeded before init: the recursive update must reach these files, five paths per batch.
    tree = fake_dfs.accounts[RAW]["crm"]
    from ..dataplane.fake_dfs import BASE_ACL, Node

    tree["account"] = Node(True, list(BASE_ACL))
    for index in range(7):
        tree[f"account/part-{index:05d}.parquet"] = Node(False, list(BASE_ACL))
    batches: list[int] = []
    outcomes = _apply(
        _plan(fake_dfs, dev_platform),
        Journal(tmp_path / "journal.json"),
        batch_size=5,
        on_batch=lambda location, outcome: batches.append(outcome.batches),
    )
    account = next(o for o in outcomes if o.folder.logical == "raw/crm/account")
    assert account.recursive is not None
    assert (account.recursive.directories, account.recursive.files) == (1, 7)
    assert account.recursive.batches == 2
    assert account.recursive.failures == 0
    continued = [
        r for r in fake_dfs.requests if r.operation == "setAccessControlRecursive" and "continuation" in r.query
    ]
    assert continued
    file_acl = parse_acl(",".join(fake_dfs.acl(RAW, "crm", "account/part-00006.parquet")))
    assert file_acl[(False, "user", FACTORY_ID)] == "rwx"
    assert (True, "user", FACTORY_ID) not in file_acl  # files have no default ACL


def test_failed_paths_are_counted_reported_and_retried_by_the_next_run(fake_dfs, dev_platform, tmp_path):
    from ..dataplane.fake_dfs import BASE_ACL, Node

    tree = fake_dfs.accounts[RAW]["crm"]
    tree["account"] = Node(True, list(BASE_ACL))
    tree["account/locked.parquet"] = Node(False, list(BASE_ACL))
    fake_dfs.failing_paths = {"account/locked.parquet"}
    journal = Journal(tmp_path / "journal.json")
    plan = _plan(fake_dfs, dev_platform)
    outcomes = _apply(plan, journal)
    # Both the team grant on raw/crm and the pipelines' grant on raw/crm/account reach the file.
    assert failures(outcomes) == [("account/locked.parquet", "denied")] * 2
    account = next(o for o in outcomes if o.folder.logical == "raw/crm/account")
    assert account.recursive is not None and account.recursive.failures == 1
    assert set(Journal(tmp_path / "journal.json").pending) == {f"{RAW}/crm", f"{RAW}/crm/account"}

    fake_dfs.failing_paths = set()
    again = _apply(plan, Journal(tmp_path / "journal.json"))
    retried = [o for o in again if o.recursive is not None]
    assert [o.folder.logical for o in retried] == ["raw/crm", "raw/crm/account"]
    assert parse_acl(",".join(fake_dfs.acl(RAW, "crm", "account/locked.parquet")))[(False, "user", FACTORY_ID)] == "rwx"
    assert not (tmp_path / "journal.json").exists()


def test_a_recursive_update_stopped_midway_resumes_from_its_continuation(fake_dfs, dev_platform, tmp_path):
    from ..dataplane.fake_dfs import BASE_ACL, Node

    tree = fake_dfs.accounts[RAW]["crm"]
    tree["account"] = Node(True, list(BASE_ACL))
    for index in range(9):
        tree[f"account/part-{index:05d}.parquet"] = Node(False, list(BASE_ACL))
    plan = _plan(fake_dfs, dev_platform)
    journal_file = tmp_path / "journal.json"
    # The update of raw/crm/account (10 paths, 4 per batch) fails in its second batch.
    original = fake_dfs._set_recursive
    calls = {"n": 0}

    def flaky(tree, path, *args, **kwargs):
        calls["n"] += path == "account"
        if path == "account" and calls["n"] == 2:
            from ..dataplane.fake_dfs import _error

            return _error(500, "InternalError", "injected")
        return original(tree, path, *args, **kwargs)

    fake_dfs._set_recursive = flaky
    with pytest.raises(HttpResponseError):
        _apply(plan, Journal(journal_file), batch_size=4)
    pending = Journal(journal_file).pending
    location = f"{RAW}/crm/account"
    assert pending[location]["continuation"] is not None
    untouched = parse_acl(",".join(fake_dfs.acl(RAW, "crm", "account/part-00008.parquet")))
    assert (False, "user", FACTORY_ID) not in untouched

    fake_dfs._set_recursive = original
    first_of_rerun = len(fake_dfs.requests)
    outcomes = _apply(plan, Journal(journal_file), batch_size=4)
    account = next(o for o in outcomes if o.folder.logical == "raw/crm/account")
    assert account.recursive is not None and account.recursive.resumed
    resumed_first = next(
        r
        for r in fake_dfs.requests[first_of_rerun:]
        if r.operation == "setAccessControlRecursive" and r.path == "account"
    )
    assert resumed_first.query.get("continuation") == pending[location]["continuation"]
    done = parse_acl(",".join(fake_dfs.acl(RAW, "crm", "account/part-00008.parquet")))
    assert done[(False, "user", FACTORY_ID)] == "rwx"
    assert not journal_file.exists()
    assert not any(o.changed for o in _apply(plan, Journal(journal_file)))


def test_a_run_that_fails_part_way_is_completed_by_the_next(fake_dfs, dev_platform, tmp_path):
    plan = _plan(fake_dfs, dev_platform)
    fake_dfs.fail("PUT", "directory", 500, "InternalError", after=5)  # the sixth folder creation fails
    with pytest.raises(HttpResponseError):
        _apply(plan, Journal(tmp_path / "journal.json"))

    def folders() -> int:
        return sum(len(fake_dfs.paths(a, fs)) for a, filesystems in fake_dfs.accounts.items() for fs in filesystems)

    created_before = folders()
    assert created_before == 5
    outcomes = _apply(plan, Journal(tmp_path / "journal.json"))
    assert folders() == len([f for f in plan.folders if f.path]) > created_before
    assert any(o.changed for o in outcomes)
    assert not any(o.changed for o in _apply(plan, Journal(tmp_path / "journal.json")))


def test_a_changed_team_permission_is_applied_not_skipped(fake_dfs, dev_platform, tmp_path):
    plan = _plan(fake_dfs, dev_platform)
    _apply(plan, Journal(tmp_path / "journal.json"))
    root = fake_dfs.node(RAW, "crm", "")
    root.acl = [e.replace(f"group:{CRM_WRITERS}:rwx", f"group:{CRM_WRITERS}:r-x") for e in root.acl]
    outcomes = _apply(plan, Journal(tmp_path / "journal.json"))
    changed = [o.folder.logical for o in outcomes if o.changed]
    assert changed == ["raw/crm"]
    assert parse_acl(",".join(fake_dfs.acl(RAW, "crm", "")))[(False, "group", CRM_WRITERS)] == "rwx"


@pytest.mark.parametrize(
    ("setup", "fragment"),
    [
        (
            lambda fake: setattr(fake, "role", "none"),
            "lacks a data role on stsalesraw: this command needs Storage Blob Data Owner",
        ),
        (lambda fake: setattr(fake, "role", "contributor"), "needs Storage Blob Data Owner"),
        (lambda fake: setattr(fake, "network_refused", True), "is private (public network access disabled"),
        (lambda fake: fake.accounts[RAW].pop("crm"), "a container the layout needs is missing in stsalesraw"),
    ],
    ids=["no-role", "contributor-cannot-set-acls", "network-refused", "container-missing"],
)
def test_service_refusals_become_actionable_errors(fake_dfs, dev_platform, tmp_path, setup, fragment):
    setup(fake_dfs)
    with pytest.raises(LakeError) as raised:
        _apply(_plan(fake_dfs, dev_platform), Journal(tmp_path / "journal.json"))
    assert fragment in str(raised.value)
    assert "\n" not in str(raised.value)


def test_journal_keeps_only_unfinished_updates(tmp_path: Path):
    journal = Journal(tmp_path / "j.json")
    journal.begin("acct/fs/dir", "user:x:rwx", "token-1")
    assert Journal(tmp_path / "j.json").resume_token("acct/fs/dir", "user:x:rwx") == (True, "token-1")
    # A changed plan restarts the folder from the beginning.
    assert Journal(tmp_path / "j.json").resume_token("acct/fs/dir", "user:y:rwx") == (True, None)
    journal.finish("acct/fs/dir")
    assert not (tmp_path / "j.json").exists()


def test_entries_the_config_does_not_declare_are_reported_not_removed(fake_dfs, dev_platform, tmp_path):
    plan = _plan(fake_dfs, dev_platform)
    first = _apply(plan, Journal(tmp_path / "journal.json"))
    # Entries inherited from a folder above (the team's default entries) are declared, not drift.
    assert [o.undeclared for o in first if o.undeclared] == []
    former_team = "group:5e5e5e5e-0000-4000-8000-000000000001:r-x"
    root = fake_dfs.node(RAW, "crm", "")
    root.acl = [*root.acl, former_team]
    again = _apply(plan, Journal(tmp_path / "journal.json"))
    crm = next(o for o in again if o.folder.logical == "raw/crm")
    assert crm.undeclared == [former_team]
    assert not crm.changed
    assert former_team in fake_dfs.acl(RAW, "crm", "")


def test_prune_revokes_a_removed_team_from_the_folder_and_everything_below(fake_dfs, dev_platform, tmp_path):
    plan = _plan(fake_dfs, dev_platform)
    _apply(plan, Journal(tmp_path / "journal.json"))
    former_team = "5e5e5e5e-0000-4000-8000-000000000001"
    # The team was granted on crm once; its default entry reached a folder and a file created since.
    tree = fake_dfs.accounts[RAW]["crm"]
    root = tree[""]
    root.acl = [*root.acl, f"group:{former_team}:r-x", f"default:group:{former_team}:r-x"]
    from ..dataplane.fake_dfs import BASE_ACL, Node

    tree["account/2026"] = Node(True, [*BASE_ACL, f"group:{former_team}:r-x"])
    tree["account/2026/part-0.parquet"] = Node(False, [*BASE_ACL, f"group:{former_team}:r-x"])
    outcomes = _apply(plan, Journal(tmp_path / "journal.json"), prune=True)
    crm = next(o for o in outcomes if o.folder.logical == "raw/crm")
    assert sorted(crm.pruned) == [f"default:group:{former_team}", f"group:{former_team}"]
    for path in ("", "account/2026", "account/2026/part-0.parquet"):
        assert not any(former_team in entry for entry in fake_dfs.acl(RAW, "crm", path)), path
    # What the config declares is untouched, and the next run finds nothing to prune.
    assert (False, "group", CRM_WRITERS) in parse_acl(",".join(fake_dfs.acl(RAW, "crm", "")))
    again = _apply(plan, Journal(tmp_path / "journal.json"), prune=True)
    assert not any(o.changed for o in again)


def test_prune_keeps_a_principal_that_a_folder_below_still_declares(fake_dfs, dev_platform, tmp_path):
    plan = _plan(fake_dfs, dev_platform)
    _apply(plan, Journal(tmp_path / "journal.json"))
    # The factory passes through crm (execute only) to write account; a stray default entry for it
    # on crm goes, its grants on account stay.
    root = fake_dfs.node(RAW, "crm", "")
    root.acl = [*root.acl, f"default:user:{FACTORY_ID}:r-x"]
    outcomes = _apply(plan, Journal(tmp_path / "journal.json"), prune=True)
    crm = next(o for o in outcomes if o.folder.logical == "raw/crm")
    assert crm.pruned == []
    assert crm.pruned_here_only == [f"default:user:{FACTORY_ID}"]
    assert (True, "user", FACTORY_ID) not in parse_acl(",".join(fake_dfs.acl(RAW, "crm", "")))
    assert parse_acl(",".join(fake_dfs.acl(RAW, "crm", "")))[(False, "user", FACTORY_ID)] == "--x"
    account = parse_acl(",".join(fake_dfs.acl(RAW, "crm", "account")))
    assert account[(True, "user", FACTORY_ID)] == "rwx"
