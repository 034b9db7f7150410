"""Compositions of components into zones, the typed config, and the role-driven program."""

from cloudscale.stacks.config import ConfigError, PlatformConfig, load_config, parse_config
from cloudscale.stacks.contract import ZoneContract
from cloudscale.stacks.program import build_platform, run_platform

__all__ = [
    "ConfigError",
    "PlatformConfig",
    "ZoneContract",
    "build_platform",
    "load_config",
    "parse_config",
    "run_platform",
]
