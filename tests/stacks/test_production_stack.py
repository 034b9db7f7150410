"""The production stack (Pulumi.prd.yaml): what a security review reads, and the data it must not lose.

prd turns on what dev leaves off: Premium firewall with IDPS, geo-zone-redundant raw and enriched lakes,
zone-redundant Hyperscale with geo-zone backups, longer retention, customer-managed keys, and protect
plus a CanNotDelete lock on every data store. Each mode (update, preview) runs once per module.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from cloudscale.components.core import BuiltInRole
from cloudscale.components.encryption_key import KEY_SIZE
from cloudscale.stacks.offline.engine import OfflineRun, RegisteredOptions
from cloudscale.stacks.offline.findings import UNKNOWN, declared
from cloudscale.stacks.offline.ordering import DependencyGraph
from cloudscale.stacks.offline.report import build_plan
from cloudscale.stacks.offline.stack_files import load_stack_config

from ..stack_runs import StackRuns

ACCOUNT = "azure-native:storage:StorageAccount"
KEY = "azure-native:keyvault:Key"
LOCK = "azure-native:authorization:ManagementLockByScope"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
COSMOS = "azure-native:cosmosdb:DatabaseAccount"
SQL_SERVER = "azure-native:sql:Server"
SQL_DATABASE = "azure-native:sql:Database"
SYNAPSE = "azure-native:synapse:Workspace"
LAKES = ("raw", "enriched", "workspace", "external")
# What must never be lost with a rename or a destroy, by type: the brief of the platform's data safety.
DATA_STORES = {
    ACCOUNT,
    "azure-native:storage:BlobContainer",
    COSMOS,
    "azure-native:cosmosdb:SqlResourceSqlDatabase",
    "azure-native:cosmosdb:SqlResourceSqlContainer",
    SQL_SERVER,
    SQL_DATABASE,
    "azure-native:keyvault:Vault",
    KEY,
    SYNAPSE,
    "azure-native:purview:Account",
    "azure-native:containerregistry:Registry",
    "azure-native:operationalinsights:Workspace",
    "azure-native:machinelearningservices:Workspace",
}


@dataclass
class StackRun:
    run: OfflineRun
    preview: bool

    def by_name(self, typ: str) -> dict[str, dict[str, Any]]:
        return {r.name: r.inputs for r in self.run.of_type(typ)}

    def options(self, typ: str) -> list[RegisteredOptions]:
        return [o for o in self.run.monitor.options.values() if o.typ == typ]


@pytest.fixture(scope="module")
def runs(stack_runs: StackRuns) -> Callable[[str, str], StackRun]:
    """The bundled stack's shared run (``stack_runs``), in its own stack file's config."""

    def run(stack: str, mode: str) -> StackRun:
        return StackRun(stack_runs.run(load_stack_config(stack), mode, stack=stack), mode == "preview")

    return run


def _run(runs: Callable[[str, str], StackRun], stack: str, mode: str) -> StackRun:
    return runs(stack, mode)


@pytest.fixture(scope="module", params=["update", "preview"])
def prd(request: pytest.FixtureRequest, runs: Callable[[str, str], StackRun]) -> Iterator[StackRun]:
    yield _run(runs, "prd", request.param)


@pytest.fixture(scope="module")
def prd_update(runs: Callable[[str, str], StackRun]) -> StackRun:
    """For values a preview does not know yet: the identity's id and principal id."""
    return _run(runs, "prd", "update")


@pytest.fixture(scope="module", params=["update", "preview"])
def dev(request: pytest.FixtureRequest, runs: Callable[[str, str], StackRun]) -> StackRun:
    return _run(runs, "dev", request.param)


def _known(value: Any) -> bool:
    return isinstance(value, str) and bool(value) and UNKNOWN not in value


# --------------------------------------------------------------------------------------------------
# A clean plan


