"""The zone contract: what the management zone hands every landing zone, defined once.

``all`` stacks pass it in memory; ``landing`` stacks read the same keys back from the management
stack's outputs through a StackReference.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

import pulumi

from cloudscale.components.baseline import PrivateEndpointPlacement


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

    @staticmethod
    def output_key(field_name: str) -> str:
        head, *rest = field_name.split("_")
        return head + "".join(part.capitalize() for part in rest)

    def to_outputs(self) -> dict[str, pulumi.Output[Any]]:
        return {self.output_key(f.name): getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_stack_reference(cls, reference: pulumi.StackReference) -> ZoneContract:
        return cls(**{f.name: reference.require_output(cls.output_key(f.name)) for f in fields(cls)})

    def dns_zone_ids(self, zones: Iterable[str]) -> dict[str, pulumi.Output[str]]:
        """Zone ids keyed by zone name, so consumers can check which zones exist before the values do."""
        return {zone: self.private_dns_zone_ids.apply(lambda ids, z=zone: ids[z]) for zone in zones}

    def placement(self, subnet_id: pulumi.Input[str], zones: Iterable[str]) -> PrivateEndpointPlacement:
        return PrivateEndpointPlacement(subnet_id=subnet_id, dns_zone_ids=self.dns_zone_ids(zones))
