"""``lake seed``'s upload: the real SDK's create/append/flush against the DFS fake, resumable."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from azure.core.exceptions import HttpResponseError

from cloudscale.lake.connection import connections
from cloudscale.lake.errors import LakeError
from cloudscale.lake.outputs import zone_outputs
from cloudscale.lake.seed import BarProgress, local_files, seed_raw

from .conftest import ACCOUNTS, stack_outputs

RAW = ACCOUNTS["raw"]


class CountingProgress:
    def __init__(self) -> None:
        self.files = 0
        self.total = 0
        self.bytes = 0
        self.done = 0

    def start(self, files: int, total_bytes: int) -> None:
        self.files, self.total = files, total_bytes

    def advance(self, size: int) -> None:
        self.bytes += size

    def file_done(self) -> None:
        self.done += 1

    def close(self) -> None:
        pass


def write_layout(root: Path, files_per_entity: int = 2, size: int = 3000) -> dict[str, bytes]:
    """A raw layout as the generator writes it, plus a source this zone has no container for."""
    written = {}
    entities = {"crm": ["customers", "contacts"], "erp": ["sales_headers"], "customer_service": ["interactions"]}
    for integration, names in entities.items():
        for entity in names:
            for index in range(files_per_entity):
                path = root / integration / entity / f"part-{index:05d}.parquet"
                path.parent.mkdir(parents=True, exist_ok=True)
                data = bytes((index + len(entity) + i) % 251 for i in range(size + index))
                path.write_bytes(data)
                written[f"{integration}/{entity}/{path.name}"] = data
    return written


def _seed(fake, dev_platform, root: Path, progress=None, **kwargs):
    zone = dev_platform.zone("sales")
    files, ignored = local_files(root, zone)
    outputs = zone_outputs(stack_outputs(fake.endpoint), "sales", "test")
    with connections() as reach:
        return seed_raw("dev", outputs, files, reach, progress or CountingProgress(), **kwargs), ignored


def test_files_land_in_the_raw_layout_with_their_bytes(fake_dfs, dev_platform, tmp_path):
    written = write_layout(tmp_path / "sample")
    progress = CountingProgress()
    outcome, ignored = _seed(fake_dfs, dev_platform, tmp_path / "sample", progress)
    assert ignored == ["customer_service"]
    assert len(outcome.uploaded) == 6
    for key, data in written.items():
        integration, path = key.split("/", 1)
        if integration == "customer_service":
            continue
        node = fake_dfs.node(RAW, integration, path)
        assert bytes(node.data) == data and node.length == len(data)
    assert (progress.files, progress.done) == (6, 6)
    assert progress.bytes == progress.total == outcome.uploaded_bytes
    operations = [r.operation for r in fake_dfs.writes()]
    assert {"file", "append", "flush"} <= set(operations)


def test_an_interrupted_seed_resumes_with_the_files_not_yet_complete(fake_dfs, dev_platform, tmp_path):
    write_layout(tmp_path / "sample")
    # The fourth flush fails: that file stays zero-length (data counts only once flushed).
    fake_dfs.fail("PATCH", "flush", 500, "InternalError", after=3)
    with pytest.raises(HttpResponseError):
        _seed(fake_dfs, dev_platform, tmp_path / "sample", parallel=1)
    complete = sum(
        1
        for container in ("crm", "erp")
        for p in fake_dfs.paths(RAW, container)
        if fake_dfs.node(RAW, container, p).length
    )
    assert complete == 5  # the other files of the batch still finished
    first_run = len(fake_dfs.requests)
    outcome, _ = _seed(fake_dfs, dev_platform, tmp_path / "sample")
    assert len(outcome.uploaded) == 1 and len(outcome.skipped) == 5
    creates = [r for r in fake_dfs.requests[first_run:] if r.operation == "file"]
    assert len(creates) == 1
    again, _ = _seed(fake_dfs, dev_platform, tmp_path / "sample")
    assert again.uploaded == [] and len(again.skipped) == 6


def test_a_changed_local_file_is_uploaded_again(fake_dfs, dev_platform, tmp_path):
    write_layout(tmp_path / "sample")
    _seed(fake_dfs, dev_platform, tmp_path / "sample")
    changed = tmp_path / "sample" / "crm" / "customers" / "part-00000.parquet"
    changed.write_bytes(b"x" * 10)
    outcome, _ = _seed(fake_dfs, dev_platform, tmp_path / "sample")
    assert [f.logical for f in outcome.uploaded] == ["raw/crm/customers/part-00000.parquet"]
    assert bytes(fake_dfs.node(RAW, "crm", "customers/part-00000.parquet").data) == b"x" * 10


def test_a_missing_role_is_an_actionable_error(fake_dfs, dev_platform, tmp_path):
    write_layout(tmp_path / "sample")
    fake_dfs.role = "reader"
    with pytest.raises(LakeError, match="needs Storage Blob Data Contributor on the account"):
        _seed(fake_dfs, dev_platform, tmp_path / "sample")


def test_a_file_outside_an_entity_folder_is_refused(dev_platform, tmp_path):
    (tmp_path / "crm").mkdir()
    (tmp_path / "crm" / "stray.parquet").write_bytes(b"1")
    with pytest.raises(LakeError, match="not inside an entity folder"):
        local_files(tmp_path, dev_platform.zone("sales"))


def test_progress_bar_shows_bytes_and_files():
    stream = io.StringIO()
    bar = BarProgress(stream=stream, disable=False)
    bar.start(2, 2048)
    bar.advance(1024)
    bar.file_done()
    bar.advance(1024)
    bar.file_done()
    bar.close()
    text = stream.getvalue()
    assert "2.00k/2.00k" in text or "2.00kB/2.00kB" in text, text
    assert "files=2/2" in text, text
