"""A landing zone's spoke VNet: subnets by role, an NSG on each, egress and DNS through the hub firewall."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pulumi
from pulumi_azure_native import network

from cloudscale.components.baseline import SecureComponent, ServiceBaseline
from cloudscale.components.core import Namer
from cloudscale.components.virtual_network import (
    firewall_route_table,
    guarded_subnet,
    network_security_group,
    virtual_network,
)

# NSG priorities: explicit allows from 100, and our own deny-all just above Azure's defaults, whose
# AllowVnetInBound / AllowAzureLoadBalancerInBound / AllowInternetOutBound would otherwise apply.
_FIRST_PRIORITY = 100
_DENY_ALL_PRIORITY = 4096


class SubnetKind(StrEnum):
    """What runs in a subnet, which decides its NSG rules."""

    # Private endpoints only: reachable from the peered network, never initiating traffic.
    PRIVATE_ENDPOINTS = "privateEndpoints"
    # VMs, VNet-integrated services and gateways: talk to the network and leave through the firewall.
    # Azure ML compute is not among them: with managed network isolation its clusters run in the
    # AML-managed VNet, outside every subnet of the zone, so no subnet carries Azure ML rules.
    WORKLOAD = "workload"


@dataclass(frozen=True)
class SubnetSpec:
    role: str
    address_prefix: str
    kind: SubnetKind = SubnetKind.WORKLOAD
    # Service the subnet is delegated to, e.g. Microsoft.PowerPlatform/vnetaccesslinks.
    delegation: str | None = None


@dataclass
class SpokeNetworkArgs:
    baseline: ServiceBaseline
    address_space: str
    # Created in this order, one after another.
    subnets: Sequence[SubnetSpec]
    # The hub firewall's DNS proxy (or the bring-your-own hub's DNS servers).
    dns_servers: pulumi.Input[Sequence[str]]
    firewall_private_ip: pulumi.Input[str]
    # The directly peered VNets (management, every landing zone and, behind one, the enterprise hub):
    # the only peers of the NSG rules. The VirtualNetwork service tag cannot be used: with a 0.0.0.0/0
    # user-defined route it grows to include every address, so rules on it would allow everything.
    platform_prefixes: Sequence[str]
    # Ranges outside the platform (on-premises, the enterprise hub) whose clients use this zone's
    # private endpoints and which its workloads (a self-hosted integration runtime) may reach.
    client_prefixes: Sequence[str] = ()


def spoke_vnet_name(namer: Namer) -> str:
    """The spoke VNet's name, defined once: the operator actions name the VNet before it exists."""
    return namer.name("virtual_network")


Addresses = str | Sequence[str] | pulumi.Output[Sequence[str]]


def _rule(
    name: str,
    priority: int,
    direction: str,
    access: str = "Allow",
    *,
    source: Addresses = "*",
    destination: Addresses = "*",
    ports: Sequence[str] = ("*",),
    protocol: str = "*",
) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "name": name,
        "priority": priority,
        "direction": direction,
        "access": access,
        "protocol": protocol,
        "source_port_range": "*",
    }
    for side, addresses in (("source", source), ("destination", destination)):
        if isinstance(addresses, str):
            rule[f"{side}_address_prefix"] = addresses
        else:
            rule[f"{side}_address_prefixes"] = addresses if isinstance(addresses, pulumi.Output) else list(addresses)
    if len(ports) == 1:
        rule["destination_port_range"] = ports[0]
    else:
        rule["destination_port_ranges"] = list(ports)
    return rule


# Windows VMs (self-hosted integration runtimes) activate against Azure KMS on TCP 1688. The forced
# route sends it to the firewall, whose ``windows-activation`` rule admits only azkms.core.windows.net
# and kms.core.windows.net (Microsoft Learn, "Troubleshoot Azure Windows virtual machine activation
# problems"); without this NSG rule the deny-all below drops it before the firewall ever sees it.
KMS_PORT = "1688"


def nsg_rules(spec: SubnetSpec, args: SpokeNetworkArgs) -> list[dict[str, Any]]:
    """Deny by default in both directions, then allow only what the subnet's kind needs."""
    return subnet_rules(spec, peers=[*args.platform_prefixes, *args.client_prefixes], dns_servers=args.dns_servers)