def test_prd_plans_with_no_violation_and_no_ordering_finding(prd):
    plan = build_plan(prd.run, stack="prd", preview=prd.preview, role="all", protects_state=True)
    assert [f for f in plan.findings if f.severity != "accepted"] == []


def test_prd_firewall_is_premium_with_intrusion_prevention(prd):
    (policy,) = prd.by_name("azure-native:network:FirewallPolicy").values()
    assert policy["sku"] == {"tier": "Premium"}
    assert policy["intrusionDetection"] == {"mode": "Deny"}
    (firewall,) = prd.by_name("azure-native:network:AzureFirewall").values()
    assert firewall["sku"]["tier"] == "Premium"


def test_prd_keeps_raw_enriched_and_published_data_geo_zone_redundant(prd):
    # The workspace lake holds the published products: a regional outage must not lose what the
    # serving views read (Microsoft Learn, "Azure Storage
    # redundancy": GZRS keeps zone copies in the primary region and a copy in the secondary region).
    accounts = prd.by_name(ACCOUNT)
    skus = {lake: accounts[f"sales-lake-{lake}-account"]["sku"]["name"] for lake in LAKES}
    assert skus == {
        "raw": "Standard_GZRS",
        "enriched": "Standard_GZRS",
        "workspace": "Standard_GZRS",
        "external": "Standard_ZRS",
    }
    # Zone-redundant accounts have no Archive tier: their old blobs go to Cold.
    policy = prd.by_name("azure-native:storage:ManagementPolicy")["sales-lake-raw-lifecycle"]
    assert "tierToCold" in policy["policy"]["rules"][0]["definition"]["actions"]["baseBlob"]


def test_prd_retains_longer_than_dev(prd):
    database = prd.by_name(SQL_DATABASE)["sales-erp-database"]
    assert database["zoneRedundant"] is True
    assert database["requestedBackupStorageRedundancy"] == "GeoZone"
    retention = prd.by_name("azure-native:sql:BackupShortTermRetentionPolicy")
    assert [policy["retentionDays"] for policy in retention.values()] == [35]
    cosmos = prd.by_name(COSMOS)["sales-customer-service-account"]
    assert cosmos["backupPolicy"]["continuousModeProperties"]["tier"] == "Continuous30Days"
    assert cosmos["locations"][0]["isZoneRedundant"] is True
    workspaces = prd.by_name("azure-native:operationalinsights:Workspace")
    assert {w["retentionInDays"] for w in workspaces.values()} == {365}
    blob = prd.by_name("azure-native:storage:BlobServiceProperties")["sales-lake-raw-blob-service"]
    assert blob["deleteRetentionPolicy"] == {"enabled": True, "days": 90}
    vaults = prd.by_name("azure-native:keyvault:Vault")
    assert {v["properties"]["softDeleteRetentionInDays"] for v in vaults.values()} == {90}
    assert all(v["properties"]["enablePurgeProtection"] is True for v in vaults.values())


# --------------------------------------------------------------------------------------------------
# Customer-managed keys


def test_prd_zone_key_is_rsa_3072_and_rotates_before_it_expires(prd):
    (key,) = prd.by_name(KEY).values()
    properties = key["properties"]
    assert (properties["kty"], properties["keySize"]) == ("RSA", KEY_SIZE) == ("RSA", 3072)
    assert properties["keyOps"] == ["wrapKey", "unwrapKey"]
    policy = properties["rotationPolicy"]
    assert policy["attributes"] == {"expiryTime": "P1Y"}
    assert {a["action"]["type"]: a["trigger"] for a in policy["lifetimeActions"]} == {
        "rotate": {"timeAfterCreate": "P11M"},
        "notify": {"timeBeforeExpiry": "P30D"},
    }
    # The zone's vault, by its name output: known once the vault exists.
    assert prd.preview or key["vaultName"].startswith("kv-adatum-prd-sales")


