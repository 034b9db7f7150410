"""The cloudscale component library: one service per module, each on the secure-service interface.

Names resolve lazily (PEP 562), so importing one component does not import every service's SDK. Type
checkers read the same names from the imports under ``TYPE_CHECKING``, so ``DataLakeArgs(purpose=2)``
is an error in a consumer's editor and under ``mypy --strict``, not ``Any``; a test keeps both lists equal.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # ``X as X`` marks each name as re-exported for type checkers (mypy --strict, PEP 484).
    from cloudscale.components.container_registry import (
        ContainerRegistry as ContainerRegistry,
        ContainerRegistryArgs as ContainerRegistryArgs,
    )
    from cloudscale.components.cosmos_account import (
        CosmosAccount as CosmosAccount,
        CosmosAccountArgs as CosmosAccountArgs,
        CosmosContainer as CosmosContainer,
    )
    from cloudscale.components.data_explorer import (
        DataExplorer as DataExplorer,
        DataExplorerArgs as DataExplorerArgs,
    )
    from cloudscale.components.data_factory import (
        DataFactory as DataFactory,
        DataFactoryArgs as DataFactoryArgs,
        FactoryLake as FactoryLake,
    )
    from cloudscale.components.data_lake import (
        DataLake as DataLake,
        DataLakeArgs as DataLakeArgs,
        ResourceInstanceAccess as ResourceInstanceAccess,
    )
    from cloudscale.components.encryption_key import (
        CustomerManagedKey as CustomerManagedKey,
        EncryptionKey as EncryptionKey,
        EncryptionKeyArgs as EncryptionKeyArgs,
    )
    from cloudscale.components.firewall import (
        Firewall as Firewall,
        FirewallArgs as FirewallArgs,
    )
    from cloudscale.components.hub_network import (
        HubNetwork as HubNetwork,
        HubNetworkArgs as HubNetworkArgs,
    )
    from cloudscale.components.key_vault import (
        KeyVault as KeyVault,
        KeyVaultArgs as KeyVaultArgs,
    )
    from cloudscale.components.log_analytics import (
        LogAnalytics as LogAnalytics,
        LogAnalyticsArgs as LogAnalyticsArgs,
    )
    from cloudscale.components.machine_learning import (
        CodeAsset as CodeAsset,
        LakeDatastore as LakeDatastore,
        MachineLearningArgs as MachineLearningArgs,
        MachineLearningWorkspace as MachineLearningWorkspace,
        OutboundPrivateEndpoint as OutboundPrivateEndpoint,
    )
    from cloudscale.components.private_dns import (
        PrivateDns as PrivateDns,
        PrivateDnsArgs as PrivateDnsArgs,
    )
    from cloudscale.components.purview import (
        Purview as Purview,
        PurviewArgs as PurviewArgs,
    )
    from cloudscale.components.spoke_network import (
        SpokeNetwork as SpokeNetwork,
        SpokeNetworkArgs as SpokeNetworkArgs,
        SubnetKind as SubnetKind,
        SubnetSpec as SubnetSpec,
    )
    from cloudscale.components.sql_hyperscale import (
        SqlHyperscale as SqlHyperscale,
        SqlHyperscaleArgs as SqlHyperscaleArgs,
    )
    from cloudscale.components.synapse_dataplane import (
        SynapseLinkedService as SynapseLinkedService,
        SynapseLinkedServiceArgs as SynapseLinkedServiceArgs,
        SynapseManagedPrivateEndpoint as SynapseManagedPrivateEndpoint,
        SynapseManagedPrivateEndpointArgs as SynapseManagedPrivateEndpointArgs,
    )
    from cloudscale.components.synapse_private_link_hub import (
        SynapsePrivateLinkHub as SynapsePrivateLinkHub,
        SynapsePrivateLinkHubArgs as SynapsePrivateLinkHubArgs,
    )
    from cloudscale.components.synapse_workspace import (
        SparkPoolSettings as SparkPoolSettings,
        SynapseWorkspace as SynapseWorkspace,
        SynapseWorkspaceArgs as SynapseWorkspaceArgs,
    )
    from cloudscale.components.vnet_peering import (
        VnetPeering as VnetPeering,
        VnetPeeringArgs as VnetPeeringArgs,
    )

_EXPORTS: dict[str, str] = {
    "CodeAsset": "machine_learning",
    "ContainerRegistry": "container_registry",
    "ContainerRegistryArgs": "container_registry",
    "CosmosAccount": "cosmos_account",
    "CosmosAccountArgs": "cosmos_account",
    "CosmosContainer": "cosmos_account",
    "CustomerManagedKey": "encryption_key",
    "DataExplorer": "data_explorer",
    "DataExplorerArgs": "data_explorer",
    "DataFactory": "data_factory",
    "DataFactoryArgs": "data_factory",
    "DataLake": "data_lake",
    "DataLakeArgs": "data_lake",
    "EncryptionKey": "encryption_key",
    "EncryptionKeyArgs": "encryption_key",
    "FactoryLake": "data_factory",
    "Firewall": "firewall",
    "FirewallArgs": "firewall",
    "HubNetwork": "hub_network",
    "HubNetworkArgs": "hub_network",
    "KeyVault": "key_vault",
    "KeyVaultArgs": "key_vault",
    "LakeDatastore": "machine_learning",
    "LogAnalytics": "log_analytics",
    "LogAnalyticsArgs": "log_analytics",
    "MachineLearningArgs": "machine_learning",
    "MachineLearningWorkspace": "machine_learning",
    "OutboundPrivateEndpoint": "machine_learning",
    "PrivateDns": "private_dns",
    "PrivateDnsArgs": "private_dns",
    "Purview": "purview",
    "PurviewArgs": "purview",
    "ResourceInstanceAccess": "data_lake",
    "SparkPoolSettings": "synapse_workspace",
    "SpokeNetwork": "spoke_network",
    "SpokeNetworkArgs": "spoke_network",
    "SqlHyperscale": "sql_hyperscale",
    "SqlHyperscaleArgs": "sql_hyperscale",
    "SubnetKind": "spoke_network",
    "SubnetSpec": "spoke_network",
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
