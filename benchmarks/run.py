"""Measure what the program costs: wall time and peak memory per scenario, each in a fresh process,
against the floor measured in the same run.

    .venv/bin/python benchmarks/run.py                       # every scenario but zones-50
    .venv/bin/python benchmarks/run.py dev-up zones-50       # chosen scenarios
    .venv/bin/python benchmarks/run.py --write after dev-up  # also write the table to RESULTS.md
    .venv/bin/python benchmarks/run.py --memory dev-up       # where the bytes go, by file

Each scenario runs the program as ``pulumi up`` runs it (``build_platform`` under the mock engine,
with whatever alias policy the program applies). Its floor is a bare engine in a fresh process that
imports the same azure-native modules and registers the same number of plain resources of the same
types with the same inputs: no components, no aliases, no dependencies, none of our code between the
program and the engine. The ratio to the floor is what the platform's own code costs. Machines are
noisy: compare ratios within one run, never absolute numbers across machines.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("RESULTS.md")
PEERING = "azure-native:network:VirtualNetworkPeering"
SCENARIOS = {
    "empty": "empty program: imports, config validation and the mock engine",
    "dev-up": "dev stack (management zone + sales), as pulumi up runs it",
    "dev-preview": "dev stack, preview mode",
    "landing": "sales landing stack (role landing), reading the management stack's outputs",
    "zones-1": "management zone and 1 landing zone, role all",
    "zones-5": "management zone and 5 landing zones, full mesh",
    "zones-15": "management zone and 15 landing zones, full mesh",
    "zones-50": "management zone and 50 landing zones, full mesh",
}
DEFAULT = [name for name in SCENARIOS if name != "zones-50"]


def many_zones_config(count: int) -> dict[str, str]:
    """The dev stack with ``count`` copies of its landing zone, each in its own /16."""
    from cloudscale.stacks.offline.stack_files import load_stack_config

    values = load_stack_config("dev")
    template = json.loads(values["cloudscale:landingZones"])[0]
    zones = []
    for index in range(count):
        zone = copy.deepcopy(template)
        zone["name"] = f"zone{index + 1}"
        zone["addressSpace"] = f"10.{index + 1}.0.0/16"
        zones.append(zone)
    values["cloudscale:landingZones"] = json.dumps(zones)
    return values


def scenario_config(name: str, work: Path) -> tuple[dict[str, str], str, dict[str, Any]]:
    """Config, stack name and mocked stack outputs of a scenario."""
    from cloudscale.stacks.offline.stack_files import load_stack_config

    if name.startswith("zones-"):
        return many_zones_config(int(name.split("-")[1])), "dev", {}
    if name == "landing":
        return load_stack_config("sales"), "sales", json.loads((work / "landing-outputs.json").read_text())
    return load_stack_config("dev"), "dev", {}


def _plain(resources: list[Any]) -> list[Any]:
    return [r for r in resources if r.custom and r.typ.startswith("azure-native:")]


def _program(steps: list[int]) -> Any:
    """What __main__.py runs, with the settle step of the engine it runs under; ``steps`` receives the
    number of plain resources registered at each settle, so the floor can settle at the same points."""
    from pulumi.runtime import settings

    from cloudscale.stacks import load_config, run_platform
    from cloudscale.stacks.program import wait_for_registrations

    async def settle() -> None:
        await wait_for_registrations()
        steps.append(len(_plain(settings.get_monitor().mocks.resources)))

    return run_platform(load_config(), settle=settle)


def _run_offline(program: Any, **kwargs: Any) -> Any:
    from cloudscale.stacks.offline.engine import run_offline

    # Before the program applied its own alias policy the engine dropped every alias of every
    # azure-native resource; as pulumi up runs it, the program had none.
    if "strip_aliases" in inspect.signature(run_offline).parameters:
        kwargs["strip_aliases"] = False
    return run_offline(program, **kwargs)


def run_scenario(name: str, work: Path) -> dict[str, Any]:
    if name == "empty":
        from cloudscale.stacks import load_config

        config, stack, outputs = scenario_config("dev", work)
        started, cpu = time.perf_counter(), time.process_time()
        _run_offline(lambda: load_config() and None, config=config)
        return {"seconds": time.perf_counter() - started, "program_cpu": time.process_time() - cpu, "resources": 0}
    config, stack, outputs = scenario_config(name, work)
    steps: list[int] = []
    started, cpu = time.perf_counter(), time.process_time()
    run = _run_offline(
        lambda: _program(steps), config=config, preview=name == "dev-preview", stack=stack, stack_outputs=outputs
    )
    seconds, program_cpu = time.perf_counter() - started, time.process_time() - cpu
    plain = [(r.typ, r.name, r.inputs) for r in _plain(run.resources)]
    with (work / f"{name}.pickle").open("wb") as out:
        pickle.dump((plain, steps), out)
    return {
        "seconds": seconds,
        "program_cpu": program_cpu,
        # Writing the floor's input is the benchmark's work, not the program's.
        "overhead": time.perf_counter() - started - seconds,
        "resources": len(run.resources),
        "peerings": sum(1 for r in run.resources if r.typ == PEERING),
    }


def run_floor(name: str, work: Path) -> dict[str, Any]:
    """The same azure-native modules imported, the same plain resources registered, nothing else."""
    import pulumi

    from cloudscale.stacks.program import wait_for_registrations

    loading = time.perf_counter()
    with (work / f"{name}.pickle").open("rb") as source:
        plain, steps = pickle.load(source)
    overhead = time.perf_counter() - loading
    for module in sorted({typ.split(":")[1] for typ, _, _ in plain}):
        importlib.import_module(f"pulumi_azure_native.{module}")

    async def program() -> None:
        # Settled where the program settled (after each zone), so the floor holds no more pending
        # registrations at a time than the program does.
        start = 0
        for end in [*steps, len(plain)]:
            for index in range(start, end):
                typ, resource_name, inputs = plain[index]
                pulumi.CustomResource(typ, f"{resource_name}-{index}", dict(inputs))
            await wait_for_registrations()
            start = end

    started, cpu = time.perf_counter(), time.process_time()
    _run_offline(program, config={}, preview=name == "dev-preview")
    return {
        "seconds": time.perf_counter() - started,
        "program_cpu": time.process_time() - cpu,
        "resources": len(plain),
        "overhead": overhead,
    }


def prepare_landing(work: Path) -> None:
    """The management stack's outputs, as `cloudscale plan --stack sales` computes them."""
    from cloudscale.cli.plan import management_stack_outputs
    from cloudscale.stacks import parse_config
    from cloudscale.stacks.offline.stack_files import PROJECT_ROOT, load_stack_config

    outputs = management_stack_outputs(parse_config(load_stack_config("sales")), PROJECT_ROOT)
    (work / "landing-outputs.json").write_text(json.dumps(outputs))


