from __future__ import annotations

import re

import pytest

from cloudscale.components.baseline.type_facts import TypeFacts
from cloudscale.components.core import Namer, NameRule, NamingError, declare_name_rule, merge_tags, naming
from cloudscale.components.core.tags import TagError
from cloudscale.components.library import declared, name_rules, platform_zones

NAMER = Namer("adatum", "dev", "sales", seed="sub-1")


@pytest.mark.parametrize("kind", sorted(name_rules()))
def test_every_kind_produces_a_name_its_service_accepts(kind):
    rule = name_rules()[kind]
    for purpose in ("raw", "encur", "a-very-long-purpose-that-does-not-fit-anywhere-short"):
        name = NAMER.name(kind, purpose)
        assert rule.min_length <= len(name) <= rule.max_length, name
        assert rule.matches(name), name


def test_storage_account_names_are_3_to_24_lowercase_alphanumerics():
    name = Namer("contosodat", "prd", "marketing1").name("storage_account", "encur")
    assert re.fullmatch(r"[a-z0-9]{3,24}", name)


def test_key_vault_names_fit_24_characters_and_start_with_a_letter():
    name = Namer("contosodat", "prd", "marketing1").name("key_vault", "governance")
    assert len(name) <= 24 and name[0].isalpha() and "--" not in name


def test_globally_unique_names_get_a_deterministic_seeded_suffix():
    first = NAMER.name("storage_account", "raw")
    assert first == Namer("adatum", "dev", "sales", seed="sub-1").name("storage_account", "raw")
    assert first != Namer("adatum", "dev", "sales", seed="sub-2").name("storage_account", "raw")
    assert NAMER.name("virtual_network") == "vnet-adatum-dev-sales"  # scoped names need no suffix


def test_truncated_names_stay_distinct():
    long_zone = Namer("contosodat", "prd", "marketing1")
    names = {long_zone.name("network_security_group", f"{'x' * 70}{i}") for i in range(20)}
    assert len(names) == 20
    assert all(len(n) <= 80 for n in names)


def test_impossible_names_raise_naming_error():
    with pytest.raises(NamingError, match="unknown resource kind"):
        NAMER.name("teleporter", "x")
    with pytest.raises(NamingError, match="does not match"):
        Namer("ab_c", "dev", "sales").name("key_vault", "kv")


def test_tags_merge_later_layers_win_and_limits_are_enforced():
    assert merge_tags({"a": "1", "b": "1"}, {"b": "2"}, None) == {"a": "1", "b": "2"}
    with pytest.raises(TagError, match="at most 50"):
        merge_tags({f"k{i}": "v" for i in range(51)})
    with pytest.raises(TagError, match="forbids"):
        merge_tags({"a/b": "v"})


def test_dns_zones_include_what_the_reference_misses_and_follow_the_region():
    zones = platform_zones("northeurope")
    for zone in (
        "privatelink.analytics.cosmos.azure.com",
        "privatelink.purview-service.microsoft.com",
        "privatelink.monitor.azure.com",
        "privatelink.oms.opinsights.azure.com",
        "privatelink.ods.opinsights.azure.com",
        "privatelink.agentsvc.azure-automation.net",
        "privatelink.northeurope.azmk8s.io",
    ):
        assert zone in zones
    assert not [z for z in zones if "westeurope" in z]
    assert len(zones) == len(set(zones))
    assert declared().private_dns_zones("azure-native:machinelearningservices:Workspace", "amlworkspace") == (
        "privatelink.api.azureml.ms",
        "privatelink.notebooks.azure.net",
    )
    with pytest.raises(KeyError, match="declares no private DNS zones for group 'nosuchgroup'"):
        declared().private_dns_zones("azure-native:storage:StorageAccount", "nosuchgroup")


def test_the_platform_zones_are_what_the_types_declare(monkeypatch):
    # A type declared with a private-link group brings its zone to the management zone and the hub check.
    facts = TypeFacts(
        "azure-native:relay:Namespace",
        reviewed=True,
        private_link={"namespace": ("privatelink.{region}.relay.example",)},
    )
    assert "privatelink.northeurope.relay.example" not in platform_zones("northeurope")
    monkeypatch.setitem(declared()._facts, facts.token, facts)
    assert "privatelink.northeurope.relay.example" in platform_zones("northeurope")


def test_a_component_declares_the_name_rule_of_its_kind_once(monkeypatch):
    monkeypatch.setattr(naming, "RULES", dict(naming.RULES))
    rule = NameRule("wdg", 1, 40, r"[a-z-]{1,40}")
    declare_name_rule("widget", rule)
    declare_name_rule("widget", rule)
    assert NAMER.name("widget") == "wdg-adatum-dev-sales"
    with pytest.raises(ValueError, match="declared twice"):
        declare_name_rule("widget", NameRule("wdg", 1, 20, r"[a-z-]{1,20}"))
