"""Microsoft Fabric capacity: the compute every landing zone's Fabric workspace and Power BI model runs on.

The Cloud Adoption Framework places it in the data management landing zone, central to the data
landing zones ("Unify your data platform", MicrosoftDocs/cloud-adoption-framework,
docs/data/architecture-azure-landing-zones-unify-data-platform.md). azure-native declares it as ARM's
``Microsoft.Fabric/capacities`` (API 2023-11-01): a SKU (F2 ... F2048, tier "Fabric") and the capacity
administrators, who must be given (users by UPN, service principals by object id; Learn, "Buy a Microsoft
Fabric subscription"). Only F SKUs are offered here: trusted workspace access, which lets a zone's
workspace read a lake whose public endpoint is restricted, works on paid F SKU capacities only
(MicrosoftDocs/fabric-docs, docs/security/security-trusted-workspace-access.md).

The capacity has no network surface of its own (workspace-level private links and inbound rules are set
per workspace, in Fabric) and no managed identity (each workspace has its own). Azure Monitor collects its
platform metrics (capacity units used, throttling); its logs are Fabric's own (workspace monitoring), so
its diagnostic setting sends metrics only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import fabric

from cloudscale.components.baseline import SecureComponent, ServiceBaseline
from cloudscale.components.baseline.diagnostics import METRICS_ONLY
from cloudscale.components.baseline.type_facts import SecurityRule, declare_type
from cloudscale.components.core.naming import Namer, NameRule, declare_name_rule

# 3-63 lowercase letters and digits, starting with a letter (ARM's rule for Microsoft.Fabric/capacities); the
# name is also the capacity's display name in Fabric, by which workspaces are assigned to it.
declare_name_rule("fabric_capacity", NameRule("fc", 3, 63, r"[a-z][a-z0-9]{2,62}", "", True, True))
F_SKUS = ("F2", "F4", "F8", "F16", "F32", "F64", "F128", "F256", "F512", "F1024", "F2048")
FABRIC_TIER = "Fabric"

declare_type(
    fabric.FabricCapacity,
    rules=(
        SecurityRule(
            "capacity-administrators",
            "administration.members",
            lambda members: bool(members),
            "the capacity has no administrator",
        ),
        SecurityRule(
            "fabric-f-sku",
            "sku.name",
            lambda name: name in F_SKUS,
            "not an F SKU: trusted workspace access to the zones' lakes needs a paid F SKU capacity",
            severity="medium",
        ),
    ),
    diagnosable=True,
    # Every zone's workspace, lakehouse and semantic models run on it: outside dev it is protected and locked.
    stateful=True,
)


def capacity_name(namer: Namer, purpose: str = "") -> str:
    """The capacity's name, fixed by the naming function: a workspace finds the capacity by it."""
    return namer.name("fabric_capacity", purpose)


@dataclass
class FabricCapacityArgs:
    baseline: ServiceBaseline
    sku: str = "F2"
    administrators: Sequence[str] = ()
    """User principal names (``admin@contoso.com``) or object ids of service principals."""
    purpose: str = ""


class FabricCapacity(SecureComponent):
    def __init__(self, name: str, args: FabricCapacityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cloudscale:analytics:FabricCapacity", name, args.baseline, opts)
        if args.sku not in F_SKUS:
            raise ValueError(f"Fabric capacity SKU {args.sku!r}: one of {', '.join(F_SKUS)}")
        if not args.administrators:
            raise ValueError("a Fabric capacity needs at least one administrator")
        b = args.baseline
        self.capacity_name = capacity_name(b.namer, args.purpose)
        self.capacity = fabric.FabricCapacity(
            f"{name}-capacity",
            capacity_name=self.capacity_name,
            resource_group_name=b.resource_group_name,
            location=b.location,
            sku={"name": args.sku, "tier": FABRIC_TIER},
            administration={"members": list(args.administrators)},
            tags=self._tags,
            opts=self._child_opts(stateful=True),
        )
        self.id: pulumi.Output[str] = self.capacity.id
        self._secure(self.capacity, logical_name=f"{name}-capacity", purpose="fc", diagnostics=METRICS_ONLY)
        self.register_outputs({"id": self.id, "capacity_name": self.capacity_name})
