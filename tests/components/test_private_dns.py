"""The platform's private DNS zones: the full list, region-specific names, one VNet link per zone."""

from __future__ import annotations

import pulumi

from cloudscale.components.core import render_zone, zone_resource_label
from cloudscale.components.core.dns_zones import ADDITIONAL_ZONES
from cloudscale.components.library import declared, platform_zones
from cloudscale.components.private_dns import PrivateDns, PrivateDnsArgs

from .support import service_baseline

VNET_ID = "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet-adatum-dev-mgmt"
ZONE = "azure-native:privatedns:PrivateZone"
LINK = "azure-native:privatedns:VirtualNetworkLink"
# Zones Microsoft's reference forgets: Cosmos analytical store, the new Purview portal, Azure Monitor.
REFERENCE_GAPS = {
    "privatelink.analytics.cosmos.azure.com",
    "privatelink.purview-service.microsoft.com",
    "privatelink.monitor.azure.com",
    "privatelink.oms.opinsights.azure.com",
    "privatelink.ods.opinsights.azure.com",
    "privatelink.agentsvc.azure-automation.net",
}


# The zones the platform hosts come from its types' declarations (``declare_type(..., private_link=...)``)
# and ADDITIONAL_ZONES; the URN pins of the bundled stacks (tests/stacks/pinned_urns) are the literal
# inventory, so a zone that appears or disappears fails there.
NORTHEUROPE_ZONES = set(platform_zones("northeurope"))


def _declared_zone_templates() -> set[str]:
    """Every zone a declared type's private-link groups need, ``{region}`` unrendered."""
    types = declared()
    return {zone for token in types.tokens() for group in types.get(token).private_link.values() for zone in group}


def _dns(location: str = "northeurope", *, lock: bool = False) -> PrivateDns:
    return PrivateDns(
        "dns",
        PrivateDnsArgs(
            baseline=service_baseline(
                zone="mgmt", resource_group_name="rg-dns", location=location, endpoint_subnet_id=None, lock=lock
            ),
            zones=platform_zones(location),
            virtual_network_id=VNET_ID,
            virtual_network_name="vnet-adatum-dev-mgmt",
        ),
    )


def test_every_platform_zone_is_created_globally(offline):
    run = offline.run(_dns)
    zones = {z.inputs["privateZoneName"]: z for z in run.of_type(ZONE)}
    assert set(zones) == NORTHEUROPE_ZONES
    assert set(zones) >= REFERENCE_GAPS
    assert all(z.inputs["location"] == "global" and z.inputs["resourceGroupName"] == "rg-dns" for z in zones.values())
    assert {z.name for z in zones.values()} == {f"dns-{zone_resource_label(zone)}" for zone in zones}


def test_the_platform_hosts_every_zone_its_types_need_and_the_additional_ones():
    templates = _declared_zone_templates()
    assert {"privatelink.blob.core.windows.net", "privatelink.{region}.kusto.windows.net"} <= templates
    assert {render_zone(zone, "northeurope") for zone in templates | set(ADDITIONAL_ZONES)} == NORTHEUROPE_ZONES


def test_region_specific_zones_follow_the_configured_location(offline):
    run = offline.run(_dns)
    names = {z.inputs["privateZoneName"] for z in run.of_type(ZONE)}
    # AKS's and Data Explorer's zones name the region; Batch and Redis Enterprise dropped it from theirs.
    regional = {render_zone(z, "northeurope") for z in _declared_zone_templates() | set(ADDITIONAL_ZONES) if "{" in z}
    assert {"privatelink.northeurope.azmk8s.io", "privatelink.northeurope.kusto.windows.net"} <= regional
    assert {name for name in names if "northeurope" in name} == regional
    assert {"privatelink.batch.azure.com", "privatelink.redisenterprise.cache.azure.net"} <= names
    # The reference hard-codes West Europe alongside North Europe; nothing here may name another region.
    assert not [name for name in names if "westeurope" in name]


def test_each_zone_is_linked_to_the_management_vnet_without_auto_registration(offline):
    run = offline.run(_dns)
    links = run.of_type(LINK)
    assert len(links) == len(NORTHEUROPE_ZONES)
    for link in links:
        assert link.inputs["virtualNetwork"] == {"id": VNET_ID}
        assert link.inputs["registrationEnabled"] is False
        # Names the zone lacks (another party's private-linked resources) resolve publicly instead of
        # NXDOMAIN (Microsoft Learn, "Fallback to internet for Azure Private DNS zones").
        assert link.inputs["resolutionPolicy"] == "NxDomainRedirect"
        assert link.inputs["location"] == "global"
        assert link.inputs["virtualNetworkLinkName"] == "vnet-adatum-dev-mgmt"
    if not offline.preview:
        linked = {link.inputs["privateZoneName"] for link in links}
        assert linked == NORTHEUROPE_ZONES


def test_zones_get_no_diagnostic_setting_because_they_export_nothing(offline):
    run = offline.run(_dns)
    assert run.of_type("azure-native:monitor:DiagnosticSetting") == []


def test_zones_are_protected_outside_dev_but_never_locked(offline):
    run = offline.run(lambda: _dns(lock=True))
    protected = {o.name for o in run.monitor.options.values() if o.protect}
    assert protected == {z.name for z in run.of_type(ZONE)}
    # A lock would stop private endpoints from deleting their records when they go away.
    assert run.of_type("azure-native:authorization:ManagementLockByScope") == []

    unprotected = offline.run(_dns)
    assert not [o for o in unprotected.monitor.options.values() if o.protect]


def test_zone_ids_are_exposed_by_zone_name(offline_update):
    captured: dict[str, dict[str, str]] = {}

    def program() -> None:
        dns = _dns()
        pulumi.Output.all(**dns.zone_ids).apply(lambda ids: captured.setdefault("ids", ids))

    run = offline_update.run(program)
    blob = "privatelink.blob.core.windows.net"
    assert set(captured["ids"]) == NORTHEUROPE_ZONES
    assert captured["ids"][blob] == run.mocks.ids[(ZONE, f"dns-{zone_resource_label(blob)}")]


def test_platform_zone_list_is_sorted_unique_and_rendered_for_the_region():
    for location in ("westeurope", "swedencentral", "eastus2"):
        zones = platform_zones(location)
        assert zones == sorted(set(zones))
        assert not [zone for zone in zones if "{" in zone]
        assert f"privatelink.{location}.azmk8s.io" in zones
