"""Config is validated once, before any resource exists, and every error names its key."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from cloudscale.components.core import Namer, NameRule, naming
from cloudscale.components.library import name_rules
from cloudscale.stacks import build_platform, load_config
from cloudscale.stacks.config import ConfigError, parse_config
from cloudscale.stacks.offline.engine import config_values


def _config(dev_config: dict[str, str], **overrides: Any) -> dict[str, str]:
    values = dict(dev_config)
    values.update(config_values(overrides))
    return values


def _zones(dev_config: dict[str, str]) -> list[dict[str, Any]]:
    return copy.deepcopy(json.loads(dev_config["cloudscale:landingZones"]))


def _management(dev_config: dict[str, str]) -> dict[str, Any]:
    return copy.deepcopy(json.loads(dev_config["cloudscale:management"]))


def test_dev_stack_config_is_valid(dev_config):
    config = parse_config(dev_config)
    assert config.prefix == "adatum"
    assert config.role == "all"
    assert [z.name for z in config.landing_zones] == ["sales"]
    assert config.landing_zones[0].services.sql_hyperscale.enabled


def test_config_is_read_from_pulumi_config_as_the_cli_delivers_it(offline, dev_config):
    run = offline.run(load_config, config=dev_config)
    assert run.value.prefix == "adatum"
    assert run.value.landing_zones[0].address_space.compressed == "10.1.0.0/16"
    assert run.value.management.firewall.enabled is True


def _zone_edit(field: str, value: Any, index: int = 0):
    def edit(dev_config: dict[str, str]) -> dict[str, Any]:
        zones = _zones(dev_config)
        target: dict[str, Any] = zones[index]
        *path, last = field.split(".")
        for part in path:
            target = target.setdefault(part, {})
        target[last] = value
        return {"landingZones": zones}

    return edit


def _second_zone(address_space: str):
    def edit(dev_config: dict[str, str]) -> dict[str, Any]:
        zones = _zones(dev_config)
        zones.append({"name": "hr", "addressSpace": address_space})
        return {"landingZones": zones}

    return edit


def _management_edit(field: str, value: Any):
    def edit(dev_config: dict[str, str]) -> dict[str, Any]:
        management = _management(dev_config)
        target = management
        *path, last = field.split(".")
        for part in path:
            target = target.setdefault(part, {})
        target[last] = value
        return {"management": management}

    return edit


BAD_CONFIGS = [
    ("prefix-uppercase", lambda c: {"prefix": "Adatum"}, "cloudscale:prefix", "pattern"),
    ("prefix-too-long", lambda c: {"prefix": "adatumcorporation"}, "cloudscale:prefix", "pattern"),
    ("unknown-environment", lambda c: {"environment": "prod"}, "cloudscale:environment", "'dev', 'tst' or 'prd'"),
    ("unknown-region", lambda c: {"location": "westeuropa"}, "cloudscale:location", "unknown Azure region"),
    ("unknown-role", lambda c: {"role": "hub"}, "cloudscale:role", "'all', 'management' or 'landing'"),
    ("typo-in-key", lambda c: {"landingZone": "sales", "role": "all"}, "cloudscale:landingZone", "only used"),
    ("unknown-top-level-key", lambda c: {"prefx": "x"}, "cloudscale:prefx", "not a cloudscale setting"),
    ("bad-cidr", _zone_edit("addressSpace", "10.1.0.0/33"), "cloudscale:landingZones[0].addressSpace", "CIDR"),
    ("host-bits-set", _zone_edit("addressSpace", "10.1.0.1/16"), "cloudscale:landingZones[0].addressSpace", "CIDR"),
    (
        "zone-overlaps-management",
        _zone_edit("addressSpace", "10.0.128.0/17"),
        "cloudscale:landingZones[0].addressSpace",
        "overlaps management.network.addressSpace",
    ),
    (
        "zones-overlap",
        _second_zone("10.1.128.0/17"),
        "cloudscale:landingZones[1].addressSpace",
        "overlaps landingZones[0].addressSpace",
    ),
    (
        "subnet-outside-vnet",
        _zone_edit("subnets", {"privateEndpoints": "10.9.0.0/24"}),
        "cloudscale:landingZones[0].subnets.privateEndpoints",
        "not inside",
    ),
    (
        "unknown-subnet-role",
        _zone_edit("subnets", {"gateway": "10.1.200.0/24"}),
        "cloudscale:landingZones[0].subnets",
        "unknown subnet role",
    ),
    (
        "address-space-too-small",
        _zone_edit("addressSpace", "10.1.0.0/23"),
        "cloudscale:landingZones[0].addressSpace",
        "no room",
    ),
    (
        "services-subnet-outside-hub",
        _management_edit("network.servicesSubnet", "10.5.1.0/24"),
        "cloudscale:management.network.servicesSubnet",
        "not inside",
    ),
    (
        "firewall-subnet-too-small",
        _management_edit("network.firewallSubnet", "10.0.0.0/27"),
        "cloudscale:management.network.firewallSubnet",
        "/26",
    ),
    (
        "duplicate-zone-names",
        lambda c: {"landingZones": [*_zones(c), {**_zones(c)[0], "addressSpace": "10.2.0.0/16"}]},
        "cloudscale:landingZones",
        "used 2 times",
    ),
    (
        "bad-container-name",
        _zone_edit("dataProducts", ["Customer_360"]),
        "cloudscale:landingZones[0].dataProducts[0]",
        "not a valid container name",
    ),
    (
        "duplicate-data-product",
        _zone_edit("dataProducts", ["sales", "sales"]),
        "cloudscale:landingZones[0].dataProducts",
        "listed 2 times",
    ),
    (
        "retired-spark",
        _zone_edit("services.synapse.sparkVersion", "3.4"),
        "cloudscale:landingZones[0].services.synapse.sparkVersion",
        "retired",
    ),
    ("missing-dataset-of-landing-role", lambda c: {"role": "landing"}, "cloudscale:managementStack", "required"),
    (
        "landing-zone-not-configured",
        lambda c: {"role": "landing", "managementStack": "adatum/cloudscale/mgmt", "landingZone": "finance"},
        "cloudscale:landingZone",
        "sales",
    ),
    (
        "firewall-off-without-hub",
        _management_edit("firewall.enabled", False),
        "cloudscale:management.existingHub",
        "required",
    ),
    (
        "bad-hub-ip",
        _management_edit("existingHub", {"firewallPrivateIp": "10.0.0.300", "dnsServers": ["10.0.0.4"]}),
        "cloudscale:management.existingHub.firewallPrivateIp",
        "IPv4 address",
    ),
    (
        "lake-archive-before-cool",
        _zone_edit("lake.archiveAfterDays", 30),
        "cloudscale:landingZones[0].lake.archiveAfterDays",
        "later than coolAfterDays",
    ),
    (
        "zrs-lake-in-region-without-zones",
        lambda c: {"location": "westus"},
        "cloudscale:landingZones[0].lake.redundancy",
        "needs availability zones",
    ),
    ("tag-name-forbidden-character", lambda c: {"tags": {"cost/center": "x"}}, "cloudscale:tags", "forbids"),
]


@pytest.mark.parametrize(("case", "edit", "key", "fragment"), BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_bad_config_names_the_key(dev_config, case, edit, key, fragment):
    with pytest.raises(ConfigError) as raised:
        parse_config(_config(dev_config, **edit(dev_config)))
    message = str(raised.value)
    assert key + ":" in message, message
    assert fragment in message, message


@pytest.mark.parametrize(("case", "edit", "key", "fragment"), BAD_CONFIGS[:12], ids=[c[0] for c in BAD_CONFIGS[:12]])
def test_bad_config_is_rejected_before_any_resource_is_registered(offline, dev_config, case, edit, key, fragment):
    with pytest.raises(ConfigError):
        offline.run(lambda: build_platform(load_config()), config=_config(dev_config, **edit(dev_config)))
    assert offline.mocks is not None
    assert offline.mocks.resources == []


def test_every_problem_is_reported_at_once(dev_config):
    with pytest.raises(ConfigError) as raised:
        parse_config(_config(dev_config, prefix="X", environment="qa", location="mars"))
    assert {"prefix", "environment", "location"} <= set(raised.value.keys)


def test_empty_management_stack_default_means_not_set(dev_config):
    config = parse_config(_config(dev_config, managementStack=""))
    assert config.management_stack is None


def test_a_name_rule_that_only_longer_purposes_break_is_caught_before_deploy(offline, dev_config, monkeypatch):
    # Widget names may be 40 characters long, but the service's pattern stops at 28: any purpose
    # longer than "encur" in the sales zone ("wdg-adatum-dev-sales-integration") breaks it.
    monkeypatch.setitem(naming.RULES, "widget", NameRule("wdg", 1, 40, r"[a-z-]{1,28}"))
    with pytest.raises(ConfigError, match="cannot produce a valid widget name"):
        offline.run(lambda: build_platform(load_config()), config=dev_config)
    assert offline.mocks is not None
    assert offline.mocks.resources == []


@pytest.mark.parametrize("kind", sorted(name_rules()))
def test_the_probed_purposes_reach_the_longest_whole_name_and_a_cut_one(kind):
    namer = Namer("adatum", "dev", "sales", "seed")
    rule = name_rules()[kind]
    probes = namer.probe_purposes(kind)
    assert probes[0] == ""
    assert len(namer.name(kind, probes[-1])) <= rule.max_length
    if len(probes) == 4:  # room for a purpose before the name is cut
        whole, cut = probes[1], probes[2]
        assert whole in namer.name(kind, whole)
        assert len(namer.name(kind, whole)) == rule.max_length
        assert cut not in namer.name(kind, cut)


@pytest.mark.parametrize(("environment", "expected"), [("dev", False), ("tst", False), ("prd", True)])
def test_customer_managed_keys_are_on_by_default_in_prd_only(dev_config, environment, expected):
    config = parse_config(_config(dev_config, environment=environment, nameSeed=f"{environment}-subscription"))
    assert config.customer_managed_keys is expected


def test_customer_managed_keys_need_purge_protection(dev_config):
    # dev creates its vaults without purge protection unless told otherwise.
    with pytest.raises(ConfigError) as raised:
        parse_config(_config(dev_config, encryption={"customerManagedKeys": True}))
    message = str(raised.value)
    assert "cloudscale:encryption.customerManagedKeys: needs softDelete.purgeProtection: true" in message, message
    config = parse_config(
        _config(dev_config, encryption={"customerManagedKeys": True}, softDelete={"purgeProtection": True})
    )
    assert config.customer_managed_keys and config.purge_protection


def test_customer_managed_keys_without_purge_protection_register_nothing(offline, dev_config):
    with pytest.raises(ConfigError, match=r"encryption\.customerManagedKeys"):
        offline.run(
            lambda: build_platform(load_config()), config=_config(dev_config, encryption={"customerManagedKeys": True})
        )
    assert offline.mocks is not None
    assert offline.mocks.resources == []


def test_a_lake_purpose_may_choose_its_own_redundancy(dev_config):
    zones = _zones(dev_config)
    zones[0]["lake"]["redundancyByLake"] = {"raw": "Standard_GZRS"}
    lake = parse_config(_config(dev_config, landingZones=zones)).landing_zones[0].lake
    assert [lake.redundancy_of(purpose) for purpose in ("raw", "enriched")] == ["Standard_GZRS", "Standard_ZRS"]
