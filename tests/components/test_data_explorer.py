"""Azure Data Explorer, added by the new-service recipe (docs/new-service.md): the component, its config
and its wiring, with the platform's checks (policy rules, customer-managed key, ordering, DNS zones,
protection) applying to it from its type declarations alone."""

from __future__ import annotations

import pytest
from pulumi_azure_native import kusto

from cloudscale.components import DataExplorer, DataExplorerArgs
from cloudscale.components.baseline import Principal
from cloudscale.components.core import platform_tags
from cloudscale.components.data_explorer import KEY_SIZE
from cloudscale.components.encryption_key import EncryptionKey, EncryptionKeyArgs
from cloudscale.components.library import platform_zones
from cloudscale.stacks import build_platform, load_config
from cloudscale.stacks.config import ConfigError
from cloudscale.stacks.offline.findings import findings, run_findings
from cloudscale.stacks.offline.mocks import TENANT_ID, RecordedResource
from cloudscale.stacks.offline.ordering import ordering_findings
from cloudscale.stacks.offline.report import build_plan

from ..foundation.test_wire_schema import _problems
from ..stacks.support import config_with, sales_zone
from .support import service_baseline, zone_id

CLUSTER = "azure-native:kusto:Cluster"
READERS = "7d1c2b3a-0000-4000-8000-000000000001"
INGESTORS = "7d1c2b3a-0000-4000-8000-000000000002"
VAULT_URI = "https://kv-adatum-prd-sales.vault.azure.net/"


def _cluster(environment: str = "tst", *, key_size: int | None = None, grants: bool = True) -> DataExplorer:
    baseline = service_baseline(
        environment=environment, lock=environment != "dev", tags=platform_tags(environment, "sales", "data_explorer")
    )
    key = None
    if key_size is not None:
        key = EncryptionKey(
            "sales-adx-cmk",
            EncryptionKeyArgs(
                baseline=baseline,
                vault_name="kv",
                vault_uri=VAULT_URI,
                purpose="adx",
                key_size=key_size,
                # Production keys are HSM-backed (the hsm-key rule).
                hsm=environment == "prd",
            ),
        ).customer_managed_key
    cluster = DataExplorer(
        "sales-analytics", DataExplorerArgs(baseline=baseline, tenant_id=TENANT_ID, customer_managed_key=key)
    )
    if grants:
        cluster.grant_read(Principal.group("readers", READERS))
        cluster.grant_ingest(Principal.group("ingestors", INGESTORS))
    return cluster


def test_a_cluster_by_the_recipe_passes_every_check(offline):
    run = offline.run(_cluster)
    plan = build_plan(run, stack="tst", preview=offline.preview, role="landing", protects_state=True)
    assert plan.findings == []
    assert [p for r in run.resources if r.custom for p in _problems(r.typ, r.name, r.inputs)] == []


def test_the_cluster_is_private_entra_only_and_encrypted(offline):
    cluster = offline.run(_cluster).one(CLUSTER).inputs
    assert cluster["publicNetworkAccess"] == "Disabled"
    assert cluster["trustedExternalTenants"] == []
    assert (cluster["restrictOutboundNetworkAccess"], cluster["allowedFqdnList"]) == ("Enabled", [])
    assert cluster["enableDiskEncryption"] is cluster["enableDoubleEncryption"] is True
    assert cluster["identity"] == {"type": "SystemAssigned"}
    # westeurope has availability zones; the cluster spans them.
    assert cluster["zones"] == ["1", "2", "3"]


def test_its_endpoint_registers_in_the_zones_its_type_declares(offline):
    run = offline.run(_cluster)
    [group] = run.of_type("azure-native:network:PrivateDnsZoneGroup")
    zones = (
        "privatelink.westeurope.kusto.windows.net",
        *(f"privatelink.{s}.core.windows.net" for s in ("blob", "queue", "table")),
    )
    assert [c["privateDnsZoneId"] for c in group.inputs["privateDnsZoneConfigs"]] == [zone_id(z) for z in zones]
    # The management zone hosts the cluster's regional zone, and a hub must provide it.
    assert "privatelink.westeurope.kusto.windows.net" in platform_zones("westeurope")


def test_outside_dev_the_cluster_is_protected_and_locked_and_the_database_with_it(offline):
    run = offline.run(_cluster)
    protected = {o.typ for o in run.monitor.options.values() if o.protect}
    assert {CLUSTER, "azure-native:kusto:ReadWriteDatabase"} <= protected
    [lock] = run.of_type("azure-native:authorization:ManagementLockByScope")
    assert lock.name == "sales-analytics-cluster-lock"


def test_role_writes_wait_for_each_other_and_the_ordering_check_knows_they_must(offline):
    def program() -> None:
        cluster = _cluster()
        # A third role, declared around the component: nothing orders it after the others.
        kusto.DatabasePrincipalAssignment(
            "stray-viewer",
            cluster_name=cluster.cluster.name,
            database_name=cluster.database_name,
            resource_group_name="rg-data",
            principal_id=READERS,
            principal_type="Group",
            role="Viewer",
            tenant_id=TENANT_ID,
        )

    # The component's own writes are chained; the stray one races them.
    found = ordering_findings(offline.run(program))
    assert found and {f.rule for f in found} == {"ordering-serialised-writes"}
    assert all("stray-viewer" in f"{f.resource} {f.detail}" and "Data Explorer cluster" in f.detail for f in found)


