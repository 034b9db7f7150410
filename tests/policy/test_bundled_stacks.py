"""The rules over every recorded resource of each bundled stack, in update mode: no violations, and the
accepted exceptions are the declared ones, each shown by the plan with its reason."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from cloudscale.cli.plan import _program
from cloudscale.stacks.config import parse_config
from cloudscale.stacks.offline.engine import OfflineRun
from cloudscale.stacks.offline.findings import Finding, run_findings, subjects
from cloudscale.stacks.offline.report import build_plan, render_text
from cloudscale.stacks.offline.stack_files import PROJECT_ROOT, load_stack_config

from ..stack_runs import SessionShelf, StackRuns

STACKS = sorted(path.name.split(".")[1] for path in PROJECT_ROOT.glob("Pulumi.*.yaml"))


@dataclass(frozen=True)
class Planned:
    stack: str
    run: OfflineRun
    findings: list[Finding]
    text: str


@pytest.fixture(scope="module", params=STACKS)
def planned(request: pytest.FixtureRequest, stack_runs: StackRuns) -> Iterator[Planned]:
    stack = request.param
    config = parse_config(load_stack_config(stack))
    # The plan's own run, shared with the other tests that read it (``cloudscale plan``, wire schema).
    run = stack_runs.planned(stack)
    found = run_findings(run, protects_state=config.protects_state, required_tags=config.tags)
    plan = build_plan(
        run,
        stack=stack,
        preview=False,
        role=config.role,
        protects_state=config.protects_state,
        required_tags=config.tags,
    )
    yield Planned(stack, run, found, render_text(plan))


def test_the_bundled_stacks_are_the_ones_the_rules_run_over():
    assert {"dev", "mgmt", "sales", "byohub"} <= set(STACKS)


def test_every_bundled_stack_has_zero_violations(planned):
    assert [f for f in planned.findings if f.severity != "accepted"] == [], planned.stack
    assert "Policy violations: 0 (0 high, 0 medium)" in planned.text


def test_the_plan_lists_every_accepted_exception_with_its_reason(planned):
    accepted = [f for f in planned.findings if f.severity == "accepted"]
    assert f"Accepted exceptions: {len(accepted)}" in planned.text
    for finding in accepted:
        assert finding.detail
        assert f"[accepted] {finding.rule}: {finding.resource}: {finding.detail}" in planned.text


def test_the_rules_see_every_deployed_resource_with_its_urn(planned):
    seen = subjects(planned.run)
    deployed = [r for r in planned.run.resources if r.custom and not r.typ.startswith("pulumi:")]
    assert len(seen) == len(deployed)
    assert all(s.urn and s.resource_id for s in seen)


# What running a program teaches the registry beyond the components' declarations (``_secure()``).
_DECLARED = """
import json
from cloudscale.policy import declared
registry = declared()
print(json.dumps({t: [f.diagnosable, f.stateful, sorted(f.private_link_groups)]
                  for t in registry.tokens() if (f := registry.get(t))}))
"""


def _declared_in_a_fresh_interpreter() -> dict[str, list]:
    result = subprocess.run([sys.executable, "-c", _DECLARED], capture_output=True, text=True, check=True, timeout=300)
    return json.loads(result.stdout)


@pytest.fixture(scope="session")
def static(session_shelf: SessionShelf) -> dict[str, list]:
    """The facts as the pack has them: the component library imported in a fresh interpreter (once
    per session, whichever worker asks first)."""
    return session_shelf.get("declared facts in a fresh interpreter", _declared_in_a_fresh_interpreter)


def test_the_pack_knows_without_running_a_program_what_secure_teaches_the_plan(planned, static, stack_runs):
    # The pack runs no program: every fact _secure() adds in a run must already be declared at import.
    # The registry as the run left it, in whichever worker made the run.
    learned = stack_runs.taught(planned.run)
    assert learned and {t: v for t, v in learned.items() if static.get(t) != v} == {}


def test_dev_has_zero_violations_in_preview_too(stack_runs):
    # Preview: no ARM ids, so endpoints and diagnostic settings are matched to their targets by dependency.
    values = load_stack_config("dev")
    config = parse_config(values)
    run = stack_runs.run(values, "preview", program=_program)
    found = run_findings(run, protects_state=config.protects_state, required_tags=config.tags)
    assert [f for f in found if f.severity != "accepted"] == []
    accepted = [f for f in found if f.severity == "accepted"]
    assert accepted and all(f.detail for f in accepted)
    assert ("shared-key", "sales-retention-storage") in {(f.rule, f.resource) for f in accepted}
