"""Compositions of components into zones, the typed config, and the role-driven program."""

from stacks.config import ConfigError, PlatformConfig, load_config, parse_config
from stacks.contract import ZoneContract
from stacks.program import build_platform

__all__ = ["ConfigError", "PlatformConfig", "ZoneContract", "build_platform", "load_config", "parse_config"]
