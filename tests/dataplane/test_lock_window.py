"""The hooks that lift a delete lock for a delete under it, with the real azure-mgmt-resource-locks client
against a local fake of ARM's locks.

A CanNotDelete lock refuses deleting anything under its scope, extension resources included (Microsoft
Learn, "Lock your resources to protect your infrastructure"); the hooks take it off for the delete and
put it back as it was (components/baseline/lock.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pulumi
import pytest

from cloudscale.components.baseline import lock as locks

from .fake_locks import FakeLocks
from .test_synapse_dataplane import TOKEN, StaticTokenCredential

ACCOUNT = (
    "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-data"
    "/providers/Microsoft.Storage/storageAccounts/stlake"
)
LOCK = "lock-adatum-prd-sales-raw"


@pytest.fixture
def arm(tls_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLocks]:
    with FakeLocks(*tls_files, expected_token=TOKEN) as server:
        monkeypatch.setattr(
            locks,
            "settings",
            locks.LockSettings(
                credential_factory=lambda: StaticTokenCredential(TOKEN),
                base_url=server.url,
                client_kwargs={"connection_verify": str(tls_files[0])},
            ),
        )
        server.locks[(ACCOUNT, LOCK)] = {"name": LOCK, "properties": {"level": "CanNotDelete", "notes": "n"}}
        yield server
    assert server.internal_errors == []


class _Window(locks.LockWindow):
    """The window without registering hooks with an engine: these tests call its methods directly."""

    def __init__(self) -> None:
        self.key, self.scope, self.lock_name = "sales-lake-raw-account", ACCOUNT, LOCK
        self._guard = locks.threading.Lock()
        self._running, self._lifted = 0, False


def test_a_delete_under_the_lock_goes_through_and_the_lock_comes_back(arm: FakeLocks) -> None:
    window = _Window()
    assert not arm.delete_under(f"{ACCOUNT}/blobServices/default/containers/crm")
    window.lift()
    assert arm.delete_under(f"{ACCOUNT}/blobServices/default/containers/crm")
    window.restore()
    assert arm.locks[(ACCOUNT, LOCK)]["properties"] == {"level": "CanNotDelete", "notes": locks.LOCK_NOTES}


def test_deletes_at_once_lift_the_lock_once_and_the_last_one_restores_it(arm: FakeLocks) -> None:
    window = _Window()
    window.lift()
    window.lift()
    window.restore()
    assert (ACCOUNT, LOCK) not in arm.locks  # one delete is still running
    window.restore()
    assert (ACCOUNT, LOCK) in arm.locks
    assert [r.method for r in arm.requests] == ["GET", "DELETE", "PUT"]


def test_a_lock_someone_removed_is_not_put_back(arm: FakeLocks) -> None:
    del arm.locks[(ACCOUNT, LOCK)]
    window = _Window()
    window.lift()
    window.restore()
    assert arm.locks == {}


def test_a_failed_delete_restores_the_lock_through_the_error_hook_and_is_not_retried(arm: FakeLocks) -> None:
    window = _Window()
    window.lift()
    failed = pulumi.ErrorHookArgs(
        urn="urn", id="id", name="assignment", type="t", failed_operation="delete", errors=["409 ScopeLocked"]
    )
    assert window._on_error(failed) is False
    assert (ACCOUNT, LOCK) in arm.locks


def test_an_error_lifting_the_lock_fails_the_delete_with_arms_message(arm: FakeLocks) -> None:
    path = f"{ACCOUNT}/providers/Microsoft.Authorization/locks/{LOCK}"
    arm.fail_next("DELETE", path, 403, "AuthorizationFailed", "no Microsoft.Authorization/locks/delete")
    with pytest.raises(Exception, match="AuthorizationFailed"):
        _Window().lift()
    assert (ACCOUNT, LOCK) in arm.locks


def test_the_window_hooks_are_named_after_the_locked_resource(offline) -> None:
    def program() -> None:
        window = locks.LockWindow("sales-lake-raw-account")
        binding = window.bind()
        assert [h.name for h in binding.before_delete] == ["lift-lock-sales-lake-raw-account"]
        assert [h.name for h in binding.after_delete] == ["restore-lock-sales-lake-raw-account"]

    offline.run(program)
