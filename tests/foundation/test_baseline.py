"""The secure-service interface, tested on its own through the smallest real component."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pulumi
import pytest

from cloudscale import components
from cloudscale.components.baseline import (
    LOGS_AND_METRICS,
    MissingDnsZoneError,
    Principal,
    PrivateEndpointPlacement,
    SecureComponent,
    ServiceBaseline,
    user_assigned_identity,
)
from cloudscale.components.core import BuiltInRole, Namer
from cloudscale.components.key_vault import KeyVault, KeyVaultArgs

VAULT_ZONE = "privatelink.vaultcore.azure.net"
ZONE_ID = f"/subscriptions/s/resourceGroups/dns/providers/Microsoft.Network/privateDnsZones/{VAULT_ZONE}"
SUBNET_ID = "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/pe"
WORKSPACE_ID = "/subscriptions/s/resourceGroups/mon/providers/Microsoft.OperationalInsights/workspaces/log"


def _baseline(*, lock: bool = False, zones: dict[str, str] | None = None) -> ServiceBaseline:
    return ServiceBaseline(
        namer=Namer("adatum", "tst", "sales"),
        resource_group_name="rg-security",
        location="westeurope",
        tags={"Zone": "sales"},
        private_endpoints=PrivateEndpointPlacement(SUBNET_ID, {VAULT_ZONE: ZONE_ID} if zones is None else zones),
        log_analytics_workspace_id=WORKSPACE_ID,
        lock=lock,
    )


def _vault(baseline: ServiceBaseline) -> KeyVault:
    return KeyVault("kv", KeyVaultArgs(baseline=baseline, tenant_id="tenant", purpose="sec"))


def test_private_endpoint_targets_the_service_and_registers_its_dns_zone(offline):
    run = offline.run(lambda: _vault(_baseline()))
    endpoint = run.one("azure-native:network:PrivateEndpoint")
    assert endpoint.inputs["subnet"] == {"id": SUBNET_ID}
    connection = endpoint.inputs["privateLinkServiceConnections"][0]
    assert connection["groupIds"] == ["vault"]
    assert endpoint.inputs["privateEndpointName"] == "pep-adatum-tst-sales-sec-vault"
    group = run.one("azure-native:network:PrivateDnsZoneGroup")
    assert group.inputs["privateDnsZoneGroupName"] == "default"
    assert group.inputs["privateDnsZoneConfigs"] == [{"name": "vaultcore-azure-net", "privateDnsZoneId": ZONE_ID}]
    if not offline.preview:
        vault_id = run.mocks.ids[("azure-native:keyvault:Vault", "kv-vault")]
        assert connection["privateLinkServiceId"] == vault_id


def test_diagnostics_go_to_log_analytics(offline):
    run = offline.run(lambda: _vault(_baseline()))
    setting = run.one("azure-native:monitor:DiagnosticSetting")
    assert setting.inputs["workspaceId"] == WORKSPACE_ID
    assert setting.inputs["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]
    assert setting.inputs["metrics"] == [{"category": "AllMetrics", "enabled": True}]


def test_lock_and_protect_only_when_the_baseline_asks(offline):
    run = offline.run(lambda: _vault(_baseline(lock=True)))
    lock = run.one("azure-native:authorization:ManagementLockByScope")
    assert lock.inputs["level"] == "CanNotDelete"
    assert [o.protect for o in run.monitor.options.values() if o.name == "kv-vault"] == [True]

    unlocked = offline.run(lambda: _vault(_baseline(lock=False)))
    assert unlocked.of_type("azure-native:authorization:ManagementLockByScope") == []
    assert [o.protect for o in unlocked.monitor.options.values() if o.name == "kv-vault"] == [False]


def test_grant_by_intent_creates_a_deterministic_least_privilege_assignment(offline):
    reader = Principal("etl", "00000000-0000-0000-0000-0000000000aa")

    def program():
        vault = _vault(_baseline())
        vault.grant_secrets_read(reader)

    first = offline.run(program)
    assignment = first.one("azure-native:authorization:RoleAssignment")
    assert assignment.inputs["principalId"] == reader.principal_id
    assert assignment.inputs["principalType"] == "ServicePrincipal"
    assert len(assignment.inputs["roleAssignmentName"]) == 36
    if not offline.preview:
        assert assignment.inputs["roleDefinitionId"] == (
            "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/"
            f"roleDefinitions/{BuiltInRole.KEY_VAULT_SECRETS_USER.value}"
        )
    second = offline.run(program)
    assert (
        second.one("azure-native:authorization:RoleAssignment").inputs["roleAssignmentName"]
        == (assignment.inputs["roleAssignmentName"])
    )


def test_a_missing_dns_zone_is_a_clear_error(offline):
    with pytest.raises(MissingDnsZoneError, match=VAULT_ZONE):
        offline.run(lambda: _vault(_baseline(zones={})))


def test_user_assigned_identity_yields_a_principal(offline_update):
    captured = {}

    class Holder(SecureComponent):
        def __init__(self) -> None:
            super().__init__("cloudscale:test:Holder", "holder", _baseline(), None)
            _, principal = user_assigned_identity(
                self, "automation", identity_name="id-x", resource_group_name="rg", location="westeurope", tags={}
            )
            captured["principal"] = principal
            self.register_outputs({})

    run = offline_update.run(lambda: pulumi.Output.from_input(Holder() and captured["principal"].principal_id))
    assert run.one("azure-native:managedidentity:UserAssignedIdentity").inputs["resourceName"] == "id-x"
    assert run.value and len(run.value) == 36


def test_system_identity_is_the_default():
    from cloudscale.components.baseline import identity_block

    assert identity_block() == {"type": "SystemAssigned"}
    assert LOGS_AND_METRICS.log_category_groups == ("allLogs",)


# What only the baseline may create: its helpers, and the resources they wrap.
BASELINE_ONLY = frozenset(
    {"diagnostic_setting", "private_endpoint", "delete_lock"}
    | {"DiagnosticSetting", "PrivateEndpoint", "ManagementLockByScope"}
)


def test_components_apply_the_baseline_only_through_secure_component():
    package = Path(components.__file__).parent
    direct = []
    for path in sorted(package.rglob("*.py")):
        if path.parent.name == "baseline":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if called in BASELINE_ONLY:
                    direct.append(f"{path.relative_to(package)}:{node.lineno} {called}")
    assert direct == []


def test_a_sub_resource_diagnostic_setting_waits_for_the_writes_it_must_not_race(offline_update):
    class Holder(SecureComponent):
        def __init__(self) -> None:
            super().__init__("cloudscale:test:Holder", "holder", _baseline(), None)
            vault = KeyVault("kv", KeyVaultArgs(baseline=self.baseline, tenant_id="tenant", purpose="sec"))
            other = KeyVault("kv2", KeyVaultArgs(baseline=self.baseline, tenant_id="tenant", purpose="other"))
            self._secure_sub_resource(
                vault.vault,
                logical_name="kv-keys",
                diagnostics=LOGS_AND_METRICS,
                sub_resource="keys/default",
                after=(other.vault,),
            )
            self.register_outputs({})

    run = offline_update.run(Holder)
    vault_id = run.mocks.ids[("azure-native:keyvault:Vault", "kv-vault")]
    setting = run.one("azure-native:monitor:DiagnosticSetting", "kv-keys-diag")
    assert setting.inputs["resourceUri"] == f"{vault_id}/keys/default"
    [options] = [o for o in run.monitor.options.values() if o.name == "kv-keys-diag"]
    assert any(dependency.endswith("::kv2-vault") for dependency in options.dependencies)


def test_a_sub_resource_gets_no_diagnostic_setting_without_a_workspace(offline):
    class Holder(SecureComponent):
        def __init__(self) -> None:
            baseline = dataclasses.replace(_baseline(), log_analytics_workspace_id=None)
            super().__init__("cloudscale:test:Holder", "holder", baseline, None)
            vault = KeyVault("kv", KeyVaultArgs(baseline=baseline, tenant_id="tenant", purpose="sec"))
            self._secure_sub_resource(vault.vault, logical_name="kv-keys", diagnostics=LOGS_AND_METRICS)
            self.register_outputs({})

    run = offline.run(Holder)
    assert run.of_type("azure-native:monitor:DiagnosticSetting") == []
