"""Destroy and recreate: dev's vaults can be purged, tst and prd keep purge protection, and recovery is a switch."""

from __future__ import annotations

import pytest

from cloudscale.stacks import build_platform, load_config
from cloudscale.stacks.config import ConfigError, parse_config
from cloudscale.stacks.offline.findings import findings
from cloudscale.stacks.offline.mocks import RecordedResource
from tests.stacks.support import config_with

VAULT = "azure-native:keyvault:Vault"


def _vaults(stack_runs, values):
    run = stack_runs.run(values)
    vaults = run.of_type(VAULT)
    # The management zone's, the landing zone's, and Azure ML's own vault all follow one policy.
    assert len(vaults) == 3
    return run, vaults


def test_dev_creates_vaults_without_purge_protection_so_they_can_be_purged(stack_runs, dev_config):
    run, vaults = _vaults(stack_runs, dev_config)
    for vault in vaults:
        properties = vault.inputs["properties"]
        # Azure refuses false; the only way to create a vault without purge protection is to leave it out.
        assert "enablePurgeProtection" not in properties, vault.name
        assert properties["enableSoftDelete"] is True
        assert properties["createMode"] == "default"
    reported = findings(run.resources, protects_state=False, locked=set())
    purge = [f for f in reported if f.rule == "purge-protection"]
    assert {f.resource for f in purge} == {v.name for v in vaults}
    assert {f.severity for f in purge} == {"accepted"}
    assert all("cloudscale:softDelete.purgeProtection" in f.detail for f in purge)


@pytest.mark.parametrize("environment", ["tst", "prd"])
def test_tst_and_prd_keep_purge_protection_by_default(stack_runs, dev_config, environment):
    run, vaults = _vaults(stack_runs, config_with(dev_config, environment=environment))
    assert [v.inputs["properties"]["enablePurgeProtection"] for v in vaults] == [True, True, True]
    reported = findings(run.resources, protects_state=True, locked=set())
    assert [f for f in reported if f.rule == "purge-protection"] == []


def test_dev_may_choose_purge_protection(stack_runs, dev_config):
    _, vaults = _vaults(stack_runs, config_with(dev_config, softDelete={"purgeProtection": True}))
    assert [v.inputs["properties"]["enablePurgeProtection"] for v in vaults] == [True, True, True]


@pytest.mark.parametrize("environment", ["tst", "prd"])
def test_purge_protection_off_is_refused_outside_dev(offline, dev_config, environment):
    values = config_with(dev_config, environment=environment, softDelete={"purgeProtection": False})
    with pytest.raises(ConfigError) as raised:
        parse_config(values)
    assert raised.value.keys == ["softDelete.purgeProtection"]
    assert f"cloudscale:softDelete.purgeProtection: can be false only in dev, not in {environment}" in str(raised.value)
    with pytest.raises(ConfigError):
        offline.run(lambda: build_platform(load_config()), config=values)
    assert offline.mocks is not None and offline.mocks.resources == []


def test_recover_deleted_recreates_vaults_in_recover_mode(stack_runs, mode, dev_config):
    values = config_with(dev_config, environment="tst", softDelete={"recoverDeleted": True})
    run = stack_runs.run(values, mode)
    vaults = run.of_type(VAULT)
    assert [v.inputs["properties"]["createMode"] for v in vaults] == ["recover"] * 3
    # Switching back to "default" after the recovery must not touch the vault.
    options = [o for o in run.monitor.options.values() if o.typ == VAULT]
    assert [o.ignore_changes for o in options] == [["properties.createMode"]] * 3


def test_purge_protection_off_is_flagged_where_the_environment_is_not_dev():
    def vault(environment: str) -> RecordedResource:
        inputs = {"properties": {"publicNetworkAccess": "Disabled"}, "tags": {"Environment": environment}}
        return RecordedResource(VAULT, f"kv-{environment}", inputs, True, None, None)

    reported = findings([vault("dev"), vault("tst"), vault("prd")], protects_state=False, locked=set())
    assert [(f.severity, f.resource) for f in reported if f.rule == "purge-protection"] == [
        ("accepted", "kv-dev"),
        ("high", "kv-tst"),
        ("high", "kv-prd"),
    ]


def test_the_sdk_offers_no_soft_delete_option_for_a_workspace_so_dev_purges_it_by_hand():
    # docs/beyond-up.md, "Destroying and recreating dev", rests on this: azure-native's Workspace takes no soft-delete,
    # recover or purge input, and its provider has no feature flag for it. Should one appear, use it.
    import inspect

    from pulumi_azure_native import Provider
    from pulumi_azure_native.machinelearningservices import WorkspaceArgs

    names = set(inspect.signature(WorkspaceArgs.__init__).parameters) | set(
        inspect.signature(Provider._internal_init).parameters
    )
    assert "hbi_workspace" in names
    assert [n for n in names if any(word in n for word in ("soft", "purge", "recover"))] == []
