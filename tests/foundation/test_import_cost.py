"""What the program imports: a declaration-only run (every preview, every plan) loads no data-plane SDK."""

from __future__ import annotations

import subprocess
import sys

DATA_PLANE = ("azure.identity", "azure.mgmt.datafactory", "azure.synapse.artifacts", "azure.synapse.accesscontrol")


def test_planning_the_dev_stack_loads_no_data_plane_sdk():
    # A fresh interpreter: the test process itself has imported everything already.
    script = (
        "import sys\n"
        "from cloudscale.stacks import build_platform, load_config\n"
        "from cloudscale.stacks.offline.engine import run_offline\n"
        "from cloudscale.stacks.offline.stack_files import load_stack_config\n"
        "run_offline(lambda: build_platform(load_config()), config=load_stack_config('dev'))\n"
        f"print(sorted(m for m in {DATA_PLANE!r} if m in sys.modules))\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert completed.stdout.strip().splitlines()[-1] == "[]"
