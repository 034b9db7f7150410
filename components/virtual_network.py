"""What the management zone's VNet and the landing zones' spokes are built from.

Both networks must hold the same line: every subnet behind an NSG and a default route to a firewall,
enforced on private endpoints as well, with no implicit way out. Declaring those pieces once keeps the
two networks from drifting apart; each component only decides names, rules and the order of writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
from pulumi_azure_native import network

from cloudscale.components.baseline import LOGS_AND_METRICS, LOGS_ONLY, SecureComponent
from cloudscale.components.baseline.type_facts import SerialisedWrites, declare_type

for _network_type in (network.VirtualNetwork, network.NetworkSecurityGroup, network.RouteTable, network.Subnet):
    declare_type(_network_type)
declare_type(
    network.VirtualNetwork,
    serialised_writes=(
        SerialisedWrites.of(
            "virtual network",
            (network.VirtualNetwork, network.Subnet, network.VirtualNetworkPeering),
            name_input="virtualNetworkName",
            source="Microsoft.Network accepts one write per VNet at a time: ARM error AnotherOperationInProgress "
            "(pulumi/pulumi-azure-native#699, hashicorp/terraform-provider-azurerm#3780)",
        ),
    ),
)
# Flow and rule-counter logs of networks and their security groups go to Log Analytics.
for _network_type in (network.VirtualNetwork, network.NetworkSecurityGroup):
    declare_type(_network_type, diagnosable=True)


def virtual_network(
    component: SecureComponent,
    logical_name: str,
    *,
    vnet_name: str,
    address_space: str,
    dns_servers: pulumi.Input[Sequence[pulumi.Input[str]]],
) -> network.VirtualNetwork:
    """The VNet, with its logs and metrics sent to the baseline's workspace."""
    b = component.baseline
    vnet = network.VirtualNetwork(
        logical_name,
        virtual_network_name=vnet_name,
        resource_group_name=b.resource_group_name,
        location=b.location,
        address_space={"address_prefixes": [address_space]},
        dhcp_options={"dns_servers": dns_servers},
        tags=component._tags,
        opts=component._child_opts(),
    )
    component._secure(vnet, logical_name=logical_name, purpose="vnet", diagnostics=LOGS_AND_METRICS)
    return vnet


def network_security_group(
    component: SecureComponent,
    logical_name: str,
    *,
    nsg_name: str,
    purpose: str,
    security_rules: Sequence[dict[str, Any]],
) -> network.NetworkSecurityGroup:
    """An NSG whose rule hits are logged to the baseline's workspace."""
    b = component.baseline
    nsg = network.NetworkSecurityGroup(
        logical_name,
        network_security_group_name=nsg_name,
        resource_group_name=b.resource_group_name,
        location=b.location,
        security_rules=list(security_rules),
        tags=component._tags,
        opts=component._child_opts(),
    )
    component._secure(nsg, logical_name=logical_name, purpose=purpose, diagnostics=LOGS_ONLY)
    return nsg


def firewall_route_table(
    component: SecureComponent,
    logical_name: str,
    *,
    route_table_name: str,
    route_name: str,
    firewall_ip: pulumi.Input[str],
) -> network.RouteTable:
    """A route table that sends everything not inside the VNet to the firewall at ``firewall_ip``."""
    b = component.baseline
    return network.RouteTable(
        logical_name,
        route_table_name=route_table_name,
        resource_group_name=b.resource_group_name,
        location=b.location,
        # A route learned over BGP from a gateway must never bypass the firewall.
        disable_bgp_route_propagation=True,
        routes=[
            {
                "name": route_name,
                "address_prefix": "0.0.0.0/0",
                "next_hop_type": "VirtualAppliance",
                "next_hop_ip_address": firewall_ip,
            }
        ],
        tags=component._tags,
        opts=component._child_opts(),
    )


def guarded_subnet(
    component: SecureComponent,
    logical_name: str,
    *,
    subnet_name: str,
    virtual_network_name: pulumi.Input[str],
    address_prefix: str,
    nsg: network.NetworkSecurityGroup,
    route_table: network.RouteTable,
    opts: pulumi.ResourceOptions,
    delegation: str | None = None,
) -> network.Subnet:
    """A subnet behind ``nsg`` whose traffic leaves only through ``route_table``.

    ``opts`` carries the parent and the order of the VNet's writes, which each network decides itself.
    """
    return network.Subnet(
        logical_name,
        subnet_name=subnet_name,
        virtual_network_name=virtual_network_name,
        resource_group_name=component.baseline.resource_group_name,
        address_prefix=address_prefix,
        network_security_group={"id": nsg.id},
        route_table={"id": route_table.id},
        # "Enabled" makes the NSG rules and the routes apply to private endpoints too, not only to NICs.
        private_endpoint_network_policies="Enabled",
        # No implicit public outbound IP: the subnet leaves through the firewall or not at all.
        default_outbound_access=False,
        delegations=[{"name": delegation.replace("/", "-"), "service_name": delegation}] if delegation else None,
        opts=opts,
    )