def subnet_rules(
    spec: SubnetSpec, *, peers: Sequence[str], dns_servers: pulumi.Input[Sequence[str]]
) -> list[dict[str, Any]]:
    """The rules of ``nsg_rules`` for any VNet: ``peers`` are the only ranges a subnet talks to directly."""
    peers = list(peers)
    inbound: list[tuple[str, dict[str, Any]]] = []
    outbound: list[tuple[str, dict[str, Any]]] = []
    if spec.kind is SubnetKind.PRIVATE_ENDPOINTS:
        # Each endpoint listens only on its own service's ports (443, 1433, Cosmos direct mode...), so
        # the source is what matters: the platform and its known clients, nothing else.
        inbound.append(("allow-clients-to-endpoints", {"source": peers, "destination": spec.address_prefix}))
    else:
        outbound.append(("allow-platform", {"source": spec.address_prefix, "destination": peers}))
        outbound.append(("allow-dns", {"destination": pulumi.Output.from_input(dns_servers), "ports": ("53",)}))
        # The route table sends these through the hub firewall, which applies the FQDN allow-lists.
        outbound.append(("allow-https-via-firewall", {"destination": "Internet", "ports": ("443",), "protocol": "Tcp"}))
        outbound.append(
            ("allow-kms-via-firewall", {"destination": "Internet", "ports": (KMS_PORT,), "protocol": "Tcp"})
        )
    rules = [_rule(name, _FIRST_PRIORITY + 10 * i, "Inbound", **settings) for i, (name, settings) in enumerate(inbound)]
    rules += [
        _rule(name, _FIRST_PRIORITY + 10 * i, "Outbound", **settings) for i, (name, settings) in enumerate(outbound)
    ]
    rules.append(_rule("deny-all-inbound", _DENY_ALL_PRIORITY, "Inbound", "Deny"))
    rules.append(_rule("deny-all-outbound", _DENY_ALL_PRIORITY, "Outbound", "Deny"))
    return rules


class SpokeNetwork(SecureComponent):
    def __init__(self, name: str, args: SpokeNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cloudscale:network:SpokeNetwork", name, args.baseline, opts)
        b = args.baseline
        self.vnet_name = spoke_vnet_name(b.namer)
        self.route_table = firewall_route_table(
            self,
            f"{name}-routes",
            route_table_name=b.namer.name("route_table"),
            route_name="to-firewall-default",
            firewall_ip=args.firewall_private_ip,
        )
        self.vnet = virtual_network(
            self,
            f"{name}-vnet",
            vnet_name=self.vnet_name,
            address_space=args.address_space,
            dns_servers=args.dns_servers,
        )
        self.id: pulumi.Output[str] = self.vnet.id
        self.security_groups: dict[str, network.NetworkSecurityGroup] = {}
        self.subnets: dict[str, network.Subnet] = {}
        previous: pulumi.Resource = self.vnet
        for spec in args.subnets:
            nsg = network_security_group(
                self,
                f"{name}-nsg-{spec.role}",
                nsg_name=b.namer.name("network_security_group", spec.role),
                purpose=f"nsg-{spec.role}",
                security_rules=nsg_rules(spec, args),
            )
            # Azure rejects concurrent writes to one VNet's subnets, so each waits for the one before.
            subnet = guarded_subnet(
                self,
                f"{name}-subnet-{spec.role}",
                subnet_name=b.namer.name("subnet", spec.role),
                # The known name keeps plans readable; the dependency on the VNet comes from ``previous``.
                virtual_network_name=self.vnet_name,
                address_prefix=spec.address_prefix,
                nsg=nsg,
                route_table=self.route_table,
                delegation=spec.delegation,
                opts=self._child_opts(depends_on=[previous]),
            )
            self.security_groups[spec.role] = nsg
            self.subnets[spec.role] = subnet
            previous = subnet
        # Later writes to this VNet (peerings) queue behind the last subnet for the same reason.
        self.last_write: pulumi.Resource = previous
        self.subnet_ids: dict[str, pulumi.Output[str]] = {role: s.id for role, s in self.subnets.items()}
        self.register_outputs({"id": self.id, "vnet_name": self.vnet_name, "subnet_ids": self.subnet_ids})


def subnet_specs(
    plan: Mapping[str, Any],
    *,
    private_endpoint_roles: Sequence[str],
    delegations: Mapping[str, str] | None = None,
) -> list[SubnetSpec]:
    """Specs for a role -> CIDR plan; roles not named as endpoints are workloads."""
    delegations = delegations or {}
    specs = []
    for role, cidr in plan.items():
        kind = SubnetKind.PRIVATE_ENDPOINTS if role in private_endpoint_roles else SubnetKind.WORKLOAD
        specs.append(SubnetSpec(role, str(cidr), kind, delegations.get(role)))
    return specs