def memory_by_file(name: str, work: Path) -> None:
    """Bytes live after the run, grouped by the file that allocated them, per resource."""
    import tracemalloc

    tracemalloc.start()
    config, stack, outputs = scenario_config(name, work)
    before = tracemalloc.take_snapshot()
    run = _run_offline(
        lambda: _program([]), config=config, preview=name == "dev-preview", stack=stack, stack_outputs=outputs
    )
    after = tracemalloc.take_snapshot()
    count = len(run.resources)
    stats = after.compare_to(before, "filename")
    total = sum(stat.size_diff for stat in stats)
    print(f"{name}: {count} resources, {total / count / 1024:.1f} KiB per resource live after the run")
    for stat in stats[:15]:
        path = stat.traceback[0].filename
        short = path.split("site-packages/")[-1] if "site-packages" in path else path.split("aliasperf/")[-1]
        print(f"  {stat.size_diff / count / 1024:8.1f} KiB  {short}")


def measure(role: str, name: str, work: Path) -> dict[str, Any]:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, __file__, role, name, str(work)], check=True, capture_output=True, text=True
    )
    inner = json.loads(completed.stdout.strip().splitlines()[-1])
    wall = time.perf_counter() - started - inner.get("overhead", 0.0)
    return {"scenario": name, "wall": wall, **inner}


