"""Measure what a plan costs: wall time and peak memory per scenario, each in a fresh process,
with ratios against a baseline measured in the same run.

    .venv/bin/python benchmarks/run.py            # all scenarios
    .venv/bin/python benchmarks/run.py dev zones-15

The baseline is the same engine running an empty program, so ratios show what our resources
cost on top of importing Pulumi and starting the mock engine. Machines are noisy: compare ratios
within one run, never absolute numbers across machines.
"""

from __future__ import annotations

import copy
import json
import resource
import subprocess
import sys
import time
from typing import Any

SCENARIOS = {
    "baseline": "empty program: imports, config validation and the mock engine",
    "dev": "dev stack, update mode (cloudscale plan)",
    "dev-preview": "dev stack, preview mode (cloudscale plan --preview)",
    "dev-with-aliases": "dev stack, azure-native API-version aliases kept (what pulumi up pays)",
    "zones-15": "management zone and 15 landing zones, full mesh",
}


def many_zones_config(count: int) -> dict[str, str]:
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


def run_scenario(name: str) -> dict[str, Any]:
    from cloudscale.stacks import build_platform, load_config
    from cloudscale.stacks.offline.engine import run_offline
    from cloudscale.stacks.offline.stack_files import load_stack_config

    config = many_zones_config(15) if name == "zones-15" else load_stack_config("dev")
    started = time.perf_counter()
    if name == "baseline":
        run = run_offline(lambda: load_config() and None, config=config)
    else:
        run = run_offline(
            lambda: build_platform(load_config()),
            config=config,
            preview=name == "dev-preview",
            strip_aliases=name != "dev-with-aliases",
        )
    return {"seconds": time.perf_counter() - started, "resources": len(run.resources)}


def measure(name: str) -> dict[str, Any]:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, __file__, "--scenario", name], check=True, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    inner = json.loads(completed.stdout.strip().splitlines()[-1])
    return {"scenario": name, "wall": wall, **inner}


def main(argv: list[str]) -> int:
    if argv[:1] == ["--scenario"]:
        result = run_scenario(argv[1])
        result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return 0
    names = argv or list(SCENARIOS)
    if "baseline" not in names:
        names = ["baseline", *names]
    rows = [measure(name) for name in names]
    base = rows[0]
    print(
        f"{'scenario':<18} {'resources':>9} {'program s':>9} {'wall s':>7} {'peak MiB':>8} "
        f"{'x wall':>7} {'x peak':>7}  what"
    )
    for row in rows:
        print(
            f"{row['scenario']:<18} {row['resources']:>9} {row['seconds']:>9.2f} {row['wall']:>7.2f} "
            f"{row['peak_mib']:>8.0f} {row['wall'] / base['wall']:>7.2f} {row['peak_mib'] / base['peak_mib']:>7.2f}"
            f"  {SCENARIOS[row['scenario']]}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
