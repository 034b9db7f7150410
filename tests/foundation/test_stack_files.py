"""Every stack file shipped in the repository is a valid configuration."""

from __future__ import annotations

import pytest

from cloudscale.stacks.config import parse_config
from cloudscale.stacks.offline.stack_files import PROJECT_ROOT, load_stack_config

STACKS = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in PROJECT_ROOT.glob("Pulumi.*.yaml"))


def test_the_documented_stacks_exist():
    assert {"dev", "mgmt", "sales"} <= set(STACKS)


@pytest.mark.parametrize("stack", STACKS)
def test_stack_file_validates(stack):
    config = parse_config(load_stack_config(stack))
    assert config.prefix == "adatum"
    if config.role == "landing":
        assert config.management_stack and config.landing_zone
