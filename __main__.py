"""Pulumi entry point: validate config, declare the stack's zones, export the zone contract."""

import pulumi

from cloudscale.stacks import build_platform, load_config

for key, value in build_platform(load_config()).items():
    pulumi.export(key, value)
