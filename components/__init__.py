"""The cloudscale component library: one service per module, each on the secure-service interface.

Names resolve lazily (PEP 562), so importing one component does not import every service's SDK.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "ContainerRegistry": "container_registry",
    "ContainerRegistryArgs": "container_registry",
    "CosmosAccount": "cosmos_account",
    "CosmosAccountArgs": "cosmos_account",
    "DataFactory": "data_factory",
    "DataFactoryArgs": "data_factory",
    "DataLake": "data_lake",
    "DataLakeArgs": "data_lake",
    "Firewall": "firewall",
    "FirewallArgs": "firewall",
    "HubNetwork": "hub_network",
    "HubNetworkArgs": "hub_network",
    "KeyVault": "key_vault",
    "KeyVaultArgs": "key_vault",
    "LogAnalytics": "log_analytics",
    "LogAnalyticsArgs": "log_analytics",
    "MachineLearningArgs": "machine_learning",
    "MachineLearningWorkspace": "machine_learning",
    "PrivateDns": "private_dns",
    "PrivateDnsArgs": "private_dns",
    "Purview": "purview",
    "PurviewArgs": "purview",
    "SpokeNetwork": "spoke_network",
    "SpokeNetworkArgs": "spoke_network",
    "SqlHyperscale": "sql_hyperscale",
    "SqlHyperscaleArgs": "sql_hyperscale",
    "SynapseLinkedService": "synapse_dataplane",
    "SynapseLinkedServiceArgs": "synapse_dataplane",
    "SynapseManagedPrivateEndpoint": "synapse_dataplane",
    "SynapseManagedPrivateEndpointArgs": "synapse_dataplane",
    "SynapsePrivateLinkHub": "synapse_private_link_hub",
    "SynapsePrivateLinkHubArgs": "synapse_private_link_hub",
    "SynapseWorkspace": "synapse_workspace",
    "SynapseWorkspaceArgs": "synapse_workspace",
    "VnetPeering": "vnet_peering",
    "VnetPeeringArgs": "vnet_peering",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cloudscale.components' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return __all__
