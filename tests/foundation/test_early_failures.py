"""Mistakes that Azure would report late, or Python would report obscurely, fail early and name their cause."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from pulumi.runtime import MockCallArgs, MockResourceArgs
from pulumi_azure_native import storage

from cloudscale.components.baseline import MissingIdentityError, Principal, grant
from cloudscale.components.core import BuiltInRole, Namer
from cloudscale.stacks import build_platform, load_config
from cloudscale.stacks.config import ConfigError, parse_config
from cloudscale.stacks.offline.engine import StrictMonitor, run_program
from cloudscale.stacks.offline.mocks import AzureMocks
from tests.stacks.support import config_with

ACCOUNT = "azure-native:storage:StorageAccount"


def _account(identity: dict[str, Any] | None) -> storage.StorageAccount:
    return storage.StorageAccount(
        "probe",
        account_name="stprobe",
        resource_group_name="rg",
        kind="StorageV2",
        sku={"name": "LRS"},
        identity=identity,
    )


def _granted(identity: dict[str, Any] | None) -> None:
    account = _account(identity)
    principal = Principal.of_resource("probe", account, identity=identity)
    grant(account, "probe", scope="/subscriptions/s", scope_key="s", role=BuiltInRole.READER, principal=principal)


@pytest.mark.parametrize("identity", [None, {"type": "UserAssigned"}, {"type": "None"}])
def test_a_principal_of_a_resource_without_identity_fails_at_declaration(offline, identity):
    with pytest.raises(MissingIdentityError, match="StorageAccount 'probe' was declared without a system-assigned"):
        offline.run(lambda: _granted(identity))
    # Nothing reached Azure: not even a role assignment with no principal.
    assert offline.mocks is not None
    assert not offline.mocks.resources or [r.typ for r in offline.mocks.resources] == [ACCOUNT]


class _NoPrincipalMocks(AzureMocks):
    """Azure answering without the identity block, as for a service that ignored the request."""

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        resource_id, outputs = super().new_resource(args)
        outputs.pop("identity", None)
        return resource_id, outputs


def test_an_update_without_a_principal_id_fails_naming_the_resource(offline_update):
    mock = _NoPrincipalMocks()
    monitor = StrictMonitor(mock)
    pulumi.runtime.set_mocks(mock, project="cloudscale", stack="dev", preview=False, monitor=monitor)
    with pytest.raises(Exception, match="StorageAccount 'probe': Azure returned no system-assigned principal id"):
        run_program(lambda: _granted({"type": "SystemAssigned"}), mock, monitor)
    assigned = [r for r in mock.resources if r.typ == "azure-native:authorization:RoleAssignment"]
    assert all(r.inputs.get("principalId") for r in assigned)


def test_an_unknown_zone_is_a_config_error_naming_the_key(dev_config):
    config = parse_config(dev_config)
    with pytest.raises(ConfigError) as raised:
        config.zone("finance")
    assert str(raised.value.problems[0]) == (
        "cloudscale:landingZones: no landing zone named 'finance' in landingZones; configured: sales"
    )
    with pytest.raises(ConfigError, match="cloudscale:landingZone: no landing zone named 'hr'"):
        config.model_copy(update={"role": "landing", "landing_zone": "hr"}).deployed_zones()


@pytest.mark.parametrize("environment", ["tst", "prd"])
def test_a_name_seed_is_required_outside_dev(offline, dev_config, environment):
    values = config_with(dev_config, environment=environment, nameSeed="")
    with pytest.raises(ConfigError) as raised:
        parse_config(values)
    assert raised.value.keys == ["nameSeed"]
    assert f"cloudscale:nameSeed: required in {environment}" in str(raised.value)
    with pytest.raises(ConfigError):
        offline.run(lambda: build_platform(load_config()), config=values)
    assert offline.mocks is not None and offline.mocks.resources == []


class _SubscriptionMocks(AzureMocks):
    subscription_id: str = ""

    def call(self, args: MockCallArgs) -> dict[str, Any]:
        answer = super().call(args)
        return {**answer, "subscriptionId": self.subscription_id}


def _vault_names_in(subscription_id: str, values: dict[str, str]) -> list[str]:
    mock = _SubscriptionMocks()
    mock.subscription_id = subscription_id
    monitor = StrictMonitor(mock)
    pulumi.runtime.set_mocks(mock, project="cloudscale", stack="dev", preview=False, monitor=monitor)
    try:
        run_program(lambda: build_platform(load_config()), mock, monitor, values)
    finally:
        pulumi.runtime.reset_options()
    return sorted(str(r.inputs["vaultName"]) for r in mock.resources if r.typ == "azure-native:keyvault:Vault")


def test_dev_without_a_seed_seeds_its_names_with_the_subscription(offline_update, dev_config):
    values = config_with(dev_config, nameSeed="", role="management")
    first = _vault_names_in("aaaaaaaa-0000-0000-0000-000000000001", values)
    second = _vault_names_in("bbbbbbbb-0000-0000-0000-000000000002", values)
    # Same prefix, two subscriptions: no globally unique name is shared.
    assert first and not set(first) & set(second)
    assert first == [Namer("adatum", "dev", "mgmt", "aaaaaaaa-0000-0000-0000-000000000001").name("key_vault", "kv")]


@pytest.mark.parametrize("environment", ["tst", "prd"])
def test_security_contacts_are_required_outside_dev(offline, dev_config, environment):
    values = config_with(dev_config, environment=environment, securityContacts={"emails": [], "emailAdmins": True})
    with pytest.raises(ConfigError) as raised:
        parse_config(values)
    assert raised.value.keys == ["securityContacts.emails"]
    with pytest.raises(ConfigError):
        offline.run(lambda: build_platform(load_config()), config=values)
    assert offline.mocks is not None and offline.mocks.resources == []


def test_a_malformed_security_contact_address_names_its_key(dev_config):
    values = config_with(dev_config, securityContacts={"emails": ["secops@adatum.example", "secops at adatum"]})
    with pytest.raises(ConfigError) as raised:
        parse_config(values)
    assert raised.value.keys == ["securityContacts.emails[1]"]


def test_the_dev_stack_sends_threat_alerts_to_its_contacts_and_keeps_audit_90_days(stack_runs, mode, dev_config):
    run = stack_runs.run(dev_config, mode)
    alerts = run.one("azure-native:sql:ServerSecurityAlertPolicy").inputs
    assert alerts["emailAddresses"] == ["secops@adatum.example"]
    assert alerts["emailAccountAdmins"] is True
    assert alerts["disabledAlerts"] == []
    workspace = run.one("azure-native:operationalinsights:Workspace", "sales-monitoring-workspace").inputs
    assert workspace["retentionInDays"] >= 90
