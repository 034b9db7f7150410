"""The run report: each step with its outcome, rows, bytes and seconds; the lineage drawn from what ran;
the serving views with their rows. Markdown for people, JSON for machines."""

from __future__ import annotations

import json
from typing import Any

from cloudscale.flow.engine import CONTAINERS, ActivityRun, PipelineRun, all_runs
from cloudscale.flow.run import FlowResult


def _number(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def _size(value: int | None) -> str:
    if value is None:
        return ""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value = value / 1024  # type: ignore[assignment]
    return ""


def tree(runs: list[Any], depth: int = 0) -> list[tuple[int, ActivityRun]]:
    """Every activity run with its depth, each before the runs inside it (a child pipeline's activities)."""
    found: list[tuple[int, ActivityRun]] = []
    for run in runs:
        if isinstance(run, PipelineRun):
            found += tree(run.activities, depth)
            continue
        found.append((depth, run))
        found += tree(run.children, depth + 1)
    return found


def lineage(result: FlowResult) -> list[tuple[str, str, str]]:
    """(read, written, step) for every step that ran and moved data."""
    edges: set[tuple[str, str, str]] = set()
    for run in all_runs(result.run.activities):
        if run.status != "Succeeded" or run.type in CONTAINERS:
            continue
        for read in run.reads or ["(none)"]:
            for write in run.writes:
                if read != "(none)":
                    edges.add((read, write, run.name))
    return sorted(edges)


def _node(name: str) -> str:
    return "n" + "".join(c if c.isalnum() else "_" for c in name)


def render_markdown(result: FlowResult) -> str:
    start, end = result.window.text()
    lines = [
        f"# Flow run: {result.stack} / {result.zone}",
        "",
        f"- Window: {start} to {end}",
        f"- Sample data: {result.size}",
        f"- Master pipeline: **{result.run.status}** in {result.seconds:.1f} s (run id {result.run.run_id})",
    ]
    for error in result.run.errors:
        lines.append(f"- Error: {error.get('errorCode')}: {error.get('message')}")
    lines += [
        "",
        "## Steps",
        "",
        "| step | type | status | rows in | rows out | written | seconds |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for depth, run in tree(result.run.activities):
        indent = "&nbsp;&nbsp;" * depth
        lines.append(
            f"| {indent}{run.name} | {run.type} | {run.status} | {_number(run.rows_in)} | {_number(run.rows_out)} "
            f"| {_size(run.bytes_written)} | {run.seconds:.1f} |"
        )
    lines += ["", "## Lineage", "", "```mermaid", "flowchart LR"]
    nodes: dict[str, str] = {}
    for read, write, step in lineage(result):
        for name in (read, write):
            nodes.setdefault(name, _node(name))
        lines.append(f'  {nodes[read]}["{read}"] -->|{step}| {nodes[write]}["{write}"]')
    lines += ["```", "", "## Serving views", "", "| view | rows |", "|---|---:|"]
    lines += [f"| {view} | {rows:,} |" for view, rows in sorted(result.views.items())]
    return "\n".join(lines) + "\n"


def as_json(result: FlowResult) -> dict[str, Any]:
    start, end = result.window.text()
    return {
        "stack": result.stack,
        "zone": result.zone,
        "window": {"start": start, "end": end},
        "size": result.size,
        "status": result.run.status,
        "seconds": round(result.seconds, 3),
        "run": result.run.as_dict(),
        "lineage": [{"from": r, "to": w, "step": s} for r, w, s in lineage(result)],
        "views": result.views,
    }


def render_json(result: FlowResult) -> str:
    return json.dumps(as_json(result), indent=2, default=str) + "\n"


def step_line(run: ActivityRun, depth: int) -> str:
    parts = [f"{'  ' * depth}{run.status:<9} {run.name} ({run.type})"]
    if run.rows_out is not None:
        parts.append(f"{run.rows_out:,} rows")
    if run.bytes_written:
        parts.append(_size(run.bytes_written))
    parts.append(f"{run.seconds:.1f} s")
    if run.error and run.status == "Failed":
        parts.append(f"error: {run.error.get('message')}")
    return " · ".join(parts)
