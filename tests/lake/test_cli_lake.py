"""``cloudscale lake init|seed`` end to end: outputs, dry run, idempotency and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from azure.identity import CredentialUnavailableError
from pulumi import automation

from cloudscale.cli.main import main
from cloudscale.lake import outputs as lake_outputs

from .conftest import StaticTokenCredential, stack_outputs, use_credential
from .test_seed import write_layout


def _outputs_file(tmp_path: Path, endpoint: Any, **zone_overrides: Any) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(stack_outputs(endpoint, **zone_overrides)))
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_dry_run_prints_every_folder_and_entry_and_calls_nothing(fake_dfs, tmp_path, capsys):
    outputs = _outputs_file(tmp_path, fake_dfs.endpoint)
    status, out, _ = _run(capsys, "lake", "init", "--stack", "dev", "--outputs", str(outputs), "--dry-run")
    assert status == 0
    assert fake_dfs.requests == []
    from cloudscale.lake.layout import plan_zone
    from cloudscale.lake.outputs import zone_outputs
    from cloudscale.stacks.config import parse_config
    from cloudscale.stacks.offline.stack_files import load_stack_config

    zone = parse_config(load_stack_config("dev")).zone("sales")
    plan = plan_zone("dev", zone, zone_outputs(stack_outputs(fake_dfs.endpoint), "sales", "x"))
    for folder in plan.folders:
        assert folder.location in out
        for grant in (*folder.recursive, *folder.traverse):
            assert str(grant.entry) in out
    assert "vnet-adatum-dev-sales" in out
    assert "Dry run: nothing was sent to Azure." in out


def test_dry_run_without_outputs_plans_the_dev_stack_offline(plan_reads_stack_runs, monkeypatch, capsys):
    monkeypatch.setattr(lake_outputs.shutil, "which", lambda _name: None)
    status, out, _ = _run(capsys, "lake", "init", "--stack", "dev", "--dry-run")
    assert status == 0
    # The dev stack's real account names, as the offline plan derives them.
    assert "stadatumdevsalesrawaad5/crm/account" in out
    assert "stadatumdevsaleswork941a/sales-analytics/curated" in out
    assert "from the offline plan" in out


def test_without_outputs_a_real_run_says_how_to_get_them(monkeypatch, capsys):
    monkeypatch.setattr(lake_outputs.shutil, "which", lambda _name: None)
    status, _, err = _run(capsys, "lake", "init", "--stack", "dev")
    assert status == 2
    assert "pulumi stack output --json > outputs.json" in err


def test_outputs_come_from_the_automation_api_when_the_cli_is_present(fake_dfs, monkeypatch, capsys, tmp_path):
    selected: list[dict[str, Any]] = []

    class FakeStack:
        def outputs(self) -> dict[str, automation.OutputValue]:
            values = stack_outputs(fake_dfs.endpoint)
            return {key: automation.OutputValue(value=value, secret=False) for key, value in values.items()}

    def select_stack(**kwargs: Any) -> FakeStack:
        selected.append(kwargs)
        return FakeStack()

    monkeypatch.setattr(lake_outputs.shutil, "which", lambda _name: "/usr/local/bin/pulumi")
    monkeypatch.setattr(automation, "select_stack", select_stack)
    status, out, _ = _run(capsys, "lake", "init", "--stack", "dev", "--dry-run")
    assert status == 0
    assert selected and selected[0]["stack_name"] == "dev"
    assert "stsalesraw/crm/account" in out
    assert "from the outputs of stack dev" in out


def test_init_twice_changes_nothing_the_second_time_and_says_so(fake_dfs, tmp_path, capsys):
    outputs = _outputs_file(tmp_path, fake_dfs.endpoint)
    journal = tmp_path / "journal.json"
    argv = ["lake", "init", "--stack", "dev", "--outputs", str(outputs), "--journal", str(journal)]
    status, out, _ = _run(capsys, *argv)
    assert status == 0
    assert "created   raw/crm/account" in out
    assert "Changed 59 of 59 folders" in out
    status, out, _ = _run(capsys, *argv)
    assert status == 0
    assert "Nothing to change: 59 folders and 173 ACL entries are as declared." in out
    assert "created" not in out


def test_partial_acl_failures_exit_1_and_list_the_paths(fake_dfs, tmp_path, capsys):
    from ..dataplane.fake_dfs import BASE_ACL, Node

    tree = fake_dfs.accounts["stsalesraw"]["erp"]
    tree["payments"] = Node(True, list(BASE_ACL))
    tree["payments/old.parquet"] = Node(False, list(BASE_ACL))
    fake_dfs.failing_paths = {"payments/old.parquet"}
    outputs = _outputs_file(tmp_path, fake_dfs.endpoint)
    status, _, err = _run(
        capsys, "lake", "init", "--stack", "dev", "--outputs", str(outputs), "--journal", str(tmp_path / "j.json")
    )
    assert status == 1
    assert "failed    payments/old.parquet: denied" in err
    assert "re-run `cloudscale lake init`" in err


class RaisingCredential:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def get_token(self, *_args: Any, **_kwargs: Any) -> Any:
        raise self.error


def _refused_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again on exit: nothing listens there


def _refused_endpoint(port: int) -> Any:
    return lambda name: f"https://127.0.0.1:{port}/{name}/"


ERRORS = [
    (
        "no-credential",
        lambda fake, mp, cert: use_credential(
            mp, cert, lambda: RaisingCredential(CredentialUnavailableError("DefaultAzureCredential failed"))
        ),
        None,
        "no Azure credential found: sign in with `az login`",
    ),
    (
        "wrong-credential",
        lambda fake, mp, cert: use_credential(mp, cert, lambda: StaticTokenCredential("expired-token")),
        None,
        "Azure rejected the credential for stsalesraw",
    ),
    (
        "account-does-not-exist",
        lambda fake, mp, cert: None,
        lambda fake: lambda name: f"https://{name}.dfs.core.windows.invalid/",
        "storage account stsalesraw does not exist (its name does not resolve)",
    ),
    (
        "no-route-to-private-endpoint",
        lambda fake, mp, cert: None,
        lambda fake: _refused_endpoint(_refused_port()),
        "cannot reach stsalesraw",
    ),
    (
        "network-refused",
        lambda fake, mp, cert: setattr(fake, "network_refused", True),
        None,
        "stsalesraw refused a request from this network",
    ),
    (
        "missing-role",
        lambda fake, mp, cert: setattr(fake, "role", "none"),
        None,
        "your identity lacks a data role on stsalesraw",
    ),
]


@pytest.mark.parametrize(("case", "setup", "endpoint", "fragment"), ERRORS, ids=[e[0] for e in ERRORS])
@pytest.mark.parametrize("command", ["init", "seed"])
def test_errors_are_one_line_with_exit_status_2(
    fake_dfs, lake_tls, monkeypatch, tmp_path, capsys, command, case, setup, endpoint, fragment
):
    setup(fake_dfs, monkeypatch, lake_tls[0])
    outputs = _outputs_file(tmp_path, (endpoint or (lambda fake: fake.endpoint))(fake_dfs))
    argv = ["lake", command, "--stack", "dev", "--outputs", str(outputs)]
    if command == "seed":
        write_layout(tmp_path / "sample")
        argv += ["--size", "small", "--from", str(tmp_path / "sample")]
    else:
        argv += ["--journal", str(tmp_path / "j.json")]
    status, _, err = _run(capsys, *argv)
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert fragment in lines[0]
    if case in ("no-route-to-private-endpoint", "network-refused"):
        assert "vnet-adatum-dev-sales" in lines[0]
    assert "Traceback" not in err


def test_seed_from_a_folder_uploads_then_resumes_to_nothing(fake_dfs, tmp_path, capsys):
    write_layout(tmp_path / "sample")
    outputs = _outputs_file(tmp_path, fake_dfs.endpoint)
    argv = ["lake", "seed", "--stack", "dev", "--size", "small", "--outputs", str(outputs)]
    status, out, _ = _run(capsys, *argv, "--from", str(tmp_path / "sample"))
    assert status == 0
    assert "Uploaded 6 files" in out
    assert "skipped   customer_service" in out
    status, out, _ = _run(capsys, *argv, "--from", str(tmp_path / "sample"))
    assert "Nothing to upload: all 6 files are already in raw (stsalesraw)." in out


def test_seed_uploads_the_generators_raw_layout(fake_dfs, tmp_path, capsys):
    outputs = _outputs_file(tmp_path, fake_dfs.endpoint)
    status, out, err = _run(capsys, "lake", "seed", "--stack", "dev", "--size", "small", "--outputs", str(outputs))
    assert status == 0, err
    uploaded = [p for c in ("crm", "erp") for p in fake_dfs.paths("stsalesraw", c) if p.endswith(".parquet")]
    assert any(p.startswith("account/") for p in uploaded)
    assert any(p.startswith("Sales.SalesOrderHeader/") for p in uploaded)
    assert "Uploaded" in out


def test_other_service_failures_are_one_line_and_say_a_rerun_continues(fake_dfs, tmp_path, capsys):
    write_layout(tmp_path / "sample")
    fake_dfs.fail("PATCH", "flush", 503, "ServerBusy")
    outputs = _outputs_file(tmp_path, fake_dfs.endpoint)
    argv = ["lake", "seed", "--stack", "dev", "--size", "small", "--outputs", str(outputs)]
    status, _, err = _run(capsys, *argv, "--from", str(tmp_path / "sample"), "--parallel", "1")
    assert status == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "re-run the command to continue where it stopped" in lines[0], err
    status, out, _ = _run(capsys, *argv, "--from", str(tmp_path / "sample"))
    assert status == 0 and "Uploaded 1 files" in out


def test_init_prune_revokes_and_says_what_it_revoked(fake_dfs, tmp_path, capsys):
    outputs = _outputs_file(tmp_path, fake_dfs.endpoint)
    argv = ["lake", "init", "--stack", "dev", "--outputs", str(outputs), "--journal", str(tmp_path / "j.json")]
    assert _run(capsys, *argv)[0] == 0
    former_team = "group:5e5e5e5e-0000-4000-8000-000000000001"
    root = fake_dfs.node("stsalesraw", "crm", "")
    root.acl = [*root.acl, f"{former_team}:r-x"]
    status, out, _ = _run(capsys, *argv)
    assert f"{former_team}:r-x is not in the config; left alone (--prune revokes it)" in out
    assert f"{former_team}:r-x" in fake_dfs.acl("stsalesraw", "crm", "")
    status, out, _ = _run(capsys, *argv, "--prune")
    assert status == 0
    assert f"revoked   raw/crm: {former_team} (and below; not in the config)" in out
    assert f"{former_team}:r-x" not in fake_dfs.acl("stsalesraw", "crm", "")


def test_seed_dry_run_lists_each_folder_and_calls_nothing(fake_dfs, tmp_path, capsys):
    write_layout(tmp_path / "sample")
    outputs = _outputs_file(tmp_path, fake_dfs.endpoint)
    argv = ["lake", "seed", "--stack", "dev", "--size", "small", "--outputs", str(outputs), "--dry-run"]
    status, out, _ = _run(capsys, *argv, "--from", str(tmp_path / "sample"))
    assert status == 0
    assert fake_dfs.requests == []
    assert "raw/crm/customers" in out
    assert "-> stsalesraw" in out
    assert "6 files" in out
    assert "skipped   customer_service" in out
    assert "Dry run: nothing was sent to Azure" in out


def test_seed_dry_run_without_outputs_plans_the_dev_stack_offline(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(lake_outputs.shutil, "which", lambda _name: None)
    write_layout(tmp_path / "sample")
    argv = ["lake", "seed", "--stack", "dev", "--size", "small", "--dry-run", "--from", str(tmp_path / "sample")]
    status, out, err = _run(capsys, *argv)
    assert status == 0, err
    assert "-> stadatumdevsalesrawaad5" in out
    assert "the offline plan" in out
