"""One direction of a VNet peering; a link between two VNets is two of these, one on each side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network

from cloudscale.components.baseline import SecureComponent, ServiceBaseline
from cloudscale.components.baseline.type_facts import declare_type
from cloudscale.components.core.busy_retry import busy_vnet_retry

declare_type(network.VirtualNetworkPeering)


@dataclass
class VnetPeeringArgs:
    # ``resource_group_name`` is the local VNet's group, where Azure keeps the peering.
    baseline: ServiceBaseline
    local_vnet_name: pulumi.Input[str]
    # Zone labels name the peering after both ends: peer-<prefix>-<env>-<local>-to-<remote>.
    local_zone: str
    remote_zone: str
    remote_vnet_id: pulumi.Input[str]
    # Gateway settings stay off unless the remote side really has a gateway; Azure rejects them otherwise.
    allow_gateway_transit: bool = False
    use_remote_gateways: bool = False
    # Azure serialises writes to one VNet (subnets, peerings); the peering waits for these.
    after: Sequence[pulumi.Resource] = ()


class VnetPeering(SecureComponent):
    def __init__(self, name: str, args: VnetPeeringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cloudscale:network:VnetPeering", name, args.baseline, opts)
        b = args.baseline
        self.peering_name = b.namer.for_zone(args.local_zone).name("peering", f"to-{args.remote_zone}")
        self.peering = network.VirtualNetworkPeering(
            f"{name}-peering",
            virtual_network_peering_name=self.peering_name,
            virtual_network_name=args.local_vnet_name,
            resource_group_name=b.resource_group_name,
            remote_virtual_network={"id": args.remote_vnet_id},
            allow_virtual_network_access=True,
            # Traffic the hub firewall forwards (egress replies, traffic from on-premises) must be accepted.
            allow_forwarded_traffic=True,
            allow_gateway_transit=args.allow_gateway_transit,
            use_remote_gateways=args.use_remote_gateways,
            # ``after`` orders the writes this program knows; other stacks' writes on the same VNet (several
            # landing stacks peering with one hub) can only be retried.
            opts=pulumi.ResourceOptions.merge(
                self._child_opts(depends_on=args.after),
                pulumi.ResourceOptions(hooks=busy_vnet_retry(f"{name}-retry-busy-vnet")),
            ),
        )
        self.register_outputs({"peering_name": self.peering_name})
