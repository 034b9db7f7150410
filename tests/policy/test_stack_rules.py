"""The rules that need the whole stack, called as plain functions over synthetic resources: private
endpoints, diagnostic settings, customer-managed keys in prd, and protect outside dev."""

from __future__ import annotations

from typing import Any

import pytest

from cloudscale.policy import StackFacts, Subject, declared
from cloudscale.policy.facts import Violation
from cloudscale.policy.resource_rules import customer_managed_key, hsm_key, protected
from cloudscale.policy.stack_rules import (
    customer_managed_keys,
    diagnostic_settings,
    private_endpoints,
)
from cloudscale.policy.subject import UNKNOWN_VALUES

UNKNOWN = sorted(UNKNOWN_VALUES)[0]
VAULT = "azure-native:keyvault:Vault"
VAULT_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
VAULT_URN = "urn:pulumi:dev::cloudscale::cloudscale:security:KeyVault$azure-native:keyvault:Vault::kv"
PE = "azure-native:network:PrivateEndpoint"
SETTING = "azure-native:monitor:DiagnosticSetting"


def _tags(environment: str) -> dict[str, str]:
    return {"Project": "cloudscale", "Environment": environment, "Zone": "sales", "ManagedBy": "pulumi"}


def _vault(**extra: Any) -> Subject:
    return Subject(VAULT, "kv", {"tags": _tags("tst")}, urn=VAULT_URN, **extra)


def _endpoint(target: str, *, depends_on: str = "") -> Subject:
    props = {"privateLinkServiceConnections": [{"privateLinkServiceId": target, "groupIds": ["vault"]}]}
    deps = {"privateLinkServiceConnections": (depends_on,)} if depends_on else {}
    return Subject(PE, "kv-pe", props, property_dependencies=deps)


def _setting(uri: str, *, depends_on: str = "") -> Subject:
    return Subject(SETTING, "kv-diag", {"resourceUri": uri}, property_dependencies={"resourceUri": (depends_on,)})


def _names(violations) -> list[tuple[str, str, str]]:
    return [(v.severity, v.rule, v.resource) for v in violations if not v.accepted]


FACTS = StackFacts(declared())


@pytest.mark.parametrize(
    "stack",
    [
        [_vault(resource_id=VAULT_ID), _endpoint(VAULT_ID)],
        # Preview: the target's id is unknown, the endpoint's input was computed from it.
        [_vault(), _endpoint(UNKNOWN, depends_on=VAULT_URN)],
    ],
    ids=["by id", "by dependency"],
)
def test_a_data_service_reached_by_a_private_endpoint_passes(stack):
    assert private_endpoints(stack, FACTS) == []


@pytest.mark.parametrize(
    "stack",
    [
        [_vault(resource_id=VAULT_ID)],
        [_vault(resource_id=VAULT_ID), _endpoint(VAULT_ID.replace("/kv", "/other"))],
        [_vault(), _endpoint(UNKNOWN, depends_on="urn:pulumi:dev::cloudscale::x::other")],
    ],
    ids=["none", "another target", "another dependency"],
)
def test_a_data_service_without_a_private_endpoint_is_flagged(stack):
    assert _names(private_endpoints(stack, FACTS)) == [("high", "private-endpoint", "kv")]


def test_a_type_reached_without_private_link_needs_no_endpoint():
    network = Subject("azure-native:network:VirtualNetwork", "vnet", {})
    assert private_endpoints([network], FACTS) == []


@pytest.mark.parametrize(
    "stack",
    [
        [_vault(resource_id=VAULT_ID), _setting(VAULT_ID)],
        [_vault(), _setting(UNKNOWN, depends_on=VAULT_URN)],
    ],
    ids=["by id", "by dependency"],
)
def test_a_resource_that_sends_diagnostics_passes(stack):
    assert diagnostic_settings(stack, FACTS) == []


