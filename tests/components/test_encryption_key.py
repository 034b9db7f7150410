"""A landing zone's customer-managed key: rotation, an identity that may only use this key, and protect."""

from __future__ import annotations

import pytest

from cloudscale.components.baseline import SoftDeletePolicy
from cloudscale.components.core import BuiltInRole
from cloudscale.components.core.tags import platform_tags
from cloudscale.components.encryption_key import EncryptionKey, EncryptionKeyArgs
from cloudscale.stacks.offline.findings import findings
from cloudscale.stacks.offline.mocks import RecordedResource

from .support import service_baseline, urn_of

KEY = "azure-native:keyvault:Key"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
VAULT_URI = "https://kv-adatum-prd-sales.vault.azure.net/"


def _key(lock: bool = False) -> EncryptionKey:
    baseline = service_baseline(environment="prd", tags=platform_tags("prd", "sales"), lock=lock)
    baseline.soft_delete = SoftDeletePolicy(purge_protection=True)
    return EncryptionKey(
        "sales-cmk",
        EncryptionKeyArgs(baseline=baseline, vault_name="kv-adatum-prd-sales", vault_uri=VAULT_URI, hsm=True),
    )


@pytest.mark.parametrize("lock", [False, True])
def test_the_key_is_protected_exactly_where_data_is(offline, lock):
    run = offline.run(lambda: _key(lock))
    assert run.monitor.options[urn_of(run, "sales-cmk-key")].protect is lock
    # The vault's lock covers its keys; the key has none of its own.
    assert run.of_type("azure-native:authorization:ManagementLockByScope") == []


def test_the_key_rotates_and_its_identity_may_wrap_with_it_alone(offline):
    run = offline.run(_key)
    key = run.one(KEY)
    assert key.inputs["keyName"] == "cmk-adatum-prd-sales-data"
    assert key.inputs["properties"]["keySize"] == 3072
    (grant,) = run.of_type(ASSIGNMENT)
    # The name tells the role in both modes; the role definition id waits for the key's id in a preview.
    assert "key-vault-crypto-service-encryption-user" in grant.name
    role = grant.inputs["roleDefinitionId"]
    assert offline.preview or role.endswith(BuiltInRole.KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER.value)
    assert run.monitor.options[urn_of(run, grant.name)].property_dependencies["scope"] == [urn_of(run, "sales-cmk-key")]
    assert findings(run.resources, protects_state=False, locked=set()) == []


def test_the_key_uri_names_no_version(offline_update):
    run = offline_update.run(lambda: {"keyUri": _key().customer_managed_key.key_uri})
    assert run.exports["keyUri"] == "https://kv-adatum-prd-sales.vault.azure.net/keys/cmk-adatum-prd-sales-data"


def test_a_key_without_rotation_or_expiry_is_a_high_finding():
    key = RecordedResource(KEY, "stale-key", {"properties": {"kty": "RSA", "keySize": 3072}}, True, None, None)
    reported = findings([key], protects_state=False, locked=set())
    # Checkov CKV_AZURE_40: the first version needs an expiry of its own.
    assert sorted((f.severity, f.rule) for f in reported) == [("high", "key-expiry"), ("high", "key-rotation")]
    rotating = {
        "rotationPolicy": {"lifetimeActions": [{"action": {"type": "rotate"}, "trigger": {}}]},
        "attributes": {"expires": 1_800_000_000},
    }
    key = RecordedResource(KEY, "key", {"properties": rotating}, True, None, None)
    assert findings([key], protects_state=False, locked=set()) == []


@pytest.mark.parametrize(("hsm", "kty"), [(False, "RSA"), (True, "RSA-HSM")])
def test_the_key_is_software_or_hsm_protected_as_told(offline, hsm, kty):
    def program() -> EncryptionKey:
        baseline = service_baseline(environment="prd", tags=platform_tags("prd", "sales"))
        return EncryptionKey("sales-cmk", EncryptionKeyArgs(baseline, "kv", VAULT_URI, hsm=hsm))

    run = offline.run(program)
    assert run.one(KEY).inputs["properties"]["kty"] == kty


def test_a_service_that_takes_only_rsa_2048_gets_a_key_of_that_size(offline):
    def program() -> EncryptionKey:
        baseline = service_baseline(environment="prd", tags=platform_tags("prd", "sales", "security"))
        args = EncryptionKeyArgs(
            baseline=baseline, vault_name="kv-adatum-prd-sales", vault_uri=VAULT_URI, purpose="adx", key_size=2048
        )
        return EncryptionKey("sales-adx-cmk", args)

    run = offline.run(program)
    assert run.one(KEY).inputs["properties"]["keySize"] == 2048


def test_a_key_size_key_vault_does_not_create_is_refused_before_anything_is_registered(offline):
    args = EncryptionKeyArgs(baseline=service_baseline(), vault_name="kv", vault_uri=VAULT_URI, key_size=1024)
    with pytest.raises(ValueError, match="key_size 1024 is not an RSA size"):
        offline.run(lambda: EncryptionKey("sales-cmk", args))
    assert offline.mocks is not None and offline.mocks.resources == []
