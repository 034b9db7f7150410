"""The zone contract: what the management zone hands every landing zone, defined once.

``all`` stacks pass it in memory; ``landing`` stacks read the same keys back from the management
stack's outputs through a StackReference.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import Field, dataclass, field, fields
from typing import Any

import pulumi

from cloudscale.components.baseline import PrivateEndpointPlacement

# Marks a contract field that exists only in memory (``all`` role): a StackReference carries values,
# never resources, so a landing stack cannot order its writes after the management stack's.
IN_MEMORY = "in_memory"


@dataclass
class HubVnetWrites:
    """The management VNet's writes, for peerings declared in the same program to queue behind.

    Azure accepts one write at a time on a VNet (``AnotherOperationInProgress``) and refuses a peering
    whose remote VNet is still being written (``ReferencedResourceNotProvisioned``).
    """

    # The VNet's last write of any kind: a new write on the hub VNet waits for it.
    last: pulumi.Resource
    # The hub's last subnet: a peering from another VNet to the hub waits for it.
    built: pulumi.Resource


@dataclass
class ZoneContract:
    hub_vnet_id: pulumi.Output[str]
    hub_vnet_name: pulumi.Output[str]
    hub_resource_group_name: pulumi.Output[str]
    firewall_private_ip: pulumi.Output[str]
    dns_servers: pulumi.Output[list[str]]
    private_dns_zone_ids: pulumi.Output[dict[str, str]]
    purview_id: pulumi.Output[str]
    purview_principal_id: pulumi.Output[str]
    # Managed VNets push lineage through private endpoints on it as well as on the account.
    purview_ingestion_storage_id: pulumi.Output[str]
    log_analytics_workspace_id: pulumi.Output[str]
    monitor_private_link_scope_id: pulumi.Output[str]
    key_vault_id: pulumi.Output[str]
    container_registry_id: pulumi.Output[str]
    hub_vnet_writes: HubVnetWrites | None = field(default=None, metadata={IN_MEMORY: True})
    # The Fabric capacity, for workspaces declared in the same program to wait for; a landing stack finds
    # the capacity by its name instead (stacks/fabric_serving.py).
    fabric_capacity: pulumi.Resource | None = field(default=None, metadata={IN_MEMORY: True})

    @classmethod
    def output_fields(cls) -> list[Field[object]]:
        """The fields the management stack exports and a landing stack reads back."""
        return [f for f in fields(cls) if not f.metadata.get(IN_MEMORY)]

    @staticmethod
    def output_key(field_name: str) -> str:
        head, *rest = field_name.split("_")
        return head + "".join(part.capitalize() for part in rest)

    def to_outputs(self) -> dict[str, pulumi.Output[Any]]:
        return {self.output_key(f.name): getattr(self, f.name) for f in self.output_fields()}

    @classmethod
    def from_stack_reference(cls, reference: pulumi.StackReference) -> ZoneContract:
        return cls(**{f.name: reference.require_output(cls.output_key(f.name)) for f in cls.output_fields()})

    def dns_zone_ids(self, zones: Iterable[str]) -> dict[str, pulumi.Output[str]]:
        """Zone ids keyed by zone name, so consumers can check which zones exist before the values do."""
        return {zone: self.private_dns_zone_ids.apply(lambda ids, z=zone: ids[z]) for zone in zones}

    def placement(self, subnet_id: pulumi.Input[str], zones: Iterable[str]) -> PrivateEndpointPlacement:
        return PrivateEndpointPlacement(subnet_id=subnet_id, dns_zone_ids=self.dns_zone_ids(zones))