def test_prd_zone_identity_may_use_the_key_and_nothing_else(prd_update):
    run = prd_update.run
    key_id = run.mocks.ids[(KEY, "sales-cmk-key")]
    crypto = BuiltInRole.KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER
    assert crypto.value == "e147488a-f6f5-4113-8e2d-b22465e65bf6"
    grants = [o for o in prd_update.options(ASSIGNMENT) if crypto.name.lower().replace("_", "-") in o.name]
    assert len(grants) == 1
    inputs = prd_update.by_name(ASSIGNMENT)[grants[0].name]
    assert inputs["roleDefinitionId"].endswith(f"/roleDefinitions/{crypto.value}")
    # Scoped to the key itself, not the vault, and held by the zone's key identity.
    assert inputs["scope"] == key_id
    (identity,) = [o.urn for o in prd_update.options(IDENTITY) if o.name == "sales-cmk-identity"]
    assert grants[0].property_dependencies["principalId"] == [identity]
    assert _known(inputs["principalId"])


def test_prd_lakes_encrypt_with_the_versionless_zone_key(prd_update):
    run = prd_update.run
    identity_id = run.mocks.ids[(IDENTITY, "sales-cmk-identity")]
    for lake in LAKES:
        account = prd_update.by_name(ACCOUNT)[f"sales-lake-{lake}-account"]
        encryption = account["encryption"]
        assert encryption["keySource"] == "Microsoft.Keyvault"
        assert encryption["requireInfrastructureEncryption"] is True
        vault = encryption["keyVaultProperties"]
        assert vault["keyName"] == "cmk-adatum-prd-sales-data"
        assert vault["keyVaultUri"].startswith("https://kv-adatum-prd-sales-")
        # No version: the account follows the key's rotation.
        assert "keyVersion" not in vault
        assert encryption["encryptionIdentity"] == {"encryptionUserAssignedIdentity": identity_id}
        assert account["identity"] == {"type": "SystemAssigned,UserAssigned", "userAssignedIdentities": [identity_id]}


def test_prd_cosmos_sql_and_synapse_encrypt_with_the_zone_key(prd_update):
    run = prd_update.run
    identity_id = run.mocks.ids[(IDENTITY, "sales-cmk-identity")]
    key_uri = f"https://{prd_update.by_name(KEY)['sales-cmk-key']['vaultName']}.vault.azure.net/keys/cmk-adatum-prd-sales-data"
    cosmos = prd_update.by_name(COSMOS)["sales-customer-service-account"]
    assert cosmos["keyVaultKeyUri"] == key_uri
    assert cosmos["defaultIdentity"] == f"UserAssignedIdentity={identity_id}"
    assert cosmos["identity"]["userAssignedIdentities"] == [identity_id]
    server = prd_update.by_name(SQL_SERVER)["sales-erp-server"]
    assert server["keyId"] == key_uri
    assert server["primaryUserAssignedIdentityId"] == identity_id
    assert server["identity"] == {"type": "SystemAssigned,UserAssigned", "userAssignedIdentities": [identity_id]}
    workspace = prd_update.by_name(SYNAPSE)["sales-synapse-workspace"]
    assert workspace["encryption"] == {
        "cmk": {
            "key": {"name": "cmk-adatum-prd-sales-data", "keyVaultUrl": key_uri},
            "kekIdentity": {"userAssignedIdentity": identity_id, "useSystemAssignedIdentity": False},
        }
    }
    assert workspace["identity"]["type"] == "SystemAssigned,UserAssigned"


def test_prd_every_encrypted_service_is_created_after_its_identity_may_use_the_key(prd):
    options = prd.run.monitor.options
    graph = DependencyGraph(options)
    crypto = BuiltInRole.KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER.name.lower().replace("_", "-")
    (grant,) = [urn for urn, o in options.items() if o.typ == ASSIGNMENT and crypto in o.name]
    encrypted = [
        urn
        for urn, o in options.items()
        if (o.typ == ACCOUNT and o.name.startswith("sales-lake-")) or o.typ in (COSMOS, SQL_SERVER, SYNAPSE)
    ]
    assert len(encrypted) == 7
    assert [options[urn].name for urn in encrypted if not graph.after(urn, grant)] == []


