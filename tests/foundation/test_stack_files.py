"""Every stack file shipped in the repository is a valid configuration."""

from __future__ import annotations

import shutil

import pytest
import yaml

from cloudscale.stacks.config import parse_config
from cloudscale.stacks.offline import stack_files
from cloudscale.stacks.offline.stack_files import PROJECT_ROOT, load_stack_config

STACKS = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in PROJECT_ROOT.glob("Pulumi.*.yaml"))


def test_the_documented_stacks_exist():
    assert {"dev", "prd", "mgmt", "sales"} <= set(STACKS)


def test_the_production_stack_turns_on_what_a_security_review_asks_for():
    config = parse_config(load_stack_config("prd"))
    assert (config.environment, config.role) == ("prd", "all")
    assert config.name_seed and config.protects_state and config.purge_protection
    assert config.customer_managed_keys
    firewall = config.management.firewall
    assert (firewall.tier, firewall.idps_mode) == ("Premium", "Deny")
    assert config.management.log_retention_days >= 365
    for zone in config.landing_zones:
        assert [zone.lake.redundancy_of(lake) for lake in ("raw", "enriched")] == ["Standard_GZRS"] * 2
        assert zone.lake.soft_delete_days >= 90
        sql = zone.services.sql_hyperscale
        assert sql.zone_redundant and sql.backup_storage_redundancy == "GeoZone"
        assert sql.short_term_retention_days == 35
        assert zone.services.cosmos.backup_tier == "Continuous30Days"


def test_the_production_stack_keeps_the_zones_of_dev():
    dev, prd = (parse_config(load_stack_config(stack)) for stack in ("dev", "prd"))
    assert [z.name for z in prd.landing_zones] == [z.name for z in dev.landing_zones]


@pytest.mark.parametrize("stack", STACKS)
def test_stack_file_validates(stack):
    config = parse_config(load_stack_config(stack))
    assert config.prefix == "adatum"
    if config.role == "landing":
        assert config.management_stack and config.landing_zone


def test_a_date_like_value_stays_the_text_written(tmp_path):
    # go-yaml hands Pulumi the text of a timestamp-like scalar; PyYAML's safe loader would make it a date.
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "Pulumi.seed.yaml").write_text("config:\n  cloudscale:nameSeed: 2026-01-01\n")
    assert load_stack_config("seed", tmp_path)["cloudscale:nameSeed"] == "2026-01-01"


@pytest.mark.parametrize("stack", STACKS)
def test_the_fast_and_the_reporting_yaml_parsers_read_the_same_config(stack):
    # libyaml reads stack files; the pure-Python parser only reports errors. Both must mean the same.
    text = (PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text()
    assert yaml.load(text, Loader=stack_files._FastPulumiYamlLoader) == yaml.load(
        text, Loader=stack_files._PulumiYamlLoader
    )
