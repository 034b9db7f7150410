"""Governance and shared services of the management zone: Purview, the container registry, the Synapse hub."""

from __future__ import annotations

import dataclasses

import pytest

from cloudscale.components.baseline import Principal, ServiceBaseline
from cloudscale.components.container_registry import ContainerRegistry, ContainerRegistryArgs
from cloudscale.components.core import BuiltInRole, Namer
from cloudscale.components.core.tags import platform_tags
from cloudscale.components.purview import Purview, PurviewArgs
from cloudscale.components.synapse_private_link_hub import SynapsePrivateLinkHub, SynapsePrivateLinkHubArgs
from cloudscale.stacks.offline.findings import findings

from .support import WORKSPACE_ID, service_baseline, zone_id

# The management zone's shared-services subnet, not the landing zones' private endpoint subnet.
SUBNET_ID = "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/services"
PURVIEW = "azure-native:purview:Account"
REGISTRY = "azure-native:containerregistry:Registry"
HUB = "azure-native:synapse:PrivateLinkHub"
ENDPOINT = "azure-native:network:PrivateEndpoint"
ZONE_GROUP = "azure-native:network:PrivateDnsZoneGroup"


def _baseline(*, location: str = "westeurope", lock: bool = False) -> ServiceBaseline:
    return service_baseline(
        environment="tst",
        zone="mgmt",
        tags=platform_tags("tst", "mgmt"),
        resource_group_name="rg-governance",
        location=location,
        endpoint_subnet_id=SUBNET_ID,
        lock=lock,
    )


def _endpoints(run) -> dict[str, dict]:
    return {e.name: e.inputs for e in run.of_type(ENDPOINT)}


def _zone_configs(run) -> dict[str, list[str]]:
    """Private endpoint logical name -> the zone ids its DNS zone group registers in."""
    return {
        g.name.removesuffix("-dns"): [c["privateDnsZoneId"] for c in g.inputs["privateDnsZoneConfigs"]]
        for g in run.of_type(ZONE_GROUP)
    }


def _diagnostics(run) -> dict[str, dict]:
    return {s.name: s.inputs for s in run.of_type("azure-native:monitor:DiagnosticSetting")}


# Purview


def test_purview_has_an_identity_and_no_public_surface(offline):
    run = offline.run(lambda: Purview("pv", PurviewArgs(baseline=_baseline())))
    account = run.one(PURVIEW).inputs
    assert account["accountName"].startswith("pview-adatum-tst-mgmt")
    assert account["identity"] == {"type": "SystemAssigned"}
    assert account["publicNetworkAccess"] == "Disabled"
    assert account["managedResourcesPublicNetworkAccess"] == "Disabled"
    assert account["ingestionStorage"] == {"publicNetworkAccess": "Disabled"}
    assert account["managedEventHubState"] == "Disabled"


def test_purview_private_endpoints_cover_account_portal_and_ingestion(offline):
    run = offline.run(lambda: Purview("pv", PurviewArgs(baseline=_baseline())))
    endpoints = _endpoints(run)
    groups = {name: e["privateLinkServiceConnections"][0]["groupIds"] for name, e in endpoints.items()}
    assert groups == {
        "pv-account-pe-account": ["account"],
        "pv-account-pe-portal": ["portal"],
        "pv-ingestion-pe-blob": ["blob"],
        "pv-ingestion-pe-queue": ["queue"],
    }
    assert all(e["subnet"] == {"id": SUBNET_ID} for e in endpoints.values())
    assert _zone_configs(run) == {
        "pv-account-pe-account": [zone_id("privatelink.purview.azure.com")],
        "pv-account-pe-portal": [zone_id("privatelink.purviewstudio.azure.com")],
        "pv-ingestion-pe-blob": [zone_id("privatelink.blob.core.windows.net")],
        "pv-ingestion-pe-queue": [zone_id("privatelink.queue.core.windows.net")],
    }
    # The Purview portal recognises ingestion endpoints by these name endings.
    assert endpoints["pv-ingestion-pe-blob"]["privateEndpointName"].endswith("-blob")
    assert endpoints["pv-ingestion-pe-queue"]["privateEndpointName"].endswith("-queue")


def test_purview_ingestion_endpoints_target_the_ingestion_storage_it_reports(offline_update):
    run = offline_update.run(lambda: Purview("pv", PurviewArgs(baseline=_baseline())))
    endpoints = _endpoints(run)
    account_id = run.mocks.ids[(PURVIEW, "pv-account")]
    assert endpoints["pv-account-pe-account"]["privateLinkServiceConnections"][0]["privateLinkServiceId"] == account_id
    for group_id in ("blob", "queue"):
        target = endpoints[f"pv-ingestion-pe-{group_id}"]["privateLinkServiceConnections"][0]["privateLinkServiceId"]
        assert "/providers/Microsoft.Storage/storageAccounts/scan" in target


