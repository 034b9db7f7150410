"""The production stack (Pulumi.prd.yaml): what a security review reads, and the data it must not lose.

prd turns on what dev leaves off: Premium firewall with IDPS, geo-zone-redundant raw and enriched lakes,
zone-redundant Hyperscale with geo-zone backups, longer retention, customer-managed keys, and protect
plus a CanNotDelete lock on every data store. Each mode (update, preview) runs once per module.
"""

from __future__ import annotations

import copy
import datetime
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from cloudscale.components.core import BuiltInRole
from cloudscale.components.encryption_key import KEY_SIZE
from cloudscale.stacks.offline.engine import OfflineRun, RegisteredOptions
from cloudscale.stacks.offline.findings import UNKNOWN, declared
from cloudscale.stacks.offline.locks import arm_parents
from cloudscale.stacks.offline.ordering import ACTIVATION_FIRST, GRANT_FIRST, DependencyGraph, ordering_findings
from cloudscale.stacks.offline.report import build_plan
from cloudscale.stacks.offline.stack_files import PROJECT_ROOT, load_stack_config

from ..stack_runs import StackRuns

ACCOUNT = "azure-native:storage:StorageAccount"
KEY = "azure-native:keyvault:Key"
VAULT = "azure-native:keyvault:Vault"
ROTATION = "pulumi-python:dynamic/keyvault:KeyRotationPolicy"
LOCK = "azure-native:authorization:ManagementLockByScope"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
COSMOS = "azure-native:cosmosdb:DatabaseAccount"
SQL_SERVER = "azure-native:sql:Server"
SQL_DATABASE = "azure-native:sql:Database"
SYNAPSE = "azure-native:synapse:Workspace"
SYNAPSE_KEY = "azure-native:synapse:Key"
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


def test_prd_zone_key_is_hsm_backed_rsa_3072_and_rotates_before_it_expires(prd):
    (key,) = prd.by_name(KEY).values()
    properties = key["properties"]
    # HSM-backed in prd (Checkov CKV_AZURE_112), which takes a Premium vault.
    assert (properties["kty"], properties["keySize"]) == ("RSA-HSM", KEY_SIZE) == ("RSA-HSM", 3072)
    vaults = {name: vault["properties"]["sku"]["name"] for name, vault in prd.by_name(VAULT).items()}
    assert vaults["sales-vault-vault"] == "premium"
    assert properties["keyOps"] == ["wrapKey", "unwrapKey"]
    policy = properties["rotationPolicy"]
    assert policy["attributes"] == {"expiryTime": "P1Y"}
    assert {a["action"]["type"]: a["trigger"] for a in policy["lifetimeActions"]} == {
        "rotate": {"timeAfterCreate": "P11M"},
        "notify": {"timeBeforeExpiry": "P30D"},
    }
    # The zone's vault, by its name output: known once the vault exists.
    assert prd.preview or key["vaultName"].startswith("kv-adatum-prd-sales")


def test_prd_key_first_version_expires_and_later_changes_go_through_the_data_plane(prd):
    # The rotation policy's expiryTime applies to versions it creates; the first version needs its own
    # expiry (Checkov CKV_AZURE_40). ARM's Keys - Create If Not Exist writes nothing to an existing key
    # (Microsoft Learn, REST API Key Vault management), so the policy and expiry are left out of the key's
    # diff and written by the rotation resource through the vault's data plane.
    (key,) = prd.by_name(KEY).values()
    expires = key["properties"]["attributes"]["expires"]
    year = datetime.timedelta(days=365).total_seconds()
    # A year after the run (the leap day decides 365 or 366 days).
    assert abs(expires - time.time() - year) < 2 * 86400
    (option,) = prd.options(KEY)
    assert set(option.ignore_changes) == {"properties.rotationPolicy", "properties.attributes.expires"}
    (rotation,) = prd.by_name(ROTATION).values()
    assert (rotation["expiry_time"], rotation["rotate_after"], rotation["notify_before_expiry"]) == (
        "P1Y",
        "P11M",
        "P30D",
    )
    # After the key (it names it) and after the vault's private endpoint and DNS zone group: a data-plane call.
    graph = DependencyGraph(prd.run.monitor.options)
    (rotation_urn,) = [o.urn for o in prd.options(ROTATION)]
    dns = [o.urn for o in prd.options("azure-native:network:PrivateDnsZoneGroup") if o.name.startswith("sales-vault-")]
    assert dns and all(graph.after(rotation_urn, urn) for urn in [option.urn, *dns])


