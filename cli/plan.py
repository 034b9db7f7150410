"""``cloudscale plan``: run a stack's program offline and show what it would deploy."""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from cloudscale.stacks.config import ConfigError, PlatformConfig, load_config, parse_config
from cloudscale.stacks.offline.changes import blocking, changes_json, compare, render_changes
from cloudscale.stacks.offline.engine import run_offline
from cloudscale.stacks.offline.report import build_plan, render_json, render_markdown, render_text
from cloudscale.stacks.offline.stack_files import PROJECT_ROOT, StackFileError, load_stack_config
from cloudscale.stacks.program import run_platform, wait_for_registrations
from cloudscale.stacks.zone_pipelines import zone_data_flows, zone_data_products


def _program() -> Any:
    """The program as ``pulumi up`` runs it, zone by zone; this engine answers at once, so it drains."""
    return run_platform(load_config(), settle=wait_for_registrations)


def _project_dir(explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit
    cwd = Path.cwd()
    return cwd if (cwd / "Pulumi.yaml").exists() else PROJECT_ROOT


def management_stack_outputs(config: PlatformConfig, project_dir: Path) -> dict[str, dict[str, Any]]:
    """A landing stack reads the management stack's outputs; offline, we get them by planning that stack."""
    if config.role != "landing" or not config.management_stack:
        return {}
    stack = config.management_stack.split("/")[-1]
    values = load_stack_config(stack, project_dir)
    try:
        parse_config(values)
    except ConfigError as error:
        raise StackFileError(
            f"managementStack {config.management_stack} is invalid: " + "; ".join(map(str, error.problems)),
            file=f"Pulumi.{stack}.yaml",
        ) from None
    management = run_offline(_program, config=values, preview=False, stack=stack)
    outputs: dict[str, dict[str, Any]] = {config.management_stack: management.exports}
    # The other zones' landing stacks are planned as not deployed yet: no mesh peering with them.
    for zone in config.landing_zones:
        if zone.name != config.landing_zone and zone.stack:
            outputs.setdefault(zone.stack, {})
    return outputs


def plan(args: argparse.Namespace) -> int:
    """Plan the stack from its project directory, as the Pulumi CLI runs a program there: relative
    paths in its config (``pipelineFolders``) mean the same in ``cloudscale plan`` and ``pulumi up``."""
    project_dir = _project_dir(args.project_dir).resolve()
    if args.report:
        args.report = str(Path(args.report).resolve())
    with contextlib.chdir(project_dir):
        return _plan(args, project_dir)


def _previous_plan(path: Path | None) -> dict[str, Any] | None:
    """The plan ``--against`` names: a ``cloudscale plan --json`` saved earlier."""
    if path is None:
        return None
    try:
        previous = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise StackFileError(f"cannot read a plan from it: {error}", file=str(path)) from None
    if not isinstance(previous, dict) or not isinstance(previous.get("resources"), list):
        raise StackFileError("$.resources: missing; save the previous plan with cloudscale plan --json", file=str(path))
    return previous


def _plan(args: argparse.Namespace, project_dir: Path) -> int:
    try:
        previous = _previous_plan(args.against)
        values = load_stack_config(args.stack, project_dir)
        if args.keep_aliases:
            values["cloudscale:keepProviderAliases"] = "true"
        config = parse_config(values)
        stack_outputs = management_stack_outputs(config, project_dir)
    except (ConfigError, StackFileError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    run = run_offline(
        _program,
        config=values,
        preview=args.preview,
        stack=args.stack,
        stack_outputs=stack_outputs,
    )
    result = build_plan(
        run,
        stack=args.stack,
        preview=args.preview,
        role=config.role,
        protects_state=config.protects_state,
        required_tags=config.tags,
    )
    result.flows = zone_data_flows(config)
    result.data_products = zone_data_products(config)
    result.seconds = time.perf_counter() - started
    result.peak_memory_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    changes = compare(previous, json.loads(render_json(result))) if previous is not None else None
    if args.json:
        document = json.loads(render_json(result))
        if changes is not None:
            document["changes"] = changes_json(changes, against=str(args.against))["changes"]
        print(json.dumps(document, indent=2, default=str))
    else:
        print(render_text(result, full=args.full))
        if changes is not None:
            print("\n" + render_changes(changes, against=str(args.against)))
    if args.report:
        report = Path(args.report)
        report.write_text(render_markdown(result))
        if not args.json:
            print(f"\nMarkdown report with a Mermaid diagram: {report}")
    if not args.json:
        print(f"Planned in {result.seconds:.1f} s, peak memory {result.peak_memory_mib:.0f} MiB")
    failing = any(f.severity == "high" for f in result.findings) or bool(changes and blocking(changes))
    return 1 if failing and args.strict else 0


def add_parser(commands: argparse._SubParsersAction) -> None:
    plan_parser = commands.add_parser(
        "plan", help="run a stack offline in Pulumi's mock engine and show what it would deploy"
    )
    plan_parser.add_argument("--stack", default="dev", help="stack name; reads Pulumi.<stack>.yaml (default: dev)")
    plan_parser.add_argument("--preview", action="store_true", help="leave computed outputs unknown, as in a preview")
    plan_parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    plan_parser.add_argument("--full", action="store_true", help="list every resource, not counts per component")
    plan_parser.add_argument(
        "--report", default="plan-report.md", help="Markdown report path, '' for none (default: plan-report.md)"
    )
    plan_parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a high-severity (security or ordering) finding exists"
    )
    plan_parser.add_argument(
        "--keep-aliases",
        action="store_true",
        help="plan with cloudscale:keepProviderAliases true: keep azure-native's API-version aliases",
    )
    plan_parser.add_argument("--project-dir", type=Path, default=None, help="directory holding Pulumi.yaml")
    plan_parser.add_argument(
        "--against",
        type=Path,
        default=None,
        metavar="PREVIOUS",
        help="a plan's --json saved earlier: list what an update from it would create, update, replace and "
        "delete, and which deletes a lock or protect refuses (with --strict, those and stateful replacements "
        "exit 1)",
    )
    plan_parser.set_defaults(handler=plan)