def table(rows: list[dict[str, Any]]) -> list[str]:
    empty = next(row for row in rows if row["scenario"] == "empty")
    lines = [
        "| scenario | resources | peerings | CPU s | floor CPU s | x floor | wall s | floor wall s | peak MiB "
        "| floor peak MiB | x floor peak | ms per resource | KiB per resource |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        floor = row.get("floor")
        count = row["resources"]
        if not floor:
            lines.append(
                f"| {row['scenario']} | {count} | - | {row['cpu']:.1f} | - | - | {row['wall']:.1f} | - "
                f"| {row['peak_mib']:.0f} | - | - | - | - |"
            )
            continue
        per_ms = row["program_cpu"] * 1000 / count
        per_kib = (row["peak_mib"] - empty["peak_mib"]) * 1024 / count
        lines.append(
            f"| {row['scenario']} | {count} | {row['peerings']} | {row['cpu']:.1f} | {floor['cpu']:.1f} "
            f"| {row['cpu'] / floor['cpu']:.2f} | {row['wall']:.1f} | {floor['wall']:.1f} | {row['peak_mib']:.0f} "
            f"| {floor['peak_mib']:.0f} | {row['peak_mib'] / floor['peak_mib']:.2f} | {per_ms:.1f} | {per_kib:.0f} |"
        )
    return lines


def write_section(section: str, lines: list[str]) -> None:
    """Replace ``## <section>`` of RESULTS.md, keeping the other sections."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    heading = f"## {section}"
    parts = text.split("\n## ")
    kept = [parts[0].rstrip("\n")] + [f"## {p.rstrip()}" for p in parts[1:] if not p.startswith(section)]
    kept.append("\n".join([heading, "", *lines]))
    RESULTS.write_text("\n\n".join(kept) + "\n")


def child(role: str, name: str, work: Path) -> int:
    if role == "--child-memory":
        memory_by_file(name, work)
        return 0
    if role == "--prepare-landing":
        prepare_landing(work)
        return 0
    result = run_floor(name, work) if role == "--floor" else run_scenario(name, work)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["peak_mib"] = usage.ru_maxrss / 1024
    # CPU of the whole process, imports included; the program's share is measured around the run.
    result["cpu"] = usage.ru_utime + usage.ru_stime - result.get("overhead", 0.0)
    print(json.dumps(result))
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] in (["--scenario"], ["--floor"], ["--prepare-landing"], ["--child-memory"]):
        return child(argv[0], argv[1], Path(argv[2]))
    section = None
    if argv[:1] == ["--write"]:
        section, argv = argv[1], argv[2:]
    memory = argv[:1] == ["--memory"]
    names = [n for n in (argv[1:] if memory else argv)] or DEFAULT
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if "landing" in names:
            subprocess.run([sys.executable, __file__, "--prepare-landing", "-", str(work)], check=True)
        if memory:
            for name in names:
                subprocess.run([sys.executable, __file__, "--child-memory", name, str(work)], check=True)
            return 0
        rows = [measure("--scenario", "empty", work)]
        for name in [n for n in names if n != "empty"]:
            row = measure("--scenario", name, work)
            row["floor"] = measure("--floor", name, work)
            rows.append(row)
            print(table([rows[0], row])[-1], flush=True)
    lines = table(rows)
    print("\n".join(lines))
    if section:
        write_section(section, [*lines, "", *notes(rows)])
    return 0


def notes(rows: list[dict[str, Any]]) -> list[str]:
    machine = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return [
        f"Measured on {time.strftime('%Y-%m-%d')}, {machine} cores, load average {os.getloadavg()[0]:.1f} at the "
        "end, one run each.",
        "CPU and wall: the whole process, imports included (CPU time is the comparable figure and x floor "
        "compares CPU); ms per resource: the program's CPU per registered "
        "resource; KiB per resource: peak above the empty program, per resource.",
    ]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
