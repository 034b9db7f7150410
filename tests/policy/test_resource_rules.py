"""Each rule that judges one resource, called as a plain function: a violating resource is flagged, a
compliant one is not, and an accepted exception is reported as accepted with its reason."""

from __future__ import annotations

from typing import Any

import pytest

from cloudscale.policy import PLATFORM_TAG_KEYS, StackFacts, Subject, declared
from cloudscale.policy.resource_rules import declared_rule, required_tags, unreviewed_type
from cloudscale.policy.subject import UNKNOWN_VALUES

STORAGE = "azure-native:storage:StorageAccount"
COSMOS = "azure-native:cosmosdb:DatabaseAccount"
SQL = "azure-native:sql:Server"
SYNAPSE = "azure-native:synapse:Workspace"
FACTORY = "azure-native:datafactory:Factory"
REGISTRY = "azure-native:containerregistry:Registry"
PURVIEW = "azure-native:purview:Account"
ML = "azure-native:machinelearningservices:Workspace"
VAULT = "azure-native:keyvault:Vault"
TAGS = {"Project": "cloudscale", "Environment": "tst", "Zone": "sales", "ManagedBy": "pulumi"}
IDENTITY_TYPES = (STORAGE, COSMOS, SQL, SYNAPSE, FACTORY, REGISTRY, PURVIEW, ML)
PUBLIC_ACCESS = {token: "publicNetworkAccess" for token in IDENTITY_TYPES} | {VAULT: "properties.publicNetworkAccess"}


def _at(path: str, value: Any, **extra: Any) -> dict[str, Any]:
    """Props with ``value`` at the dotted ``path``."""
    *parents, leaf = path.split(".")
    props: dict[str, Any] = {leaf: value}
    for part in reversed(parents):
        props = {part: props}
    return {**props, "tags": TAGS, **extra}


# (rule, type, path, compliant value, violating value)
CASES: list[tuple[str, str, str, Any, Any]] = [
    *[("public-network-access", token, path, "Disabled", "Enabled") for token, path in PUBLIC_ACCESS.items()],
    ("tls", STORAGE, "minimumTlsVersion", "TLS1_2", "TLS1_0"),
    ("tls", COSMOS, "minimalTlsVersion", "Tls12", "Tls"),
    ("tls", SQL, "minimalTlsVersion", "1.2", "1.0"),
    ("shared-key", STORAGE, "allowSharedKeyAccess", False, True),
    ("local-auth", COSMOS, "disableLocalAuth", True, False),
    ("local-auth", REGISTRY, "adminUserEnabled", False, True),
    ("anonymous-pull", REGISTRY, "anonymousPullEnabled", False, True),
    ("purge-protection", VAULT, "properties.enablePurgeProtection", True, None),
    ("entra-only", SQL, "administrators.azureADOnlyAuthentication", True, False),
    ("entra-only", SYNAPSE, "azureADOnlyAuthentication", True, False),
    ("continuous-backup", COSMOS, "backupPolicy.type", "Continuous", "Periodic"),
    ("exfiltration-protection", SYNAPSE, "managedVirtualNetworkSettings.preventDataExfiltration", True, False),
    *[("managed-identity", token, "identity.type", "SystemAssigned", "None") for token in IDENTITY_TYPES],
    ("managed-identity", SQL, "identity.type", "SystemAssigned,UserAssigned", None),
]


def _check(rule: str, token: str, props: dict[str, Any]) -> list[tuple[str, str]]:
    return [(v.severity, v.rule) for v in declared_rule(rule)(Subject(token, "r", props), StackFacts(declared()))]


@pytest.mark.parametrize(("rule", "token", "path", "good", "bad"), CASES)
def test_a_violating_resource_is_flagged_and_a_compliant_one_is_not(rule, token, path, good, bad):
    assert _check(rule, token, _at(path, bad)) == [("high", rule)]
    assert _check(rule, token, _at(path, good)) == []


@pytest.mark.parametrize(("rule", "token", "path", "good", "bad"), CASES)
def test_a_value_unknown_until_deploy_is_not_judged(rule, token, path, good, bad):
    assert _check(rule, token, _at(path, sorted(UNKNOWN_VALUES)[0])) == []


def test_the_documented_machine_learning_shared_key_exception_is_accepted_with_its_reason():
    # Azure ML's workspace store needs shared key for its file share (components/machine_learning.py).
    tags = {**TAGS, "Component": "machine_learning"}
    subject = Subject(STORAGE, "ml-store", {"allowSharedKeyAccess": True, "tags": tags})
    [violation] = declared_rule("shared-key")(subject, StackFacts(declared()))
    assert (violation.severity, violation.accepted) == ("accepted", True)
    assert "file share" in violation.message
    # The same setting on any other account stays a violation.
    assert _check("shared-key", STORAGE, {"allowSharedKeyAccess": True, "tags": {**TAGS, "Component": "lake"}}) == [
        ("high", "shared-key")
    ]


def test_dev_vaults_without_purge_protection_are_accepted_and_prd_vaults_are_not():
    dev = Subject(VAULT, "kv", {"properties": {}, "tags": {**TAGS, "Environment": "dev"}})
    prd = Subject(VAULT, "kv", {"properties": {}, "tags": {**TAGS, "Environment": "prd"}})
    rule = declared_rule("purge-protection")
    assert [v.severity for v in rule(dev, StackFacts(declared()))] == ["accepted"]
    assert [v.severity for v in rule(prd, StackFacts(declared()))] == ["high"]


def test_a_tracked_resource_missing_a_required_tag_is_flagged():
    untagged = Subject(VAULT, "kv", {"location": "westeurope", "tags": {"Project": "cloudscale"}})
    [violation] = required_tags(untagged, StackFacts(declared()))
    assert (violation.rule, violation.severity) == ("required-tags", "medium")
    assert violation.message == "missing required tags: Environment, Zone, ManagedBy"


def test_a_tracked_resource_with_the_platform_tags_passes_and_the_stack_tags_are_required_when_asked():
    tagged = Subject(VAULT, "kv", {"location": "westeurope", "tags": TAGS})
    assert required_tags(tagged, StackFacts(declared())) == []
    with_cost_center = StackFacts(declared(), required_tags=(*PLATFORM_TAG_KEYS, "CostCenter"))
    assert [v.message for v in required_tags(tagged, with_cost_center)] == ["missing required tags: CostCenter"]


def test_the_platform_tags_are_the_ones_every_zone_scope_sets():
    assert PLATFORM_TAG_KEYS == ("Project", "Environment", "Zone", "ManagedBy")


def test_a_proxy_resource_without_location_needs_no_tags():
    container = Subject("azure-native:storage:BlobContainer", "raw", {"containerName": "raw"})
    assert required_tags(container, StackFacts(declared())) == []


def test_a_type_no_component_declares_is_reported_and_a_declared_one_is_not():
    [violation] = unreviewed_type(Subject("azure-native:servicebus:Namespace", "bus", {}), StackFacts(declared()))
    assert (violation.rule, violation.severity) == ("unreviewed-type", "medium")
    assert unreviewed_type(Subject(VAULT, "kv", {}), StackFacts(declared())) == []
