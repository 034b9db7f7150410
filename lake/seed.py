"""Upload sample data in the raw layout the ingestion pipelines write, resumably, with progress.

The local folder holds ``<integration>/<entity>/<files>``; each integration is a container of the
zone's raw lake, so a file lands at ``raw/<integration>/<entity>/<file>`` exactly where the ingestion
pipelines put theirs. An upload is create, append and flush; ADLS Gen2 makes data visible (and counts
it in the path's length) only at the flush (learn.microsoft.com/rest/api/storageservices/
datalakestoragegen2/path/update, "action=flush"), so a file whose listed length equals the local
size is complete. A re-run lists each container once and uploads only the rest.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

from azure.core.exceptions import AzureError, ResourceNotFoundError

from cloudscale.lake.connection import Connections
from cloudscale.lake.errors import LakeError, Target, explain
from cloudscale.lake.outputs import ZoneOutputs
from cloudscale.stacks.config import LandingZoneConfig

SEED_ROLE = "Storage Blob Data Contributor"
CHUNK_SIZE = 4 * 1024 * 1024
SIZES = ("small", "medium")


@dataclass(frozen=True)
class SeedFile:
    local: Path
    container: str
    path: str
    size: int

    @property
    def logical(self) -> str:
        return f"raw/{self.container}/{self.path}"


@dataclass
class SeedOutcome:
    uploaded: list[SeedFile]
    skipped: list[SeedFile]
    ignored: list[str]

    @property
    def uploaded_bytes(self) -> int:
        return sum(f.size for f in self.uploaded)


class Progress(Protocol):
    def start(self, files: int, total_bytes: int) -> None: ...
    def advance(self, size: int) -> None: ...
    def file_done(self) -> None: ...
    def close(self) -> None: ...


class BarProgress:
    """A tqdm bar with bytes, rate and files: ``raw  41%|####  | 12.0M/29.3M [.., 8.1MB/s, files=9/22]``."""

    def __init__(self, stream: TextIO | None = None, disable: bool | None = None) -> None:
        self._stream = stream
        self._disable = disable
        self._bar: Any = None
        self._files = 0
        self._done = 0
        self._lock = threading.Lock()

    def start(self, files: int, total_bytes: int) -> None:
        from tqdm import tqdm

        self._files = files
        self._bar = tqdm(
            total=total_bytes,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc="raw",
            file=self._stream,
            disable=self._disable,
            dynamic_ncols=True,
        )
        self._bar.set_postfix_str(f"files=0/{files}", refresh=False)

    def advance(self, size: int) -> None:
        with self._lock:
            self._bar.update(size)

    def file_done(self) -> None:
        with self._lock:
            self._done += 1
            self._bar.set_postfix_str(f"files={self._done}/{self._files}")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def local_files(root: Path, zone: LandingZoneConfig) -> tuple[list[SeedFile], list[str]]:
    """The files to upload, and the top-level folders that are not one of the zone's integrations."""
    if not root.is_dir():
        raise LakeError(f"no sample data at {root}: expected <integration>/<entity>/<files> there")
    files: list[SeedFile] = []
    ignored: list[str] = []
    for integration in sorted(p for p in root.iterdir() if p.is_dir()):
        if integration.name not in zone.data_integrations:
            ignored.append(integration.name)
            continue
        for file in sorted(p for p in integration.rglob("*") if p.is_file()):
            relative = file.relative_to(integration).as_posix()
            if "/" not in relative:
                raise LakeError(f"{file} is not inside an entity folder: expected <integration>/<entity>/<file>")
            files.append(SeedFile(file, integration.name, relative, file.stat().st_size))
    if not files:
        raise LakeError(
            f"no files under {root} for this zone's integrations ({', '.join(zone.data_integrations) or 'none'})"
        )
    return files, ignored


def _remote_sizes(connections: Connections, endpoint: str, container: str) -> dict[str, int]:
    file_system = connections.service(endpoint).get_file_system_client(container)
    sizes: dict[str, int] = {}
    try:
        for path in file_system.get_paths(recursive=True):
            if not path.is_directory:
                sizes[path.name] = int(path.content_length or 0)
    except ResourceNotFoundError as error:
        if getattr(error, "error_code", None) == "PathNotFound":
            return {}
        raise
    return sizes


def _upload(connections: Connections, endpoint: str, file: SeedFile, progress: Progress) -> None:
    client = connections.service(endpoint).get_file_client(file.container, file.path)
    sent = 0

    def hook(current: int, _total: int | None) -> None:
        nonlocal sent
        progress.advance(current - sent)
        sent = current

    with file.local.open("rb") as stream:
        client.upload_data(stream, length=file.size, overwrite=True, chunk_size=CHUNK_SIZE, progress_hook=hook)
    if sent < file.size:
        progress.advance(file.size - sent)
    progress.file_done()


def seed_raw(
    stack: str,
    outputs: ZoneOutputs,
    files: Sequence[SeedFile],
    connections: Connections,
    progress: Progress,
    *,
    parallel: int = 4,
) -> SeedOutcome:
    """Upload every file not already complete in the raw lake; files upload ``parallel`` at a time."""
    lake = outputs.lakes["raw"]
    target = Target(lake.account_name, stack, outputs.vnet_name, SEED_ROLE)
    try:
        remote: dict[str, dict[str, int]] = {}
        for container in sorted({f.container for f in files}):
            remote[container] = _remote_sizes(connections, lake.dfs_endpoint, container)
        pending = [f for f in files if remote[f.container].get(f.path) != f.size]
        skipped = [f for f in files if remote[f.container].get(f.path) == f.size]
        progress.start(len(pending), sum(f.size for f in pending))
        try:
            with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
                futures = [pool.submit(_upload, connections, lake.dfs_endpoint, f, progress) for f in pending]
                for future in as_completed(futures):
                    future.result()
        finally:
            progress.close()
    except AzureError as error:
        actionable = explain(error, target)
        if actionable is not None:
            raise actionable from None
        raise
    return SeedOutcome(uploaded=pending, skipped=skipped, ignored=[])


def generate_sample_data(size: str, seed: int, root: Path) -> list[Path]:
    """Write the sample-data generator's output to ``root`` in the raw layout; returns the files."""
    try:
        from cloudscale.dataproducts import sample_data, source_data
    except ImportError as error:
        raise LakeError(
            f"the sample-data generator is not installed ({error}); pass --from DIR with data in the raw layout"
        ) from None
    data = sample_data.generate(size, seed=seed)
    return list(source_data.write_raw_layout(data, root))
