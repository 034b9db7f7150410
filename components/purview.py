"""Microsoft Purview account, reachable only through private endpoints.

Purview API 2024-04-01-preview (the SDK's default) no longer creates a managed storage account and
Event Hub in a managed resource group. Scans land in an "ingestion storage" account that Purview
owns and reports as ``ingestion_storage.id``; the ingestion private endpoints (blob and queue)
target that account, so they can only be declared once the account exists. The managed Event Hub
stays off: Kafka notifications are not part of the platform.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network, purview

from cloudscale.components.baseline import (
    LOGS_AND_METRICS,
    Principal,
    SecureComponent,
    ServiceBaseline,
    private_endpoint,
)

INGESTION_GROUP_IDS = ("blob", "queue")


def lineage_private_endpoints(
    account_id: pulumi.Input[str], ingestion_storage_id: pulumi.Input[str]
) -> dict[str, tuple[pulumi.Input[str], str]]:
    """Label -> (target, group id) of the managed private endpoints a managed VNet needs to push lineage.

    A Purview account closed to public networks takes lineage from a managed-VNet runtime only through
    its "account and ingestion private endpoints": ``account`` on the account, ``blob`` and ``queue`` on
    its ingestion storage (MicrosoftDocs azure-docs, data-factory/how-to-access-secured-purview-account.md
    and synapse-analytics/catalog-and-governance/how-to-access-secured-purview-account.md). The Event
    Hubs endpoint those pages also list exists only with the managed Event Hub, which stays off here.
    Without them lineage pushes time out.
    """
    return {
        "account": (account_id, "account"),
        **{f"ingestion-{group_id}": (ingestion_storage_id, group_id) for group_id in INGESTION_GROUP_IDS},
    }


@dataclass
class PurviewArgs:
    baseline: ServiceBaseline
    purpose: str = ""


class Purview(SecureComponent):
    def __init__(self, name: str, args: PurviewArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cloudscale:governance:Purview", name, args.baseline, opts)
        b = args.baseline
        if b.private_endpoints is None:
            raise ValueError(f"{name}: Purview is only reachable through private endpoints; give a placement")
        self.account_name = b.namer.name("purview", args.purpose)
        identity = self.identity()
        self.account = purview.Account(
            f"{name}-account",
            account_name=self.account_name,
            resource_group_name=b.resource_group_name,
            location=b.location,
            identity=identity,
            public_network_access="Disabled",
            managed_resources_public_network_access="Disabled",
            ingestion_storage={"public_network_access": "Disabled"},
            managed_event_hub_state="Disabled",
            tags=self.tags,
            opts=self.child_opts(stateful=True),
        )
        self.id: pulumi.Output[str] = self.account.id
        self.principal = Principal.of_resource(name, self.account, identity=identity)
        self.principal_id: pulumi.Output[str] = pulumi.Output.from_input(self.principal.principal_id)
        self.secure(
            self.account,
            logical_name=f"{name}-account",
            purpose="pview",
            service="purview",
            group_ids=["account", "portal"],
            diagnostics=LOGS_AND_METRICS,
            stateful=True,
        )
        self.ingestion_storage_id: pulumi.Output[str] = self.account.ingestion_storage.apply(
            lambda storage: storage.id if storage else None
        )
        self.ingestion_endpoints: dict[str, network.PrivateEndpoint] = {
            group_id: private_endpoint(
                self,
                f"{name}-ingestion-pe-{group_id}",
                # The "-blob"/"-queue" endings are how the Purview portal recognises ingestion endpoints.
                endpoint_name=b.namer.name("private_endpoint", f"pview-ingestion-{group_id}"),
                target_id=self.ingestion_storage_id,
                service="purview_ingestion",
                group_id=group_id,
                placement=b.private_endpoints,
                resource_group_name=b.resource_group_name,
                location=b.location,
                tags=b.tags,
            )
            for group_id in INGESTION_GROUP_IDS
        }
        self.register_outputs(
            {
                "id": self.id,
                "principal_id": self.principal_id,
                "ingestion_storage_id": self.ingestion_storage_id,
            }
        )
