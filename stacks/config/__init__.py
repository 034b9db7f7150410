"""Typed, validated configuration: from Pulumi config to ``PlatformConfig``, or a ``ConfigError``."""

from cloudscale.stacks.config.errors import ConfigError, ConfigProblem
from cloudscale.stacks.config.loader import config_keys, load_config, parse_config
from cloudscale.stacks.config.model import (
    CosmosConfig,
    LandingZoneConfig,
    MachineLearningConfig,
    ManagementConfig,
    PlatformConfig,
    SqlHyperscaleConfig,
    SynapseConfig,
)
from cloudscale.stacks.config.network_plan import landing_subnets

__all__ = [
    "ConfigError",
    "ConfigProblem",
    "CosmosConfig",
    "LandingZoneConfig",
    "MachineLearningConfig",
    "ManagementConfig",
    "PlatformConfig",
    "SqlHyperscaleConfig",
    "SynapseConfig",
    "config_keys",
    "landing_subnets",
    "load_config",
    "parse_config",
]