@pytest.mark.parametrize(
    "stack",
    [
        [_vault(resource_id=VAULT_ID)],
        # A setting of a sub-resource (the blob service) does not cover its account.
        [_vault(resource_id=VAULT_ID), _setting(f"{VAULT_ID}/blobServices/default", depends_on=VAULT_URN)],
    ],
    ids=["none", "a sub-resource's"],
)
def test_a_diagnosable_resource_without_a_setting_is_flagged(stack):
    assert _names(diagnostic_settings(stack, FACTS)) == [("medium", "diagnostics", "kv")]


def test_workspace_based_application_insights_needs_no_setting():
    insights = Subject("azure-native:applicationinsights:Component", "appi", {"workspaceResourceId": "/w"})
    classic = Subject("azure-native:applicationinsights:Component", "classic", {})
    assert _names(diagnostic_settings([insights, classic], FACTS)) == [("medium", "diagnostics", "classic")]


def _lake(environment: str, encryption: dict[str, Any] | None) -> Subject:
    props = {"isHnsEnabled": True, "tags": _tags(environment), "encryption": encryption or {}}
    return Subject("azure-native:storage:StorageAccount", "lake", props)


KEY_VAULT_KEY = {
    "keySource": "Microsoft.Keyvault",
    "keyVaultProperties": {"keyName": "cmk", "keyVaultUri": "https://kv"},
}
PLATFORM_KEY = {"keySource": "Microsoft.Storage"}
SERVER = "azure-native:sql:Server"
SERVER_URN = "urn:pulumi:prd::cloudscale::cloudscale:data:SqlHyperscale$azure-native:sql:Server::erp"


def _server(**props: Any) -> Subject:
    return Subject(SERVER, "erp", {"serverName": "sql-erp", "tags": _tags("prd"), **props}, urn=SERVER_URN)


def _protector(key_type: str) -> Subject:
    props = {"serverName": UNKNOWN, "serverKeyType": key_type, "serverKeyName": "kv_cmk_1"}
    deps = {"serverName": (SERVER_URN,)}
    return Subject("azure-native:sql:EncryptionProtector", "erp-tde", props, property_dependencies=deps)


def _cosmos(**props: Any) -> Subject:
    return Subject("azure-native:cosmosdb:DatabaseAccount", "cosmos", {"tags": _tags("prd"), **props})


def _synapse(**props: Any) -> Subject:
    return Subject("azure-native:synapse:Workspace", "synapse", {"tags": _tags("prd"), **props})


SYNAPSE_KEY = {"cmk": {"key": {"name": "cmk", "keyVaultUrl": "https://kv.vault.azure.net/keys/cmk"}}}

COMPLIANT_PRD = [
    [_lake("prd", KEY_VAULT_KEY)],
    [_cosmos(keyVaultKeyUri="https://kv.vault.azure.net/keys/cmk")],
    [_server(keyId="https://kv.vault.azure.net/keys/cmk")],
    [_server(), _protector("AzureKeyVault")],
    [_synapse(encryption=SYNAPSE_KEY)],
    # Outside prd Microsoft-managed keys are fine.
    [_lake("dev", PLATFORM_KEY)],
    # Storage that is not a lake (no hierarchical namespace), such as Azure ML's store.
    [Subject("azure-native:storage:StorageAccount", "ml", {"tags": _tags("prd")})],
    # Unknown until deploy: not judged.
    [_cosmos(keyVaultKeyUri=UNKNOWN)],
]
VIOLATING_PRD = [
    [_lake("prd", PLATFORM_KEY)],
    [_lake("prd", {"keySource": "Microsoft.Keyvault"})],
    [_cosmos()],
    [_server()],
    [_server(), _protector("ServiceManaged")],
    [_synapse()],
]


def _key_violations(stack: list[Subject], facts: StackFacts = FACTS) -> list[Violation]:
    """Both halves of the rule: each resource on its own, and SQL servers with their TDE protectors."""
    return [*(v for s in stack for v in customer_managed_key(s, facts)), *customer_managed_keys(stack, facts)]


@pytest.mark.parametrize("stack", COMPLIANT_PRD)
def test_resources_encrypted_with_a_customer_managed_key_in_prd_pass(stack):
    assert _key_violations(stack) == []


