"""The pinned stacks and how to re-pin them.

    .venv/bin/python -m tests.stacks.urn_pins --write     # after adding resources, or a rename with an alias

Re-pinning never forgets a URN that an alias still answers to, so a rename stays guarded.
"""

from __future__ import annotations

import sys
from pathlib import Path

from cloudscale.stacks import build_platform, load_config
from cloudscale.stacks.offline.engine import OfflineRun, run_offline
from cloudscale.stacks.offline.stack_files import load_stack_config
from cloudscale.stacks.offline.urn_pins import read_pins, write_pins

PINNED_STACKS = ("dev", "prd")
PIN_FOLDER = Path(__file__).parent / "pinned_urns"


def pin_file(stack: str) -> Path:
    return PIN_FOLDER / f"{stack}.txt"


def run_stack(stack: str, *, preview: bool = False) -> OfflineRun:
    return run_offline(
        lambda: build_platform(load_config()), config=load_stack_config(stack), preview=preview, stack=stack
    )


def main(argv: list[str]) -> int:
    if argv != ["--write"]:
        print(__doc__)
        return 2
    for stack in PINNED_STACKS:
        path = pin_file(stack)
        pinned = read_pins(path) if path.exists() else []
        lines = write_pins(path, pinned, run_stack(stack).monitor.options)
        print(f"{path}: {len(lines)} URNs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
