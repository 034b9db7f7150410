"""The finance stack, offline: what it declares, and that the platform's checks find nothing to fix."""

from __future__ import annotations

import dataclasses

from finance_data import LEDGER, FinanceSettings, finance_data
from pulumi_azure_native import authorization, keyvault, storage

from cloudscale.testing import OfflineEngine, ProgramRun

SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups"
SETTINGS = FinanceSettings(
    environment="tst",
    location="westeurope",
    name_seed="00000000-0000-0000-0000-000000000000",
    endpoint_subnet_id=f"{SUBSCRIPTION}/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/pe",
    dns_zones_resource_group_id=f"{SUBSCRIPTION}/rg-dns",
    log_analytics_workspace_id=f"{SUBSCRIPTION}/rg-mon/providers/Microsoft.OperationalInsights/workspaces/log",
    readers_group_id="3f2504e0-4f89-41d3-9a0c-0305e82c3301",
)


def _run(engine: OfflineEngine, environment: str = "tst") -> ProgramRun:
    settings = dataclasses.replace(SETTINGS, environment=environment)
    return engine.run(lambda: finance_data(settings))


def test_the_platforms_checks_find_nothing_to_fix(cloudscale_offline: OfflineEngine) -> None:
    run = _run(cloudscale_offline)
    assert run.violations() == []
    # Outside dev the lake and the vault are protected and locked, as the checks ask.
    assert run.options("finance-account").protect
    assert run.of_type(authorization.ManagementLockByScope)


def test_the_lake_is_private_and_entra_only(cloudscale_offline: OfflineEngine) -> None:
    account = _run(cloudscale_offline).one(storage.StorageAccount).inputs
    assert account["publicNetworkAccess"] == "Disabled"
    assert account["allowSharedKeyAccess"] is False
    assert account["minimumTlsVersion"] == "TLS1_2"


def test_the_readers_read_the_ledger_container_and_the_vaults_secrets(cloudscale_offline: OfflineEngine) -> None:
    run = _run(cloudscale_offline)
    grants = run.of_type(authorization.RoleAssignment)
    assert {g.inputs["principalId"] for g in grants} == {SETTINGS.readers_group_id}
    if not run.preview:
        ledger = next(c for c in run.of_type(storage.BlobContainer) if c.inputs["containerName"] == LEDGER)
        vault = run.one(keyvault.Vault)
        assert {g.inputs["scope"] for g in grants} == {run.resource_id(ledger), run.resource_id(vault)}


def test_prd_encrypts_the_lake_with_the_teams_key(cloudscale_offline: OfflineEngine) -> None:
    run = _run(cloudscale_offline, "prd")
    assert run.violations() == []
    encryption = run.one(storage.StorageAccount).inputs["encryption"]
    assert encryption["keySource"] == "Microsoft.Keyvault"
    # Production keys never leave the vault's HSMs, so the vault is Premium.
    assert run.one(keyvault.Key).inputs["properties"]["kty"] == "RSA-HSM"
    assert run.one(keyvault.Vault).inputs["properties"]["sku"]["name"] == "premium"


def test_the_lakes_endpoint_is_what_azure_will_return(cloudscale_offline: OfflineEngine) -> None:
    run = _run(cloudscale_offline)
    name = run.outputs.get("lakeAccountName") or run.one(storage.StorageAccount).inputs["accountName"]
    if run.preview:
        # Unknown until Azure creates the account, as in `pulumi preview`.
        assert "lakeDfsEndpoint" not in run.outputs
    else:
        assert run.outputs["lakeDfsEndpoint"] == f"https://{name}.dfs.core.windows.net/"