def _key_grants(run: StackRun) -> dict[str, tuple[RegisteredOptions, dict[str, Any]]]:
    """Role assignments of "Key Vault Crypto Service Encryption User", by logical name."""
    crypto = BuiltInRole.KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER
    assert crypto.value == "e147488a-f6f5-4113-8e2d-b22465e65bf6"
    inputs = run.by_name(ASSIGNMENT)
    grants = {}
    for option in run.options(ASSIGNMENT):
        role = inputs[option.name]["roleDefinitionId"]
        # The role's id is built from the scope, unknown in a preview; its name is in the logical name.
        if crypto.name.lower().replace("_", "-") in option.name:
            assert run.preview or role.endswith(f"/roleDefinitions/{crypto.value}")
            grants[option.name] = (option, inputs[option.name])
    return grants


def test_prd_only_the_zone_identity_and_synapse_may_use_the_key(prd_update):
    run = prd_update.run
    key_id = run.mocks.ids[(KEY, "sales-cmk-key")]
    (identity,) = [o.urn for o in prd_update.options(IDENTITY) if o.name == "sales-cmk-identity"]
    (workspace,) = [o.urn for o in prd_update.options(SYNAPSE)]
    grants = _key_grants(prd_update)
    holders = {urn for option, _inputs in grants.values() for urn in option.property_dependencies["principalId"]}
    assert len(grants) == 2 and holders == {identity, workspace}
    # Scoped to the key itself, not the vault.
    assert {inputs["scope"] for _option, inputs in grants.values()} == {key_id}
    assert all(_known(inputs["principalId"]) for _option, inputs in grants.values())


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


def test_prd_cosmos_and_sql_encrypt_with_the_zone_key_through_its_identity(prd_update):
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


def test_prd_synapse_reaches_its_key_as_its_own_identity_and_is_activated(prd_update):
    # Microsoft Learn, "Encryption for Azure Synapse Analytics workspaces" (workspaces-encryption.md): "A
    # User-assigned Managed Identity cannot be configured to access customer-managed key when Azure Key
    # Vault is behind a firewall"; the workspace's system-assigned identity is granted on the key, then
    # the workspace is activated (``Microsoft.Synapse/workspaces/keys`` with ``isActiveCMK``).
    key_uri = f"https://{prd_update.by_name(KEY)['sales-cmk-key']['vaultName']}.vault.azure.net/keys/cmk-adatum-prd-sales-data"
    workspace = prd_update.by_name(SYNAPSE)["sales-synapse-workspace"]
    assert workspace["identity"] == {"type": "SystemAssigned"}
    assert workspace["encryption"] == {
        "cmk": {
            "key": {"name": "cmk-adatum-prd-sales-data", "keyVaultUrl": key_uri},
            "kekIdentity": {"useSystemAssignedIdentity": True},
        }
    }
    (activation,) = prd_update.by_name(SYNAPSE_KEY).values()
    assert activation["isActiveCMK"] is True
    assert (activation["keyName"], activation["keyVaultUrl"]) == ("cmk-adatum-prd-sales-data", key_uri)
    assert activation["workspaceName"] == workspace["workspaceName"]


