"""cloudscale.testing: a consumer's program run offline, with what Azure computes and the platform's findings."""

from __future__ import annotations

import pulumi
import pytest
from pulumi_azure_native import authorization, keyvault, network, storage

from cloudscale.components import DataLake, DataLakeArgs
from cloudscale.components.core import platform_tags
from cloudscale.testing import TENANT_ID, offline, run_in_both_modes

from ..components.support import service_baseline

pytest_plugins = ["cloudscale.testing.pytest_plugin"]


def _lake() -> dict[str, pulumi.Output[str]]:
    lake = DataLake("finance", DataLakeArgs(baseline=service_baseline(environment="tst", lock=True), purpose="fin"))
    return {"dfs": lake.dfs_endpoint}


def test_the_fixture_runs_a_program_in_update_and_preview_mode(cloudscale_offline, cloudscale_mode):
    run = cloudscale_offline.run(_lake)
    assert run.mode == cloudscale_mode
    assert run.one(storage.StorageAccount).inputs["publicNetworkAccess"] == "Disabled"
    # Azure's computed endpoint, which a lake reads back, is answered in an update and unknown in a preview.
    if run.preview:
        assert run.outputs == {} and run.resource_id(run.one(storage.StorageAccount)) == ""
    else:
        name = run.one(storage.StorageAccount).inputs["accountName"]
        assert run.outputs == {"dfs": f"https://{name}.dfs.core.windows.net/"}


def test_exports_are_read_back_like_returned_outputs():
    def program() -> None:
        pulumi.export("dfs", _lake()["dfs"])

    run = run_in_both_modes(program)["update"]
    assert run.outputs["dfs"].startswith("https://st")


def test_findings_name_what_the_platform_would_stop():
    def program() -> None:
        account = storage.StorageAccount(
            "open",
            account_name="stopen",
            resource_group_name="rg",
            location="westeurope",
            kind="StorageV2",
            sku={"name": "Standard_LRS"},
            is_hns_enabled=True,
            public_network_access="Enabled",
            tags=platform_tags("tst", "finance"),
        )
        # Two writes to one VNet at once: Azure takes them one at a time.
        vnet = network.VirtualNetwork("vnet", virtual_network_name="vnet", resource_group_name="rg")
        for name in ("a", "b"):
            network.Subnet(name, subnet_name=name, virtual_network_name=vnet.name, resource_group_name="rg")
        del account

    for run in run_in_both_modes(program).values():
        found = {(f.rule, f.resource) for f in run.violations()}
        assert ("public-network-access", "open") in found
        assert ("protect", "open") in found  # tst keeps state protected
        assert ("ordering-serialised-writes", "b") in found
        # A lake needs the customer's key only where its environment is prd.
        assert ("customer-managed-key", "open") not in found
        assert ("customer-managed-key", "open") in {(f.rule, f.resource) for f in run.findings(environment="prd")}


def test_the_client_config_invoke_answers_and_others_are_given():
    def program() -> dict[str, pulumi.Output[str]]:
        tenant = authorization.get_client_config_output().tenant_id
        vault = keyvault.get_vault_output(resource_group_name="rg", vault_name="kv")
        return {"tenant": tenant, "vault": vault.properties.vault_uri}

    answer = {"properties": {"vaultUri": "https://kv.vault.azure.net/"}, "location": "westeurope"}
    with offline(invokes={"azure-native:keyvault:getVault": lambda args: answer}) as engine:
        run = engine.run(program)
    assert run.outputs == {"tenant": TENANT_ID, "vault": "https://kv.vault.azure.net/"}


def test_an_invoke_without_an_answer_says_how_to_give_one():
    def program() -> None:
        keyvault.get_vault(resource_group_name="rg", vault_name="kv")

    with offline() as engine, pytest.raises(Exception, match="give its answer in invokes"):
        engine.run(program)


def test_config_is_the_projects():
    def program() -> dict[str, str]:
        return {"location": pulumi.Config().require("location")}

    with offline(project="finance-data") as engine:
        assert engine.run(program, config={"location": "westeurope"}).outputs == {"location": "westeurope"}
