"""Measure ``cloudscale flow run``: wall time, CPU (the Python process and its Spark JVM) and peak
memory of a whole run of the dev zone's master pipeline, each in a fresh process, against a floor
measured in the same run: a fresh process that starts the same local Spark session and writes and
reads back one small Delta table (what any notebook run costs before it does anything).

    .venv/bin/python benchmarks/flow.py              # first load, then a rerun of the same window
    .venv/bin/python benchmarks/flow.py --write      # also write the table to RESULTS.md ("Flow run")

Machines are noisy: compare the ratio to the floor within one run, never absolute numbers across machines.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("RESULTS.md")
FLOOR = """
import tempfile
from cloudscale.flow.spark import local_session
from cloudscale.dataproducts import lake
from cloudscale.dataproducts.contracts import catalog
spark = local_session("floor")
table = catalog.table("enriched/erp/payments")
roots = lake.Roots(enriched=tempfile.mkdtemp() + "/{container}")
df = spark.createDataFrame([], table.ddl())
lake.write_table(spark, df, roots, table, "floor")
lake.read_table(spark, roots, table).count()
"""


def _measured(command: list[str]) -> dict[str, Any]:
    """Run ``command`` in a fresh process; its wall time, CPU with its children, and the largest RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return {
        "wall": wall,
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "peak_mib": after.ru_maxrss / 1024,
        "stdout": done.stdout,
    }


def steps(report: dict[str, Any]) -> dict[str, float]:
    """Seconds per kind of top-level step of the master pipeline."""
    totals: dict[str, float] = {}
    for activity in report["run"]["activities"]:
        totals[activity["type"]] = totals.get(activity["type"], 0.0) + activity["seconds"]
    return totals


def main(argv: list[str]) -> int:
    write = "--write" in argv
    python = sys.executable
    out = Path(tempfile.mkdtemp(prefix="flow-bench-"))
    load = os.getloadavg()[0]
    floor = _measured([python, "-c", FLOOR])
    rows = []
    for label in ("first load", "rerun of the same window"):
        run = _measured(
            [python, "-m", "cloudscale.cli.main", "flow", "run", "--stack", "dev", "--out", str(out), "--json"]
        )
        report = json.loads(run["stdout"])
        rows.append((label, run, report))
    lines = [
        f"Measured on {os.cpu_count()} cores, load average {load:.1f} at the start; one run each.",
        "",
        "| run | status | wall | CPU (Python + JVM) | peak memory | x floor (wall) | notebooks | copies | serving |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| floor: Spark start, one Delta write and read | | {floor['wall']:.1f} s | {floor['cpu']:.1f} s "
        f"| {floor['peak_mib']:,.0f} MiB | 1.00x | | | |",
    ]
    for label, run, report in rows:
        by_kind = steps(report)
        notebooks = by_kind.get("SynapseNotebook", 0.0)
        copies = by_kind.get("ExecutePipeline", 0.0)
        serving = by_kind.get("Script", 0.0)
        lines.append(
            f"| {label} | {report['status']} | {run['wall']:.1f} s | {run['cpu']:.1f} s | {run['peak_mib']:,.0f} MiB "
            f"| {run['wall'] / floor['wall']:.2f}x | {notebooks:.1f} s | {copies:.1f} s | {serving:.1f} s |"
        )
    print("\n".join(lines))
    if write:
        text = RESULTS.read_text(encoding="utf-8")
        section = "## Flow run\n\n`benchmarks/flow.py`: `cloudscale flow run --stack dev` (small sample data).\n\n"
        section += "\n".join(lines) + "\n"
        marker = "## Flow run\n"
        if marker in text:
            head, _, rest = text.partition(marker)
            tail = rest[rest.find("\n## ") + 1 :] if "\n## " in rest else ""
            text = head + section + ("\n" + tail if tail else "")
        else:
            text = text.rstrip("\n") + "\n\n" + section
        RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