def test_prd_asks_to_verify_that_cosmos_reaches_its_key_through_the_vault_firewall(prd_update):
    # Cosmos DB's customer-managed key page (azure-databases-docs how-to-setup-customer-managed-keys.md)
    # says trusted services suffice; Key Vault's trusted-services table (azure-security-docs
    # overview-vnet-service-endpoints.md) does not list Cosmos DB. Only a deployment settles it.
    (note,) = [a for a in prd_update.run.exports["operatorActions"] if "Cosmos DB" in a]
    assert "landing zone sales" in note and "first pulumi up" in note and "trusted" in note


def test_dev_keeps_platform_managed_keys(dev):
    assert dev.run.of_type(KEY) == []
    assert {a["encryption"]["keySource"] for a in dev.by_name(ACCOUNT).values()} == {"Microsoft.Storage"}
    assert "keyId" not in dev.by_name(SQL_SERVER)["sales-erp-server"]
    assert "encryption" not in dev.by_name(SYNAPSE)["sales-synapse-workspace"]
    assert "keyVaultKeyUri" not in dev.by_name(COSMOS)["sales-customer-service-account"]
    # Stack outputs are known in an update only.
    assert dev.preview or not [a for a in dev.run.exports["operatorActions"] if "Cosmos DB" in a]


# --------------------------------------------------------------------------------------------------
# Data safety


def _arm_parents(option: RegisteredOptions) -> set[str]:
    """The resources a resource's parent names came from (a container's account, a key's vault)."""
    return {
        urn
        for prop, urns in option.property_dependencies.items()
        if prop.endswith("Name") and prop != "resourceGroupName"
        for urn in urns
    }


def _unguarded(run: OfflineRun) -> list[str]:
    """Stateful resources without protect, or without a CanNotDelete lock on them or an ARM ancestor."""
    options = run.monitor.options
    locked = {urn for o in options.values() if o.typ == LOCK for urn in o.property_dependencies.get("scope", [])}
    locks = {r.name: r.inputs for r in run.of_type(LOCK)}
    assert {lock["level"] for lock in locks.values()} == {"CanNotDelete"}
    problems = []
    for urn, option in options.items():
        facts = declared().get(option.typ)
        if facts is None or not facts.stateful:
            continue
        if not option.protect:
            problems.append(f"{option.name}: not protected")
        ancestry, todo = set(), [urn]
        while todo:
            current = todo.pop()
            if current not in ancestry:
                ancestry.add(current)
                todo.extend(_arm_parents(options[current]))
        if not ancestry & locked:
            problems.append(f"{option.name}: no delete lock on it or on what holds it")
    return problems


def test_the_type_facts_know_every_data_store_is_stateful():
    assert [typ for typ in sorted(DATA_STORES) if not (declared().get(typ) and declared().get(typ).stateful)] == []


def test_prd_protects_and_locks_every_stateful_resource(prd):
    assert _unguarded(prd.run) == []
    stateful = {o.typ for o in prd.run.monitor.options.values() if (f := declared().get(o.typ)) and f.stateful}
    # Every data store the platform deploys is among them.
    assert stateful >= DATA_STORES


def test_the_check_catches_a_data_store_without_its_lock(prd):
    run = copy.deepcopy(prd.run)  # the shared run is read-only
    lock = next(o for o in run.monitor.options.values() if o.typ == LOCK and o.name == "sales-lake-raw-account-lock")
    lock.property_dependencies["scope"] = []
    unguarded = _unguarded(run)
    # The account and every container in it lose their lock.
    assert "sales-lake-raw-account: no delete lock on it or on what holds it" in unguarded
    assert "sales-lake-raw-crm: no delete lock on it or on what holds it" in unguarded


def test_dev_can_be_destroyed(dev):
    assert [o.name for o in dev.run.monitor.options.values() if o.protect] == []
    assert dev.run.of_type(LOCK) == []
