"""What a landing zone's data services (SQL, Cosmos, Azure ML) get from the zone around them.

The landing-zone composition builds one of these per zone and hands it to ``deploy_data_services``;
the protocols name exactly what the services rely on, so either side can change its internals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import pulumi
from pulumi_azure_native import datafactory, resources, storage, synapse

from cloudscale.components.baseline import Principal, PrivateEndpointPlacement
from cloudscale.components.encryption_key import CustomerManagedKey
from cloudscale.components.key_vault import KeyVault
from cloudscale.stacks.config import LandingZoneConfig
from cloudscale.stacks.contract import ZoneContract
from cloudscale.stacks.zone_scope import ZoneScope

RAW = "raw"
ENRICHED = "enriched"
WORKSPACE = "workspace"


class LakeLike(Protocol):
    account: storage.StorageAccount
    account_name: str
    id: pulumi.Output[str]
    dfs_endpoint: pulumi.Output[str]
    containers: dict[str, storage.BlobContainer]

    def grant_read(self, principal: Principal, container: str | None = None) -> pulumi.Resource: ...

    def grant_write(self, principal: Principal, container: str | None = None) -> pulumi.Resource: ...


class ManagedNetworkServiceLike(Protocol):
    """Data Factory or Synapse: an identity to grant data access to, and a managed VNet that reaches sources."""

    principal: Principal

    def add_managed_private_endpoint(
        self, logical_name: str, *, endpoint_name: str, target_id: pulumi.Input[str], group_id: str
    ) -> pulumi.Resource: ...

    def add_linked_service(
        self, logical_name: str, *, linked_service_name: str, properties: dict[str, Any]
    ) -> pulumi.Resource: ...


class DataFactoryLike(ManagedNetworkServiceLike, Protocol):
    factory: datafactory.Factory
    factory_name: str
    resource_group_name: pulumi.Input[str]
    integration_runtime_name: str
    managed_virtual_network_name: str


class SynapseLike(ManagedNetworkServiceLike, Protocol):
    workspace: synapse.Workspace
    workspace_name: str


@dataclass
class LandingZoneContext:
    scope: ZoneScope
    zone: LandingZoneConfig
    contract: ZoneContract
    services_group: resources.ResourceGroup
    placement: PrivateEndpointPlacement
    log_analytics_workspace_id: pulumi.Output[str]
    compute_subnet_id: pulumi.Output[str]
    key_vault: KeyVault
    lakes: Mapping[str, LakeLike]
    data_factory: DataFactoryLike | None
    synapse: SynapseLike | None
    # The zone's key when cloudscale:encryption.customerManagedKeys is on.
    customer_managed_key: CustomerManagedKey | None = None
