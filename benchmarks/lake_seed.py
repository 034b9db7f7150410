"""Measure ``lake seed`` uploads and ``lake init`` against the local DFS fake (files per second).

    .venv/bin/python benchmarks/lake_seed.py [FILES] [KIB]

The fake runs in this process, so client and server share the interpreter and the machine: the
numbers bound the client's own overhead (three requests per file: create, append, flush), not a
real account's throughput.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from azure.core.credentials import AccessToken

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cloudscale.lake import connection  # noqa: E402
from cloudscale.lake.apply import Journal, apply_plan  # noqa: E402
from cloudscale.lake.layout import plan_zone  # noqa: E402
from cloudscale.lake.outputs import zone_outputs  # noqa: E402
from cloudscale.lake.seed import local_files, seed_raw  # noqa: E402
from cloudscale.stacks.config import parse_config  # noqa: E402
from cloudscale.stacks.offline.stack_files import load_stack_config  # noqa: E402
from tests.dataplane.fake_dfs import FakeDfs  # noqa: E402
from tests.dataplane.fake_synapse import write_self_signed_cert  # noqa: E402
from tests.lake.conftest import ACCOUNTS, stack_outputs  # noqa: E402
from tests.lake.test_seed import CountingProgress  # noqa: E402

TOKEN = "benchmark-token"


class _Credential:
    def get_token(self, *_scopes: str, **_kwargs: Any) -> AccessToken:
        return AccessToken(TOKEN, int(time.time()) + 3600)


def main(files: int = 400, kib: int = 16) -> None:
    work = Path(tempfile.mkdtemp(prefix="lake-bench-"))
    cert, key = write_self_signed_cert(work)
    zone = parse_config(load_stack_config("dev")).zone("sales")
    sample = work / "sample"
    for index in range(files):
        path = sample / ("crm" if index % 2 else "erp") / f"entity{index % 8}" / f"part-{index:05d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes(index % 251 for _ in range(kib * 1024)))
    seed_files, _ = local_files(sample, zone)
    connection.settings = connection.LakeSettings(lambda: _Credential(), {"connection_verify": str(cert)})
    for parallel in (1, 4, 8):
        with FakeDfs(cert, key, expected_token=TOKEN) as fake:
            for container in ("data", *zone.data_integrations):
                fake.add_filesystem(ACCOUNTS["raw"], container)
                fake.add_filesystem(ACCOUNTS["enriched"], container)
            for container in ("data", "synapse", *zone.data_products):
                fake.add_filesystem(ACCOUNTS["workspace"], container)
            outputs = zone_outputs(stack_outputs(fake.endpoint), "sales", "benchmark")
            with connection.connections() as reach:
                started = time.perf_counter()
                outcome = seed_raw("dev", outputs, seed_files, reach, CountingProgress(), parallel=parallel)
                upload = time.perf_counter() - started
                started = time.perf_counter()
                seed_raw("dev", outputs, seed_files, reach, CountingProgress(), parallel=parallel)
                resume = time.perf_counter() - started
                print(
                    f"seed --parallel {parallel}: {len(outcome.uploaded)} files of {kib} KiB in {upload:.2f} s, "
                    f"{len(outcome.uploaded) / upload:.0f} files/s; resume check {resume:.2f} s"
                )
                if parallel == 1:
                    plan = plan_zone("dev", zone, outputs)
                    journal = Journal(work / "journal.json")
                    started = time.perf_counter()
                    apply_plan(plan, reach, journal)
                    first = time.perf_counter() - started
                    started = time.perf_counter()
                    apply_plan(plan, reach, journal)
                    second = time.perf_counter() - started
                    print(
                        f"init: {len(plan.folders)} folders, {plan.entry_count} entries, {files} files in them: "
                        f"first run {first:.2f} s, second (no change) {second:.2f} s"
                    )


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
