"""Landing zone address plans: how subnets are carved, and every bad plan refused before any resource exists."""

from __future__ import annotations

import json
from ipaddress import IPv4Network
from typing import Any

import pytest

from cloudscale.components.library import platform_zones
from cloudscale.stacks import build_platform, load_config
from cloudscale.stacks.config import ConfigError, LandingZoneConfig, landing_subnets, parse_config

from .support import config_with, sales_zone

# Four shared subnets and no products: the smallest zone, a /22.
MINIMAL_ZONE_PREFIX = 22


def _with_sales(dev_config: dict[str, str], **changes: Any) -> dict[str, Any]:
    return {"landingZones": [{**sales_zone(dev_config), **changes}]}


def _minimal_zones(count: int) -> list[dict[str, Any]]:
    """``count`` small zones, disjoint from each other and from the management zone's 10.0.0.0/16."""
    blocks = IPv4Network("10.64.0.0/10").subnets(new_prefix=MINIMAL_ZONE_PREFIX)
    return [{"name": f"z{i:03d}", "addressSpace": str(next(blocks))} for i in range(count)]


def test_subnets_are_carved_in_role_order_from_the_address_space():
    zone = LandingZoneConfig(name="sales", address_space="10.1.0.0/16", data_products=["sales", "churn"])
    assert {role: str(cidr) for role, cidr in landing_subnets(zone).items()} == {
        "privateEndpoints": "10.1.0.0/24",
        "integration": "10.1.1.0/24",
        "compute": "10.1.2.0/24",
        "powerBiGateway": "10.1.3.0/24",
        "product-sales": "10.1.4.0/24",
        "product-churn": "10.1.5.0/24",
    }


def test_explicit_subnets_are_kept_and_carving_goes_around_them():
    zone = LandingZoneConfig(
        name="sales",
        address_space="10.1.0.0/16",
        subnets={"integration": "10.1.0.0/23", "compute": "10.1.8.0/22"},
    )
    plan = {role: str(cidr) for role, cidr in landing_subnets(zone).items()}
    assert plan == {
        "privateEndpoints": "10.1.2.0/24",
        "integration": "10.1.0.0/23",
        "compute": "10.1.8.0/22",
        "powerBiGateway": "10.1.3.0/24",
    }


BAD_PLANS = [
    (
        "landing-zones-overlap",
        lambda c: {"landingZones": [sales_zone(c), {"name": "hr", "addressSpace": "10.1.64.0/18"}]},
        "landingZones[1].addressSpace",
        "overlaps landingZones[0].addressSpace (10.1.0.0/16)",
    ),
    (
        "zone-overlaps-management",
        lambda c: _with_sales(c, addressSpace="10.0.0.0/15"),
        "landingZones[0].addressSpace",
        "overlaps management.network.addressSpace (10.0.0.0/16)",
    ),
    (
        "subnet-outside-its-vnet",
        lambda c: _with_sales(c, subnets={"compute": "10.2.2.0/24"}),
        "landingZones[0].subnets.compute",
        "not inside the zone's address space 10.1.0.0/16",
    ),
    (
        "subnets-overlap",
        lambda c: _with_sales(c, subnets={"privateEndpoints": "10.1.0.0/23", "integration": "10.1.1.0/24"}),
        "landingZones[0].subnets.integration",
        "overlaps subnet privateEndpoints (10.1.0.0/23)",
    ),
    (
        "address-space-too-small-for-the-subnets",
        lambda c: _with_sales(c, addressSpace="10.1.0.0/22"),
        "landingZones[0].addressSpace",
        "the zone needs 9 subnets, so use at least a /20",
    ),
    (
        "address-space-smaller-than-one-subnet",
        lambda c: _with_sales(c, addressSpace="10.1.0.0/25"),
        "landingZones[0].addressSpace",
        "smaller than one /24",
    ),
    (
        "subnet-smaller-than-azure-allows",
        lambda c: _with_sales(c, subnets={"compute": "10.1.200.0/30"}),
        "landingZones[0].subnets.compute",
        "smaller than the /29 Azure allows",
    ),
    (
        "data-product-named-like-a-shared-container",
        lambda c: _with_sales(c, dataProducts=["synapse"]),
        "landingZones[0].dataProducts",
        "'synapse' is the name of a container every lake already has",
    ),
    (
        "mesh-exceeds-the-peering-limit",
        lambda c: {"landingZones": _minimal_zones(501)},
        "landingZones",
        "501 landing zones need 501 peerings on one VNet",
    ),
]


@pytest.mark.parametrize(("case", "edit", "key", "fragment"), BAD_PLANS, ids=[c[0] for c in BAD_PLANS])
def test_bad_plan_is_refused_with_its_key_before_any_resource(offline, dev_config, case, edit, key, fragment):
    with pytest.raises(ConfigError) as raised:
        offline.run(lambda: build_platform(load_config()), config=config_with(dev_config, **edit(dev_config)))
    problems = [p for p in raised.value.problems if p.key == key]
    assert problems, str(raised.value)
    assert any(fragment in p.message for p in problems), str(raised.value)
    assert f"cloudscale:{key}: " in str(raised.value)
    assert offline.mocks is not None
    assert offline.mocks.resources == []


def test_a_mesh_of_500_zones_fits_the_limit(dev_config):
    config = parse_config(config_with(dev_config, landingZones=_minimal_zones(500)))
    assert len(config.landing_zones) == 500


def test_the_management_zone_peering_with_an_existing_hub_counts_toward_its_limit(dev_config):
    management = json.loads(dev_config["cloudscale:management"])
    hub_vnet = (
        "/subscriptions/99999999-9999-9999-9999-999999999999/resourceGroups/rg-hub/providers/"
        "Microsoft.Network/virtualNetworks/vnet-hub"
    )
    zone_ids = {
        zone: f"/subscriptions/h/resourceGroups/dns/providers/Microsoft.Network/privateDnsZones/{zone}"
        for zone in platform_zones("westeurope")
    }
    management["firewall"] = {"enabled": False}
    management["existingHub"] = {
        "firewallPrivateIp": "172.16.0.4",
        "dnsServers": ["172.16.0.4"],
        "privateDnsZoneIds": zone_ids,
        "hubVnetId": hub_vnet,
        "addressSpace": ["172.16.0.0/16"],
    }
    with pytest.raises(ConfigError) as raised:
        parse_config(config_with(dev_config, landingZones=_minimal_zones(500), management=management))
    assert raised.value.keys == ["landingZones"]
    assert "at most 499 zones" in str(raised.value)
