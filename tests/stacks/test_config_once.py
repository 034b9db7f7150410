"""A stack's config is validated once per process and each zone's pipelines are composed once.

``cloudscale plan`` validates the config for its own error report, then runs the program, which
loads the same config again; the plan's data flow and data products read the zone's pipelines, and
so do the deployment's grants, packages and Azure ML jobs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from cloudscale.cli.main import main
from cloudscale.pipelines import validate
from cloudscale.stacks.config import ConfigError, loader, parse_config, pipeline_checks
from cloudscale.stacks.config.pipeline_checks import deployed_pipelines
from cloudscale.stacks.zone_pipelines import zone_data_flows, zone_data_products

from .support import config_with, sales_zone


def _counted(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    """Count the calls of ``module.name`` (one list item per call)."""
    calls: list[int] = []
    original: Callable[..., Any] = getattr(module, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


def _zones(dev_config: dict[str, str], count: int) -> dict[str, str]:
    zones = []
    for index in range(count):
        zone = sales_zone(dev_config)
        zone["name"] = f"zone{index + 1}"
        zone["addressSpace"] = f"10.{index + 1}.0.0/16"
        zones.append(zone)
    return config_with(dev_config, landingZones=zones)


def test_a_plan_validates_the_config_once_and_composes_each_zone_once(mode, monkeypatch, capsys):
    checks = _counted(monkeypatch, loader, "check")
    compositions = _counted(monkeypatch, pipeline_checks, "compose_zone")
    preview = ["--preview"] if mode == "preview" else []
    assert main(["plan", "--stack", "dev", "--json", "--report", "", *preview]) == 0
    plan = json.loads(capsys.readouterr().out)
    # The plan's own report read the zone's pipelines too: its data products are listed.
    assert plan["dataProducts"]["sales"]
    assert len(checks) == 1
    assert len(compositions) == 1  # the dev stack has one landing zone


def test_the_same_values_give_the_same_validated_config(dev_config, monkeypatch):
    checks = _counted(monkeypatch, loader, "check")
    first = parse_config(dev_config)
    # load_config() passes only the cloudscale keys and the provider's location: the same settings.
    program_view = {k: v for k, v in dev_config.items() if k.startswith("cloudscale:") or k == "azure-native:location"}
    assert parse_config(program_view) is first
    assert len(checks) == 1


def test_a_changed_config_is_validated_again(dev_config, monkeypatch, tmp_path):
    checks = _counted(monkeypatch, loader, "check")
    first = parse_config(dev_config)
    changed = parse_config(config_with(dev_config, tags={"Owner": "someone-else@adatum.example"}))
    assert changed is not first
    assert changed.tags["Owner"] == "someone-else@adatum.example"
    assert len(checks) == 2
    # Relative pipelineFolders resolve against the working directory: another one is another config.
    monkeypatch.chdir(tmp_path)
    assert parse_config(dev_config) is not first
    assert len(checks) == 3


def test_refused_config_is_refused_every_time(dev_config, monkeypatch):
    checks = _counted(monkeypatch, loader, "check")
    zone = sales_zone(dev_config)
    zone["dataProducts"] = ["data"]
    refused = config_with(dev_config, landingZones=[zone])
    for _ in range(2):
        with pytest.raises(ConfigError, match=r"landingZones\[0\]\.dataProducts"):
            parse_config(refused)
    assert len(checks) == 2


def test_the_shared_config_cannot_be_changed_by_anyone_who_reads_it(dev_config):
    config = parse_config(dev_config)
    zone = config.landing_zones[0]
    with pytest.raises(ValidationError, match="frozen"):
        config.prefix = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        config.landing_zones.append(zone)  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        config.tags["Owner"] = "someone"  # type: ignore[index]
    with pytest.raises(TypeError):
        zone.pipelines[0].settings["crmServiceUri"] = "https://elsewhere.example"  # type: ignore[index]
    with pytest.raises(AttributeError):
        zone.data_products.remove(zone.data_products[0])  # type: ignore[attr-defined]
    # Dumped as JSON, it is what the person wrote: lists and objects.
    dumped = config.model_dump(mode="json", by_alias=True)
    assert isinstance(dumped["landingZones"], list)
    assert isinstance(dumped["tags"], dict)


def test_each_zone_is_composed_once_for_the_check_the_deployment_and_the_plan(dev_config, monkeypatch):
    compositions = _counted(monkeypatch, pipeline_checks, "compose_zone")
    config = parse_config(_zones(dev_config, 3))
    assert len(compositions) == 3
    for zone in config.landing_zones:
        assert deployed_pipelines(zone).sets
    assert set(zone_data_flows(config)) == {"zone1", "zone2", "zone3"}
    assert set(zone_data_products(config)) == {"zone1", "zone2", "zone3"}
    assert len(compositions) == 3


def test_a_list_too_short_is_reported_as_a_list(dev_config):
    # The model keeps JSON arrays as tuples; the person wrote a list and reads about a list.
    hub = {
        "firewallPrivateIp": "10.200.0.4",
        "dnsServers": [],
        "hubVnetId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/hub/providers/"
        "Microsoft.Network/virtualNetworks/hub",
        "addressSpace": ["10.200.0.0/16"],
    }
    with pytest.raises(ConfigError) as refused:
        parse_config(config_with(dev_config, management={"firewall": {"enabled": False}, "existingHub": hub}))
    assert "management.existingHub.dnsServers: List should have at least 1 item" in str(refused.value)
    assert "Tuple" not in str(refused.value)


def test_zones_configured_alike_are_validated_once(dev_config, monkeypatch):
    monkeypatch.setattr(validate, "_VALIDATED", {})
    runs = _counted(monkeypatch, validate.Validator, "run")
    parse_config(_zones(dev_config, 3))
    assert len(runs) == 1
