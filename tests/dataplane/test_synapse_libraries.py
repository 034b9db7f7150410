"""The workspace-package provider against the local fake, with the real azure-synapse-artifacts client."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from cloudscale.components import synapse_libraries as sl
from cloudscale.dataproducts.wheel import content_version, spark_wheel, wheel_file_name

from .fake_synapse import FakeSynapse
from .test_synapse_dataplane import PROVIDER_BLOB, WORKSPACE


def inputs(dev_endpoint: str, name: str, content: bytes) -> dict[str, Any]:
    return {
        "workspace_name": WORKSPACE,
        "library_name": name,
        "sha256": hashlib.sha256(content).hexdigest(),
        "content": base64.b64encode(content).decode(),
        "dev_endpoint": dev_endpoint,
        "__provider": PROVIDER_BLOB,
    }


def _calls(fake: FakeSynapse) -> list[tuple[str, str, str | None]]:
    return [
        (r.method, r.path, r.query.get("comp"))
        for r in fake.requests
        if not r.path.startswith("/libraryOperationResults")
    ]


def test_the_wheel_is_created_appended_and_flushed_and_its_location_reported(fake: FakeSynapse) -> None:
    name = wheel_file_name(content_version())
    wheel = spark_wheel(content_version())
    created = sl.LibraryProvider().create(inputs(fake.url, name, wheel))

    assert _calls(fake) == [
        ("GET", f"/libraries/{name}", None),
        ("PUT", f"/libraries/{name}", None),
        ("PUT", f"/libraries/{name}", "appendblock"),
        ("POST", f"/libraries/{name}/flush", None),
        ("GET", f"/libraries/{name}", None),
    ]
    assert fake.libraries[name]["content"] == wheel and fake.libraries[name]["flushed"]
    assert created.outs is not None
    # What the pool's customLibraries entry names, and what the mocks compute for a plan.
    assert (created.outs["container_name"], created.outs["path"], created.outs["library_type"]) == (
        sl.PACKAGE_CONTAINER,
        sl.package_path(WORKSPACE, name),
        "whl",
    )
    assert created.outs["provisioning_status"] == "Succeeded"


def test_a_file_over_four_mebibytes_is_appended_in_blocks_at_their_positions(fake: FakeSynapse) -> None:
    content = bytes(range(256)) * (sl.APPEND_BLOCK_BYTES // 256) + b"tail"
    sl.LibraryProvider().create(inputs(fake.url, "big-1.0-py3-none-any.whl", content))

    appends = [r for r in fake.requests if r.query.get("comp") == "appendblock"]
    assert [r.headers["x-ms-blob-condition-appendpos"] for r in appends] == ["0", str(sl.APPEND_BLOCK_BYTES)]
    assert [len(r.body) for r in appends] == [sl.APPEND_BLOCK_BYTES, 4]
    assert fake.libraries["big-1.0-py3-none-any.whl"]["content"] == content


def test_a_package_left_by_an_interrupted_upload_is_replaced(fake: FakeSynapse) -> None:
    fake.libraries["pkg-1.0-py3-none-any.whl"] = {"content": b"half", "flushed": False, "etag": "x"}
    sl.LibraryProvider().create(inputs(fake.url, "pkg-1.0-py3-none-any.whl", b"whole wheel"))

    assert ("DELETE", "/libraries/pkg-1.0-py3-none-any.whl", None) in _calls(fake)
    assert fake.libraries["pkg-1.0-py3-none-any.whl"]["content"] == b"whole wheel"


def test_changed_content_replaces_the_package_and_delete_removes_it(fake: FakeSynapse) -> None:
    provider = sl.LibraryProvider()
    olds = inputs(fake.url, "pkg-1.0-py3-none-any.whl", b"one")
    created = provider.create(olds)
    assert not provider.diff(created.id, olds, inputs(fake.url, "pkg-1.0-py3-none-any.whl", b"one")).changes
    changed = provider.diff(created.id, olds, inputs(fake.url, "pkg-1.0-py3-none-any.whl", b"two"))
    assert changed.replaces == ["sha256"]
    renamed = provider.diff(created.id, olds, inputs(fake.url, "pkg-2.0-py3-none-any.whl", b"one"))
    assert renamed.replaces == ["library_name"]

    provider.delete(created.id, {**created.outs, "__provider": PROVIDER_BLOB} if created.outs else olds)
    assert fake.libraries == {}
    assert provider.read(created.id, olds).id == ""
    provider.delete(created.id, olds)  # already gone: nothing to do


def test_content_that_does_not_match_its_digest_is_refused_at_preview() -> None:
    news = inputs("https://unused", "pkg-1.0-py3-none-any.whl", b"one")
    news["sha256"] = hashlib.sha256(b"other").hexdigest()
    failures = sl.LibraryProvider().check({}, news).failures
    assert [f.property for f in failures] == ["sha256"]
