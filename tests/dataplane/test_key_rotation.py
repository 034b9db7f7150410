"""A key's rotation policy and expiry reach Azure through the real azure-keyvault-keys client, against a
local fake of the vault.

ARM's ``Keys - Create If Not Exist`` (what azure-native's ``keyvault.Key`` calls) writes nothing to a key
that exists (Microsoft Learn, REST API Key Vault management), so these are the only path by which a
changed policy or lifetime reaches the key.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cloudscale.components import key_rotation as kr

from .fake_key_vault import FakeKeyVault
from .test_synapse_dataplane import PROVIDER_BLOB, TOKEN, StaticTokenCredential

KEY = "cmk-adatum-prd-sales-data"
# 2026-01-31 00:00 UTC: a month end, so a month's arithmetic is visible.
CREATED = int(datetime.datetime(2026, 1, 31, tzinfo=datetime.UTC).timestamp())


@pytest.fixture
def vault(tls_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKeyVault]:
    with FakeKeyVault(*tls_files, expected_token=TOKEN) as server:
        monkeypatch.setattr(
            kr,
            "settings",
            kr.VaultSettings(
                credential_factory=lambda: StaticTokenCredential(TOKEN),
                # The fake's address is not a vault domain; the real client checks the challenge's resource.
                client_kwargs={"connection_verify": str(tls_files[0]), "verify_challenge_resource": False},
            ),
        )
        yield server
    assert server.internal_errors == []


def inputs(vault: FakeKeyVault, **overrides: Any) -> dict[str, Any]:
    return {
        "vault_url": vault.url + "/",
        "key_name": KEY,
        "expiry_time": "P1Y",
        "rotate_after": "P11M",
        "notify_before_expiry": "P30D",
        "version": None,
        "expires_on": None,
        "__provider": PROVIDER_BLOB,
        **overrides,
    }


def _policy(vault: FakeKeyVault) -> dict[str, Any]:
    actions = {a["action"]["type"].lower(): a["trigger"] for a in vault.policies[KEY]["lifetimeActions"]}
    return {"expiryTime": vault.policies[KEY]["attributes"]["expiryTime"], **actions}


def test_create_writes_the_policy_and_gives_the_version_in_use_an_expiry(vault: FakeKeyVault) -> None:
    # What ARM created before this resource existed: a key with no expiry (Checkov CKV_AZURE_40).
    version = vault.add_key(KEY, created=CREATED)
    created = kr.RotationPolicyProvider().create(inputs(vault))

    assert _policy(vault) == {
        "expiryTime": "P1Y",
        "rotate": {"timeAfterCreate": "P11M"},
        "notify": {"timeBeforeExpiry": "P30D"},
    }
    expected = int(datetime.datetime(2027, 1, 31, tzinfo=datetime.UTC).timestamp())
    assert vault.current(KEY)["exp"] == expected
    assert created.outs is not None and created.outs["version"] == version
    assert created.outs["expires_on"] == "2027-01-31T00:00:00+00:00"
    assert created.id == f"{vault.url}/keys/{KEY}"


def test_a_changed_policy_is_a_change_and_reaches_the_key(vault: FakeKeyVault) -> None:
    vault.add_key(KEY, created=CREATED)
    provider = kr.RotationPolicyProvider()
    olds = provider.create(inputs(vault)).outs
    news = inputs(vault, expiry_time="P2Y", rotate_after="P23M")
    diff = provider.diff("id", {**olds, "__provider": PROVIDER_BLOB}, news)
    assert diff.changes is True and diff.replaces == []
    provider.update("id", olds, news)
    assert _policy(vault)["expiryTime"] == "P2Y"
    assert _policy(vault)["rotate"] == {"timeAfterCreate": "P23M"}
    # The version in use follows the new lifetime too.
    assert vault.current(KEY)["exp"] == int(datetime.datetime(2028, 1, 31, tzinfo=datetime.UTC).timestamp())


def test_an_unchanged_policy_is_no_change_and_another_key_is_a_replacement(vault: FakeKeyVault) -> None:
    provider = kr.RotationPolicyProvider()
    olds = inputs(vault, version="v1", expires_on="2027-01-31T00:00:00+00:00")
    assert provider.diff("id", olds, inputs(vault)).changes is False
    assert provider.diff("id", olds, inputs(vault, key_name="other")).replaces == ["key_name"]


def test_a_failure_in_the_middle_names_its_step_and_the_next_run_finishes(vault: FakeKeyVault) -> None:
    version = vault.add_key(KEY, created=CREATED)
    vault.fail_next("PATCH", f"/keys/{KEY}/{version}", 403, "Forbidden", "caller lacks keys/update")
    provider = kr.RotationPolicyProvider()
    with pytest.raises(kr.KeyRotationPolicyError, match="cannot set the expiry of the current version of key"):
        provider.create(inputs(vault))
    # The policy was written before the failure; the version still has no expiry.
    assert _policy(vault)["expiryTime"] == "P1Y"
    assert vault.current(KEY)["exp"] is None
    provider.create(inputs(vault))
    assert vault.current(KEY)["exp"] is not None


def test_a_rotated_key_keeps_the_expiry_its_policy_gave_the_new_version(vault: FakeKeyVault) -> None:
    vault.add_key(KEY, created=CREATED)
    provider = kr.RotationPolicyProvider()
    olds = provider.create(inputs(vault)).outs
    # Rotation made a version whose expiry the policy set; an update leaves it and reports the version.
    created = CREATED + 334 * 86400
    version = vault.rotate(
        KEY,
        created=created,
        exp=int(kr.expiry_after(datetime.datetime.fromtimestamp(created, datetime.UTC), "P1Y").timestamp()),
    )
    patches = len([r for r in vault.requests if r.method == "PATCH"])
    assert provider.update("id", olds, inputs(vault)).outs["version"] == version
    assert len([r for r in vault.requests if r.method == "PATCH"]) == patches


def test_read_reports_what_the_vault_holds(vault: FakeKeyVault) -> None:
    vault.add_key(KEY, created=CREATED)
    provider = kr.RotationPolicyProvider()
    provider.create(inputs(vault))
    read = provider.read("id", inputs(vault, expiry_time="P9Y"))
    assert (read.outs["expiry_time"], read.outs["rotate_after"], read.outs["notify_before_expiry"]) == (
        "P1Y",
        "P11M",
        "P30D",
    )


def test_a_missing_key_fails_naming_vault_key_and_step(vault: FakeKeyVault) -> None:
    with pytest.raises(kr.KeyRotationPolicyError, match=f"cannot write the rotation policy of key '{KEY}'"):
        kr.RotationPolicyProvider().create(inputs(vault))


@pytest.mark.parametrize(("text", "expected"), [("P1Y", (1, 0, 0)), ("P11M", (0, 11, 0)), ("P1Y6M30D", (1, 6, 30))])
def test_durations(text: str, expected: tuple[int, int, int]) -> None:
    assert kr.duration(text) == expected


@pytest.mark.parametrize("text", ["P", "1Y", "PT1H", "P1W", ""])
def test_other_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        kr.duration(text)


def test_a_month_end_plus_a_month_is_the_last_day_of_the_next_month() -> None:
    start = datetime.datetime(2026, 1, 31, tzinfo=datetime.UTC)
    assert kr.expiry_after(start, "P1M") == datetime.datetime(2026, 2, 28, tzinfo=datetime.UTC)
    assert kr.expiry_after(start, "P11M") == datetime.datetime(2026, 12, 31, tzinfo=datetime.UTC)