@pytest.mark.parametrize("stack", VIOLATING_PRD)
def test_resources_without_a_customer_managed_key_in_prd_are_flagged(stack):
    [violation] = _key_violations(stack)
    # A SQL server's key is its TDE protector, a child resource: the stack rule judges the pair.
    rule = "customer-managed-key-tde-protector" if stack[0].type == SERVER else "customer-managed-key"
    assert (violation.severity, violation.rule) == ("high", rule)


@pytest.mark.parametrize("stack", [s for s in VIOLATING_PRD if s[0].type != "azure-native:sql:Server"])
def test_a_resource_without_its_key_is_judged_on_its_own_before_it_exists(stack):
    # The pack runs resource policies before each resource is created, stack policies only after the
    # update (pulumi/pulumi pkg/resource/deploy/deployment_executor.go): a rule that can decide from one
    # resource's inputs must be a resource rule to block ``pulumi up --skip-preview``.
    [subject] = stack
    assert [v.rule for v in customer_managed_key(subject, FACTS)] == ["customer-managed-key"]
    assert customer_managed_keys(stack, FACTS) == []


def test_the_environment_can_be_given_instead_of_read_from_the_tags():
    untagged = Subject("azure-native:cosmosdb:DatabaseAccount", "cosmos", {})
    assert _key_violations([untagged]) == []
    assert len(_key_violations([untagged], StackFacts(declared(), environment="prd"))) == 1


@pytest.mark.parametrize(
    ("environment", "protect", "flagged"), [("tst", False, True), ("tst", True, False), ("dev", False, False)]
)
def test_stateful_resources_outside_dev_must_be_protected(environment, protect, flagged):
    vault = Subject(VAULT, "kv", {"tags": _tags(environment)}, protect=protect)
    assert bool(protected(vault, FACTS)) is flagged


@pytest.mark.parametrize(
    ("kty", "environment", "flagged"), [("RSA", "prd", True), ("RSA-HSM", "prd", False), ("RSA", "dev", False)]
)
def test_production_keys_are_hsm_backed(kty, environment, flagged):
    # Checkov CKV_AZURE_112; Microsoft cloud security benchmark DP-6.
    key = Subject("azure-native:keyvault:Key", "cmk", {"properties": {"kty": kty}, "tags": _tags(environment)})
    assert [v.rule for v in hsm_key(key, FACTS)] == (["hsm-key"] if flagged else [])


ACCOUNT = "azure-native:storage:StorageAccount"
CONTAINER = "azure-native:storage:BlobContainer"
ACCOUNT_URN = "urn:pulumi:prd::cloudscale::azure-native:storage:StorageAccount::lake"
ACCOUNT_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/lake"


def _lake(environment: str) -> list[Subject]:
    account = Subject(ACCOUNT, "lake", {"tags": _tags(environment)}, urn=ACCOUNT_URN, resource_id=ACCOUNT_ID)
    container = Subject(
        CONTAINER, "lake-crm", {}, urn=ACCOUNT_URN + "-crm", property_dependencies={"accountName": (ACCOUNT_URN,)}
    )
    return [account, container]


def _lock(*, level: str = "CanNotDelete", scope: str = ACCOUNT_ID, depends_on: str = "") -> Subject:
    deps = {"scope": (depends_on,)} if depends_on else {}
    return Subject(LOCK_TYPE, "lake-lock", {"level": level, "scope": scope}, property_dependencies=deps)


LOCK_TYPE = "azure-native:authorization:ManagementLockByScope"


@pytest.mark.parametrize(
    ("environment", "lock", "flagged"),
    [
        ("prd", None, {"lake", "lake-crm"}),
        ("prd", _lock(), set()),
        # Preview: the scope is unknown, the dependency on the account says what is locked.
        ("prd", _lock(scope=UNKNOWN, depends_on=ACCOUNT_URN), set()),
        ("prd", _lock(level="ReadOnly"), {"lake", "lake-crm"}),
        ("dev", None, set()),
    ],
)
def test_data_stores_outside_dev_sit_under_a_delete_lock(environment, lock, flagged):
    from cloudscale.policy.stack_rules import delete_locks

    subjects = [*_lake(environment), *([lock] if lock else [])]
    assert {v.resource for v in delete_locks(subjects, FACTS)} == flagged