def test_purview_is_protected_locked_and_monitored_outside_dev(offline):
    run = offline.run(lambda: Purview("pv", PurviewArgs(baseline=_baseline(lock=True))))
    assert [o.protect for o in run.monitor.options.values() if o.name == "pv-account"] == [True]
    assert run.one("azure-native:authorization:ManagementLockByScope").inputs["level"] == "CanNotDelete"
    setting = _diagnostics(run)["pv-account-diag"]
    assert setting["workspaceId"] == WORKSPACE_ID
    assert setting["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]


def test_purview_needs_a_private_endpoint_placement(offline):
    no_placement = ServiceBaseline(Namer("adatum", "tst", "mgmt"), "rg", "westeurope")
    with pytest.raises(ValueError, match="private endpoints"):
        offline.run(lambda: Purview("pv", PurviewArgs(baseline=no_placement)))


# Container registry


def test_registry_is_premium_private_and_refuses_anonymous_and_admin_access(offline):
    run = offline.run(lambda: ContainerRegistry("cr", ContainerRegistryArgs(baseline=_baseline())))
    registry = run.one(REGISTRY).inputs
    assert registry["sku"] == {"name": "Premium"}
    assert registry["adminUserEnabled"] is False
    assert registry["anonymousPullEnabled"] is False
    assert registry["publicNetworkAccess"] == "Disabled"
    assert registry["networkRuleSet"] == {"defaultAction": "Deny"}
    assert registry["networkRuleBypassOptions"] == "None"
    assert registry["identity"] == {"type": "SystemAssigned"}
    assert registry["zoneRedundancy"] == "Enabled"
    assert registry["policies"] == {
        "retentionPolicy": {"days": 7, "status": "enabled"},
        "quarantinePolicy": {"status": "disabled"},
        "exportPolicy": {"status": "disabled"},
        "trustPolicy": {"status": "enabled", "type": "Notary"},
        "azureADAuthenticationAsArmPolicy": {"status": "disabled"},
    }


def test_registry_keeps_its_policies_and_the_plan_flags_one_without_them(offline):
    run = offline.run(lambda: ContainerRegistry("cr", ContainerRegistryArgs(baseline=_baseline())))
    registry = run.one(REGISTRY)
    reported = {(f.severity, f.rule) for f in findings([registry], protects_state=False, locked=set())}
    # Quarantine stays off on purpose, and the plan says why; every other policy holds.
    assert reported == {("accepted", "registry-quarantine")}
    stripped = dataclasses.replace(
        registry, inputs={**registry.inputs, "policies": {"quarantinePolicy": {"status": "enabled"}}}
    )
    flagged = {(f.severity, f.rule) for f in findings([stripped], protects_state=False, locked=set())}
    assert flagged == {
        ("high", "registry-export"),
        ("medium", "registry-retention"),
        ("medium", "registry-content-trust"),
    }


def test_registry_content_trust_and_quarantine_follow_the_args(offline):
    args = ContainerRegistryArgs(baseline=_baseline(), content_trust=False, quarantine=True)
    policies = offline.run(lambda: ContainerRegistry("cr", args)).one(REGISTRY).inputs["policies"]
    assert policies["trustPolicy"]["status"] == "disabled"
    assert policies["quarantinePolicy"] == {"status": "enabled"}


def test_registry_is_not_zone_redundant_where_the_region_has_no_zones(offline):
    run = offline.run(lambda: ContainerRegistry("cr", ContainerRegistryArgs(baseline=_baseline(location="westus"))))
    assert run.one(REGISTRY).inputs["zoneRedundancy"] == "Disabled"


def test_registry_private_endpoint_and_diagnostics(offline):
    run = offline.run(lambda: ContainerRegistry("cr", ContainerRegistryArgs(baseline=_baseline(lock=True))))
    endpoint = run.one(ENDPOINT).inputs
    assert endpoint["privateLinkServiceConnections"][0]["groupIds"] == ["registry"]
    assert _zone_configs(run) == {"cr-registry-pe-registry": [zone_id("privatelink.azurecr.io")]}
    assert _diagnostics(run)["cr-registry-diag"]["metrics"] == [{"category": "AllMetrics", "enabled": True}]
    assert [o.protect for o in run.monitor.options.values() if o.name == "cr-registry"] == [True]


def test_registry_grants_pull_and_push_by_intent(offline):
    puller = Principal("aml", "00000000-0000-0000-0000-0000000000aa")
    pusher = Principal("ci", "00000000-0000-0000-0000-0000000000bb")

    def program() -> None:
        registry = ContainerRegistry("cr", ContainerRegistryArgs(baseline=_baseline()))
        registry.grant_pull(puller)
        registry.grant_push(pusher)

    run = offline.run(program)
    assignments = {a.inputs["principalId"]: a.inputs for a in run.of_type("azure-native:authorization:RoleAssignment")}
    assert set(assignments) == {puller.principal_id, pusher.principal_id}
    if not offline.preview:
        registry_id = run.mocks.ids[(REGISTRY, "cr-registry")]
        assert assignments[puller.principal_id]["scope"] == registry_id
        assert assignments[puller.principal_id]["roleDefinitionId"].endswith(BuiltInRole.ACR_PULL.value)
        assert assignments[pusher.principal_id]["roleDefinitionId"].endswith(BuiltInRole.ACR_PUSH.value)


# Synapse private link hub


def test_synapse_hub_serves_studio_through_a_web_private_endpoint(offline):
    run = offline.run(lambda: SynapsePrivateLinkHub("plh", SynapsePrivateLinkHubArgs(baseline=_baseline())))
    hub = run.one(HUB).inputs
    assert hub["privateLinkHubName"] == "synplhadatumtstmgmt"
    assert hub["location"] == "westeurope"
    assert run.one(ENDPOINT).inputs["privateLinkServiceConnections"][0]["groupIds"] == ["Web"]
    assert _zone_configs(run) == {"plh-hub-pe-web": [zone_id("privatelink.azuresynapse.net")]}
    # Private link hubs expose no diagnostic settings; asking for one would fail the deployment.
    assert _diagnostics(run) == {}