def test_roles_go_to_this_tenants_groups_on_the_database(offline):
    run = offline.run(_cluster)
    roles = {r.inputs["role"]: r.inputs for r in run.of_type("azure-native:kusto:DatabasePrincipalAssignment")}
    assert set(roles) == {"Viewer", "Ingestor"}
    assert roles["Viewer"]["principalId"] == READERS and roles["Ingestor"]["principalId"] == INGESTORS
    assert {r["principalType"] for r in roles.values()} == {"Group"}
    assert {r["tenantId"] for r in roles.values()} == {TENANT_ID}
    assert {r["databaseName"] for r in roles.values()} == {"telemetry"}


def test_prd_encrypts_with_a_key_of_its_own_size_and_the_key_rule_checks_it(offline):
    run = offline.run(lambda: _cluster("prd", key_size=KEY_SIZE))
    cluster = run.one(CLUSTER).inputs
    assert cluster["keyVaultProperties"]["keyName"] == "cmk-adatum-prd-sales-adx"
    assert "keyVersion" not in cluster["keyVaultProperties"]  # follows the key's rotation
    assert cluster["identity"]["type"] == "SystemAssigned, UserAssigned"
    assert run.one("azure-native:keyvault:Key").inputs["properties"]["keySize"] == 2048
    # (The key's vault, and the lock that covers the key in a zone, are not part of this program.)
    assert [f for f in run_findings(run) if f.severity == "high"] == []
    # The same cluster without its key is what the customer-managed-key rule stops in prd.
    bare = offline.run(lambda: _cluster("prd", grants=False))
    assert [(f.severity, f.rule) for f in run_findings(bare) if f.rule == "customer-managed-key"] == [
        ("high", "customer-managed-key")
    ]


def test_a_key_of_another_size_is_refused(offline):
    with pytest.raises(ValueError, match="takes only RSA 2048 keys, not 3072"):
        offline.run(lambda: _cluster("prd", key_size=3072))


@pytest.mark.parametrize(
    ("path", "value", "rule"),
    [
        ("publicNetworkAccess", "Enabled", "public-network-access"),
        ("trustedExternalTenants", [{"value": "*"}], "trusted-tenants"),
        ("enableDiskEncryption", False, "disk-encryption"),
        ("restrictOutboundNetworkAccess", "Disabled", "outbound-restricted"),
    ],
)
def test_the_declared_rules_flag_an_open_cluster(path, value, rule):
    inputs = {"publicNetworkAccess": "Disabled", "trustedExternalTenants": [], "enableDiskEncryption": True}
    inputs |= {"restrictOutboundNetworkAccess": "Enabled", "identity": {"type": "SystemAssigned"}, path: value}
    reported = findings(
        [RecordedResource(CLUSTER, "open", inputs, True, None, None)], protects_state=False, locked=set()
    )
    assert [f.rule for f in reported] == [rule]


def test_the_query_and_ingestion_uris_are_what_azure_returns(offline_update):
    def program() -> dict[str, object]:
        cluster = _cluster()
        return {"uri": cluster.uri, "ingest": cluster.ingestion_uri}

    run = offline_update.run(program)
    name = run.one(CLUSTER).inputs["clusterName"]
    # 4-22 characters: a long name is cut and keeps its hash (components/core/naming.py).
    assert name.startswith("decadatumtstsales") and len(name) <= 22
    assert run.exports == {
        "uri": f"https://{name}.westeurope.kusto.windows.net",
        "ingest": f"https://ingest-{name}.westeurope.kusto.windows.net",
    }


def _zone_with_data_explorer(dev_config, **service):
    zone = sales_zone(dev_config)
    zone["services"]["dataExplorer"] = {"enabled": True, "readers": [READERS], "ingestors": [INGESTORS], **service}
    return config_with(
        dev_config,
        landingZones=[zone],
        encryption={"customerManagedKeys": True},
        softDelete={"purgeProtection": True},
    )


def test_a_zone_that_enables_it_gets_it_wired_keyed_and_clean(stack_runs, mode, dev_config):
    run = stack_runs.run(_zone_with_data_explorer(dev_config), mode)
    cluster = run.one(CLUSTER).inputs
    assert cluster["tags"]["Component"] == "data_explorer"
    assert cluster["keyVaultProperties"]["keyName"] == "cmk-adatum-dev-sales-adx"
    assert {k.inputs["properties"]["keySize"] for k in run.of_type("azure-native:keyvault:Key")} == {2048, 3072}
    if mode == "update":
        assert {"dataExplorerUri", "dataExplorerDatabaseName"} <= set(run.exports["landingZones"]["sales"])
    found = run_findings(run) + ordering_findings(run)
    assert [f for f in found if f.severity != "accepted"] == []


@pytest.mark.parametrize(
    ("service", "message"),
    [
        ({"autoscaleMax": 2, "capacity": 4}, "autoscaleMax (2) is below capacity (4)"),
        ({"sku": "Standard_X1"}, "'Standard_X1' is not an Azure Data Explorer SKU"),
        ({"sku": "Dev(No SLA)_Standard_E2a_v4"}, "has exactly 1 instance"),
        ({"hotCacheDays": 400}, "hotCacheDays (400) exceeds softDeleteDays (365)"),
    ],
)
def test_bad_settings_are_refused_naming_the_key_before_anything_is_registered(offline, dev_config, service, message):
    with pytest.raises(ConfigError) as raised:
        offline.run(lambda: build_platform(load_config()), config=_zone_with_data_explorer(dev_config, **service))
    assert "landingZones[0].services.dataExplorer" in str(raised.value) and message in str(raised.value)
    assert offline.mocks is not None and offline.mocks.resources == []
