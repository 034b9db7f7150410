"""The platform's private DNS zones, each linked to the management zone's VNet.

Only the management VNet is linked: landing zones resolve through the firewall's DNS proxy, which
sits in that VNet, so one link per zone serves every landing zone and the 1,000-links-per-zone
limit never comes into play.

Every link falls back to internet resolution when a name is missing from the zone. Without it, a
private-link zone answers NXDOMAIN for every resource of its kind that has no record here: another
party's storage account, vault or registry behind its own private endpoint (its public name is a
CNAME into ``privatelink.*``), queried through the firewall's DNS proxy, would not resolve at all.

Private DNS zones export no logs and no metrics through diagnostic
settings, so they get none; their metrics stay in Azure Monitor for alerts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import privatedns

from cloudscale.components.baseline import SecureComponent, ServiceBaseline
from cloudscale.components.baseline.type_facts import declare_type
from cloudscale.components.core.dns_zones import zone_resource_label

# Reviewed: zones hold only the platform's A records and export nothing to diagnose.
declare_type(privatedns.PrivateZone)
declare_type(privatedns.VirtualNetworkLink)


@dataclass
class PrivateDnsArgs:
    baseline: ServiceBaseline
    # Zone names, normally ``platform_zones(location)``.
    zones: Sequence[str]
    virtual_network_id: pulumi.Input[str]
    # Names the link after the VNet, so a zone's links say which networks resolve it.
    virtual_network_name: str


class PrivateDns(SecureComponent):
    def __init__(self, name: str, args: PrivateDnsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cloudscale:network:PrivateDns", name, args.baseline, opts)
        b = args.baseline
        self.zones: dict[str, privatedns.PrivateZone] = {}
        self.links: dict[str, privatedns.VirtualNetworkLink] = {}
        for zone in args.zones:
            label = zone_resource_label(zone)
            private_zone = privatedns.PrivateZone(
                f"{name}-{label}",
                private_zone_name=zone,
                resource_group_name=b.resource_group_name,
                location="global",
                tags=self._tags,
                # A deleted zone takes every private endpoint's record with it, and recreating the zone
                # brings none back. No delete lock, though: it would also block the record cleanup that
                # deleting a private endpoint performs.
                opts=self._child_opts(stateful=True),
            )
            self.zones[zone] = private_zone
            self.links[zone] = privatedns.VirtualNetworkLink(
                f"{name}-{label}-link",
                virtual_network_link_name=args.virtual_network_name,
                private_zone_name=private_zone.name,
                resource_group_name=b.resource_group_name,
                location="global",
                virtual_network={"id": args.virtual_network_id},
                # Records come from private endpoints' zone groups, never from VM auto-registration.
                registration_enabled=False,
                # Fallback to internet resolution for names this zone lacks (Microsoft Learn, "Fallback to
                # internet for Azure Private DNS zones"; resolutionPolicy exists from API 2024-06-01, the
                # version azure-native v3's privatedns.VirtualNetworkLink uses).
                resolution_policy=privatedns.ResolutionPolicy.NX_DOMAIN_REDIRECT,
                tags=self._tags,
                opts=self._child_opts(parent=private_zone),
            )
        self.zone_ids: dict[str, pulumi.Output[str]] = {zone: z.id for zone, z in self.zones.items()}
        self.register_outputs({"zone_ids": self.zone_ids})
