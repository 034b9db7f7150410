"""Synapse private link hub: Synapse Studio's web content over a private endpoint.

One hub serves Synapse Studio for every workspace of the platform, so it lives in the management zone.
The hub has no public surface of its own to switch off and exposes no diagnostic settings.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import synapse

from cloudscale.components.baseline import SecureComponent, ServiceBaseline
from cloudscale.components.baseline.type_facts import declare_type

# (Microsoft Learn, "Azure Private Endpoint private DNS zone values")
declare_type(synapse.PrivateLinkHub, private_link={"Web": ("privatelink.azuresynapse.net",)})


@dataclass
class SynapsePrivateLinkHubArgs:
    baseline: ServiceBaseline
    purpose: str = ""


class SynapsePrivateLinkHub(SecureComponent):
    def __init__(self, name: str, args: SynapsePrivateLinkHubArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cloudscale:analytics:SynapsePrivateLinkHub", name, args.baseline, opts)
        b = args.baseline
        self.hub_name = b.namer.name("synapse_private_link_hub", args.purpose)
        self.hub = synapse.PrivateLinkHub(
            f"{name}-hub",
            private_link_hub_name=self.hub_name,
            resource_group_name=b.resource_group_name,
            location=b.location,
            tags=self._tags,
            opts=self._child_opts(),
        )
        self.id: pulumi.Output[str] = self.hub.id
        self._secure(
            self.hub,
            logical_name=f"{name}-hub",
            purpose="synplh",
            group_ids=["Web"],
        )
        self.register_outputs({"id": self.id})
