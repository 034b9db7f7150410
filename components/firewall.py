"""Azure Firewall with a policy: the platform's only way out to the internet and every zone's DNS proxy."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
from pulumi_azure_native import network

from cloudscale.components.baseline import (
    LOGS_AND_METRICS,
    LOGS_AND_METRICS_DEDICATED,
    SecureComponent,
    ServiceBaseline,
)
from cloudscale.components.baseline.type_facts import declare_type
from cloudscale.components.core.azure_facts import zones_for
from cloudscale.components.firewall_rules import rule_collections

RULE_COLLECTION_GROUP = "platform-egress"


declare_type(network.FirewallPolicy)
declare_type(network.FirewallPolicyRuleCollectionGroup)
# Azure allocates the address on create; offline, a documentation address (RFC 5737) stands in.
declare_type(
    network.PublicIPAddress,
    computed_outputs=lambda address: {"ipAddress": "203.0.113.10"},
    diagnosable=True,
    # Kept across redeployments: partners allow-list the platform's egress address.
    stateful=True,
)
declare_type(
    network.AzureFirewall,
    diagnosable=True,
    computed_outputs=lambda firewall: {
        # Each configuration gets the first usable address of its subnet.
        "ipConfigurations": [
            {
                **config,
                "privateIPAddress": first_usable_address(
                    firewall.subnet_prefix(str(config.get("subnet", {}).get("id")))
                ),
            }
            for config in firewall.inputs.get("ipConfigurations", [])
        ]
    },
)


def first_usable_address(prefix: str) -> str:
    """The address the firewall's private IP configuration gets in its ``AzureFirewallSubnet``.

    Azure reserves the first four addresses of every subnet, so the first address handed out is .4
    (https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq, "reserved addresses"), the
    firewallPrivateIp default (10.0.0.4 in 10.0.0.0/24) of the data management landing zone reference.
    """
    if not prefix:
        return ""
    return str(ipaddress.ip_network(prefix).network_address + 4)


@dataclass
class FirewallArgs:
    baseline: ServiceBaseline
    # The VNet's AzureFirewallSubnet.
    subnet_id: pulumi.Input[str]
    # Address spaces whose traffic the rules allow out; nothing else matches an allow rule.
    source_addresses: Sequence[str]
    tier: Literal["Standard", "Premium"] = "Standard"
    # Premium only: intrusion detection and prevention.
    idps_mode: Literal["Off", "Alert", "Deny"] = "Deny"
    additional_allowed_fqdns: Sequence[str] = field(default_factory=list)


class Firewall(SecureComponent):
    def __init__(self, name: str, args: FirewallArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cloudscale:network:Firewall", name, args.baseline, opts)
        zones = zones_for(args.baseline.location)
        self._create_policy(name, args)
        self._create_public_ip(name, args, zones)
        self._create_firewall(name, args, zones)
        self.id: pulumi.Output[str] = self.firewall.id
        self.private_ip: pulumi.Output[str] = self.firewall.ip_configurations.apply(
            lambda configurations: configurations[0].private_ip_address if configurations else None
        )
        self.register_outputs({"id": self.id, "private_ip": self.private_ip})

    def _create_policy(self, name: str, args: FirewallArgs) -> None:
        """The firewall policy and its rule collection group."""
        b = args.baseline
        premium = args.tier == "Premium"
        self.policy = network.FirewallPolicy(
            f"{name}-policy",
            firewall_policy_name=b.namer.name("firewall_policy"),
            resource_group_name=b.resource_group_name,
            location=b.location,
            sku={"tier": args.tier},
            threat_intel_mode="Deny",
            # Landing zones use the firewall as their DNS server, so FQDN rules see the names clients resolved.
            dns_settings={"enable_proxy": True},
            intrusion_detection={"mode": args.idps_mode} if premium else None,
            tags=self._tags,
            opts=self._child_opts(),
        )
        self.rule_collection_group = network.FirewallPolicyRuleCollectionGroup(
            f"{name}-rcg",
            rule_collection_group_name=RULE_COLLECTION_GROUP,
            firewall_policy_name=self.policy.name,
            resource_group_name=b.resource_group_name,
            priority=200,
            rule_collections=rule_collections(args.source_addresses, args.additional_allowed_fqdns),
            opts=self._child_opts(parent=self.policy),
        )

    def _create_public_ip(self, name: str, args: FirewallArgs, zones: Sequence[str]) -> None:
        b = args.baseline
        self.public_ip = network.PublicIPAddress(
            f"{name}-pip",
            public_ip_address_name=b.namer.name("public_ip", "firewall"),
            resource_group_name=b.resource_group_name,
            location=b.location,
            sku={"name": "Standard", "tier": "Regional"},
            public_ip_allocation_method="Static",
            public_ip_address_version="IPv4",
            zones=zones or None,
            tags=self._tags,
            # Partners allow-list this address; a new one would cut the platform off from them.
            opts=self._child_opts(stateful=True),
        )
        self._secure(self.public_ip, logical_name=f"{name}-pip", purpose="pip", diagnostics=LOGS_AND_METRICS)

    def _create_firewall(self, name: str, args: FirewallArgs, zones: Sequence[str]) -> None:
        b = args.baseline
        self.firewall = network.AzureFirewall(
            f"{name}-firewall",
            azure_firewall_name=b.namer.name("firewall"),
            resource_group_name=b.resource_group_name,
            location=b.location,
            sku={"name": "AZFW_VNet", "tier": args.tier},
            zones=zones or None,
            firewall_policy={"id": self.policy.id},
            ip_configurations=[
                {
                    "name": "ipconfig",
                    "subnet": {"id": args.subnet_id},
                    "public_ip_address": {"id": self.public_ip.id},
                }
            ],
            tags=self._tags,
            # Azure rejects a firewall update while its policy's rule collection group is still being written.
            opts=self._child_opts(depends_on=[self.rule_collection_group]),
        )
        self._secure(
            self.firewall, logical_name=f"{name}-firewall", purpose="afw", diagnostics=LOGS_AND_METRICS_DEDICATED
        )
