"""The management zone's VNet: services subnet for private endpoints, NSG, and forced tunnelling to the firewall.

With its own firewall the zone also gets an ``AzureFirewallSubnet``; behind an enterprise hub it gets
none, uses the hub's DNS servers, routes to the hub's firewall and peers itself to the hub VNet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import network

from cloudscale.components.baseline import SecureComponent, ServiceBaseline
from cloudscale.components.core.busy_retry import busy_vnet_retry
from cloudscale.components.spoke_network import SubnetKind, SubnetSpec, subnet_rules
from cloudscale.components.virtual_network import (
    firewall_route_table,
    guarded_subnet,
    network_security_group,
    virtual_network,
)

# Azure Firewall only deploys into a subnet with exactly this name.
FIREWALL_SUBNET_NAME = "AzureFirewallSubnet"
DEFAULT_ROUTE_NAME = "default-to-firewall"


@dataclass
class HubNetworkArgs:
    baseline: ServiceBaseline
    address_space: str
    services_subnet_prefix: str
    # Every packet leaving the zone goes to this appliance: our firewall, or the enterprise hub's.
    egress_next_hop_ip: pulumi.Input[str]
    # None means bring your own hub: the hub already runs the firewall, so no subnet for one here.
    firewall_subnet_prefix: str | None = None
    # Empty means Azure-provided DNS, which resolves the private zones linked to this VNet.
    dns_servers: pulumi.Input[Sequence[pulumi.Input[str]]] = field(default_factory=list)
    # The enterprise hub to peer with; only this side of the peering is ours to create.
    remote_hub_vnet_id: str | None = None
    # The ranges whose clients may reach the services subnet's private endpoints: the directly peered
    # VNets and known clients. Empty admits nothing.
    client_prefixes: Sequence[str] = ()


class HubNetwork(SecureComponent):
    def __init__(self, name: str, args: HubNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cloudscale:network:HubNetwork", name, args.baseline, opts)
        self.vnet_name = args.baseline.namer.name("virtual_network")
        self.vnet = virtual_network(
            self,
            f"{name}-vnet",
            vnet_name=self.vnet_name,
            address_space=args.address_space,
            dns_servers=args.dns_servers,
        )
        self.vnet_id: pulumi.Output[str] = self.vnet.id
        self._create_services_guards(name, args)
        self._create_subnets(name, args)
        self.hub_peering: network.VirtualNetworkPeering | None = None
        if args.remote_hub_vnet_id is not None:
            self.hub_peering = self._peer_with_hub(name, args, args.remote_hub_vnet_id)
        # Later writes to this VNet (the landing zones' hub-side peerings) queue behind this one, and
        # peerings from other VNets wait for the last subnet: Azure refuses a peering whose remote VNet
        # is still Updating (400 ReferencedResourceNotProvisioned).
        self.last_subnet: pulumi.Resource = self.services_subnet
        self.last_write: pulumi.Resource = self.hub_peering or self.services_subnet

        self.register_outputs(
            {
                "vnet_id": self.vnet_id,
                "vnet_name": self.vnet_name,
                "services_subnet_id": self.services_subnet_id,
            }
        )

    def _create_services_guards(self, name: str, args: HubNetworkArgs) -> None:
        """The services subnet's network security group and its route to the egress firewall."""
        b = args.baseline
        self.nsg = network_security_group(
            self,
            f"{name}-nsg",
            nsg_name=b.namer.name("network_security_group", "services"),
            purpose="nsg",
            # The landing zones' deny-by-default rules for a private-endpoint subnet. Azure's defaults are
            # not enough: AllowVnetInBound covers every prefix a route table or gateway makes reachable,
            # so on-premises ranges routed through a hub would reach every endpoint here.
            security_rules=subnet_rules(
                SubnetSpec("services", args.services_subnet_prefix, SubnetKind.PRIVATE_ENDPOINTS),
                peers=args.client_prefixes,
                dns_servers=args.dns_servers,
            ),
        )
        self.route_table = firewall_route_table(
            self,
            f"{name}-rt",
            route_table_name=b.namer.name("route_table", "services"),
            route_name=DEFAULT_ROUTE_NAME,
            firewall_ip=args.egress_next_hop_ip,
        )

    def _create_subnets(self, name: str, args: HubNetworkArgs) -> None:
        b = args.baseline
        # Azure rejects concurrent writes to the subnets of one VNet, so each subnet waits for the previous one.
        self.firewall_subnet: network.Subnet | None = None
        previous: list[pulumi.Resource] = []
        if args.firewall_subnet_prefix is not None:
            self.firewall_subnet = network.Subnet(
                f"{name}-snet-firewall",
                subnet_name=FIREWALL_SUBNET_NAME,
                virtual_network_name=self.vnet.name,
                resource_group_name=b.resource_group_name,
                address_prefix=args.firewall_subnet_prefix,
                opts=self._child_opts(parent=self.vnet),
            )
            previous = [self.firewall_subnet]
        self.services_subnet = guarded_subnet(
            self,
            f"{name}-snet-services",
            subnet_name=b.namer.name("subnet", "services"),
            virtual_network_name=self.vnet.name,
            address_prefix=args.services_subnet_prefix,
            nsg=self.nsg,
            route_table=self.route_table,
            opts=self._child_opts(parent=self.vnet, depends_on=previous),
        )
        self.services_subnet_id: pulumi.Output[str] = self.services_subnet.id

    def _peer_with_hub(
        self, name: str, args: HubNetworkArgs, remote_hub_vnet_id: pulumi.Input[str]
    ) -> network.VirtualNetworkPeering:
        b = args.baseline
        # The hub owner creates the reverse peering; a peering is also a VNet write, so it queues behind
        # the subnets.
        return network.VirtualNetworkPeering(
            f"{name}-peer-hub",
            virtual_network_peering_name=b.namer.name("peering", "hub"),
            virtual_network_name=self.vnet.name,
            resource_group_name=b.resource_group_name,
            remote_virtual_network={"id": remote_hub_vnet_id},
            allow_virtual_network_access=True,
            allow_forwarded_traffic=True,
            allow_gateway_transit=False,
            use_remote_gateways=False,
            # The enterprise hub's owner writes its VNet on a schedule of their own.
            opts=pulumi.ResourceOptions.merge(
                self._child_opts(parent=self.vnet, depends_on=[self.services_subnet]),
                pulumi.ResourceOptions(hooks=busy_vnet_retry(f"{name}-peer-hub-retry-busy-vnet")),
            ),
        )

    @property
    def firewall_subnet_id(self) -> pulumi.Output[str]:
        """The ``AzureFirewallSubnet``'s id; a hub without it (egress through an existing hub) raises."""
        if self.firewall_subnet is None:
            raise ValueError(f"{self._name} has no {FIREWALL_SUBNET_NAME}: its egress is an existing hub's firewall")
        return self.firewall_subnet.id
