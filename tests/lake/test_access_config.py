"""``landingZones[].access``: team access to lake folders is validated like every other key."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudscale.stacks import build_platform, load_config
from cloudscale.stacks.config import ConfigError, parse_config

GROUP = "3f2a1b4c-0d5e-4f60-8a71-92b3c4d5e6f7"


def _with_access(dev_config: dict[str, str], access: dict[str, Any]) -> dict[str, str]:
    values = dict(dev_config)
    zones = json.loads(values["cloudscale:landingZones"])
    zones[0]["access"] = access
    values["cloudscale:landingZones"] = json.dumps(zones)
    return values


BAD_ACCESS = [
    ("unknown-integration", {"integrations": {"hr": {"read": [GROUP]}}}, "landingZones[0].access.integrations.hr"),
    ("unknown-product", {"dataProducts": {"churn": {"write": [GROUP]}}}, "landingZones[0].access.dataProducts.churn"),
    ("not-an-object-id", {"integrations": {"crm": {"read": ["crm-readers"]}}}, "access.integrations.crm.read[0]"),
    ("read-and-write", {"integrations": {"crm": {"read": [GROUP], "write": [GROUP]}}}, "access.integrations.crm.read"),
    ("unknown-permission", {"integrations": {"crm": {"admin": [GROUP]}}}, "access.integrations.crm.admin"),
]


@pytest.mark.parametrize(("case", "access", "key"), BAD_ACCESS, ids=[c[0] for c in BAD_ACCESS])
def test_bad_access_names_the_key(dev_config, case, access, key):
    with pytest.raises(ConfigError) as raised:
        parse_config(_with_access(dev_config, access))
    assert key in str(raised.value)


@pytest.mark.parametrize(("case", "access", "key"), BAD_ACCESS[:2], ids=[c[0] for c in BAD_ACCESS[:2]])
def test_bad_access_is_rejected_before_any_resource_is_registered(offline, dev_config, case, access, key):
    with pytest.raises(ConfigError):
        offline.run(lambda: build_platform(load_config()), config=_with_access(dev_config, access))
    assert offline.mocks is not None
    assert offline.mocks.resources == []


def test_dev_stack_declares_team_access(dev_config):
    zone = parse_config(dev_config).zone("sales")
    assert set(zone.access.integrations) == {"crm", "erp", "leasing"}
    assert str(zone.access.integrations["crm"].write[0]) == GROUP
