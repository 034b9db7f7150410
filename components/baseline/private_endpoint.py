"""A private endpoint plus its DNS zone group, in the zones its target's type declares for the group."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_azure_native import network

from cloudscale.components.baseline.type_facts import declare_type, registry, type_token
from cloudscale.components.core.dns_zones import render_zone, zone_resource_label

# Reviewed: an endpoint and its zone group hold no data and expose nothing on their own.
declare_type(network.PrivateEndpoint)
declare_type(network.PrivateDnsZoneGroup)


@dataclass
class PrivateEndpointPlacement:
    """Where a service's private endpoints go: the subnet, and the zone ids by zone name."""

    subnet_id: pulumi.Input[str]
    dns_zone_ids: Mapping[str, pulumi.Input[str]]


class MissingDnsZoneError(KeyError):
    pass


def private_endpoint(
    parent: pulumi.Resource,
    logical_name: str,
    *,
    endpoint_name: str,
    target_id: pulumi.Input[str],
    target_type: Any,
    group_id: str,
    placement: PrivateEndpointPlacement,
    resource_group_name: pulumi.Input[str],
    location: str,
    tags: Mapping[str, str],
    hooks: pulumi.ResourceHookBinding | None = None,
) -> tuple[network.PrivateEndpoint, network.PrivateDnsZoneGroup]:
    """The endpoint and its DNS zone group.

    The service's name resolves to the endpoint only once the zone group has registered the record, so
    anything that calls the service through the endpoint while deploying waits for the zone group; the
    group is the endpoint's child, and waiting for the endpoint does not wait for its children
    (Microsoft Learn, "Azure Private Endpoint DNS configuration"). ``hooks`` lift the target's delete
    lock while the endpoint is deleted (baseline/lock.py).
    """
    zones = [render_zone(zone, location) for zone in registry().private_dns_zones(target_type, group_id)]
    missing = [zone for zone in zones if zone not in placement.dns_zone_ids]
    if missing:
        raise MissingDnsZoneError(
            f"private endpoint {endpoint_name} ({type_token(target_type)}/{group_id}) needs DNS zone(s) "
            f"{', '.join(missing)}, which the zone contract does not provide"
        )
    endpoint = network.PrivateEndpoint(
        logical_name,
        private_endpoint_name=endpoint_name,
        resource_group_name=resource_group_name,
        location=location,
        subnet={"id": placement.subnet_id},
        custom_network_interface_name=f"{endpoint_name}-nic",
        private_link_service_connections=[
            {"name": endpoint_name, "private_link_service_id": target_id, "group_ids": [group_id]}
        ],
        tags=dict(tags),
        opts=pulumi.ResourceOptions(parent=parent, hooks=hooks),
    )
    zone_group = network.PrivateDnsZoneGroup(
        f"{logical_name}-dns",
        private_dns_zone_group_name="default",
        private_endpoint_name=endpoint.name,
        resource_group_name=resource_group_name,
        private_dns_zone_configs=[
            {"name": zone_resource_label(zone), "private_dns_zone_id": placement.dns_zone_ids[zone]} for zone in zones
        ],
        opts=pulumi.ResourceOptions(parent=endpoint),
    )
    return endpoint, zone_group