def test_prd_synapse_is_activated_after_its_grant_and_used_after_its_activation(prd):
    options = prd.run.monitor.options
    graph = DependencyGraph(options)
    (workspace,) = [o.urn for o in prd.options(SYNAPSE)]
    (activation,) = [o.urn for o in prd.options(SYNAPSE_KEY)]
    workspace_name = options[workspace].name
    (grant,) = [option for name, (option, _inputs) in _key_grants(prd).items() if name.endswith(workspace_name)]
    assert graph.after(activation, grant.urn)
    # The Spark pool and every data-plane call wait for the activation.
    pool = next(o.urn for o in options.values() if o.typ == "azure-native:synapse:BigDataPool")
    data_plane = [o.urn for o in options.values() if o.typ.startswith("pulumi-python:dynamic/synapse:")]
    assert data_plane
    assert [urn for urn in (pool, *data_plane) if not graph.after(urn, activation)] == []


def test_the_ordering_check_knows_a_pending_workspace_refuses_writes(prd_update):
    run = copy.deepcopy(prd_update.run)  # the shared run is read-only
    options = run.monitor.options
    (activation,) = [o.urn for o in options.values() if o.typ == SYNAPSE_KEY]
    for option in options.values():
        option.dependencies = [urn for urn in option.dependencies if urn != activation]
    found = {f.resource: f.severity for f in ordering_findings(run) if f.rule == ACTIVATION_FIRST}
    assert found["sales-synapse-spark"] == "high"
    assert "sales-synapse-mpe-lake-raw" in found
    # And the activation itself must wait for the workspace identity's grant on the key.
    options[activation].dependencies = []
    assert any(f.rule == GRANT_FIRST and f.resource == options[activation].name for f in ordering_findings(run))


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
    assert dev.run.of_type(SYNAPSE_KEY) == []
    assert "keyVaultKeyUri" not in dev.by_name(COSMOS)["sales-customer-service-account"]
    # Stack outputs are known in an update only.
    assert dev.preview or not [a for a in dev.run.exports["operatorActions"] if "Cosmos DB" in a]


# --------------------------------------------------------------------------------------------------
# Data safety


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
                todo.extend(arm_parents(options[current]))
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


def test_the_key_lifecycle_is_safe_for_synapse_which_does_not_follow_rotation(prd):
    # Microsoft Learn, "Encryption for Azure Synapse Analytics workspaces": Synapse "does not automatically
    # re-encrypt data when new key versions are created". Its data stays wrapped by the version current at
    # activation, so that version must stay usable for unwrap: rotation only adds versions (no action that
    # disables or deletes one), Key Vault unwraps with an expired version ("About keys": date-time
    # controlled operations), the key and its vault cannot be deleted or purged.
    (key,) = prd.by_name(KEY).values()
    assert "unwrapKey" in key["properties"]["keyOps"]
    actions = {a["action"]["type"] for a in key["properties"]["rotationPolicy"]["lifetimeActions"]}
    assert actions == {"rotate", "notify"}
    (option,) = prd.options(KEY)
    assert option.protect
    (vault,) = [v for name, v in prd.by_name(VAULT).items() if name == "sales-vault-vault"]
    assert vault["properties"]["enablePurgeProtection"] is True
    # And the production page says which: Synapse is not among the services that follow rotation.
    page = (PROJECT_ROOT / "docs" / "production.md").read_text()
    rotation = page.split("\n## Rotation\n", 1)[1].split("\n## ", 1)[0]
    assert "Storage, Cosmos DB and SQL TDE" in rotation and "Synapse does not" in rotation
    assert "made safe" in rotation


def test_the_ordering_check_knows_the_key_lifecycle_calls_the_vault_through_its_endpoint(prd_update):
    # A data-plane call resolves the vault's name to its private endpoint only once the DNS zone group
    # registered it (Microsoft Learn, Azure Private Endpoint DNS configuration).
    run = copy.deepcopy(prd_update.run)  # the shared run is read-only
    (rotation,) = [o for o in run.monitor.options.values() if o.typ == ROTATION]
    rotation.dependencies = [u for u in rotation.dependencies if "PrivateDnsZoneGroup" not in u]
    found = [f for f in ordering_findings(run) if f.resource == rotation.name]
    assert [f.rule for f in found] == ["ordering-dns-before-data-plane"]
