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
from pulumi_azure_native import network, purview, storage

# The ingestion storage is a storage account: its endpoints' DNS zones are declared with the lakes.
from cloudscale.components import data_lake as _storage_account_facts  # noqa: F401
from cloudscale.components.baseline import (
    LOGS_AND_METRICS,
    Principal,
    SecureComponent,
    ServiceBaseline,
)
from cloudscale.components.baseline.type_facts import (
    Created,
    declare_type,
    managed_identity_required,
    public_network_access_disabled,
)

INGESTION_GROUP_IDS = ("blob", "queue")


declare_type(
    purview.Account,
    rules=(public_network_access_disabled(), managed_identity_required()),
    diagnosable=True,
    stateful=True,
    # (Microsoft Learn, "Azure Private Endpoint private DNS zone values")
    private_link={"account": ("privatelink.purview.azure.com",), "portal": ("privatelink.purviewstudio.azure.com",)},
    # Purview creates its ingestion storage account in a resource group it manages.
    computed_outputs=lambda account: {
        "ingestionStorage": {
            **account.inputs.get("ingestionStorage", {}),
            "id": f"/subscriptions/{account.subscription_id}/resourceGroups/managed-rg-{account.name}/providers/"
            f"Microsoft.Storage/storageAccounts/{_ingestion_account(account)}",
            "primaryEndpoint": f"https://{_ingestion_account(account)}.blob.core.windows.net/",
        }
    },
)


def _ingestion_account(account: Created) -> str:
    return f"scan{account.guid('ingestion').replace('-', '')[:20]}"


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
        identity = self._identity()
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
            tags=self._tags,
            opts=self._child_opts(stateful=True),
        )
        self.id: pulumi.Output[str] = self.account.id
        self.principal = Principal.of_resource(name, self.account, identity=identity)
        self.principal_id: pulumi.Output[str] = pulumi.Output.from_input(self.principal.principal_id)
        self._secure(
            self.account,
            logical_name=f"{name}-account",
            purpose="pview",
            group_ids=["account", "portal"],
            diagnostics=LOGS_AND_METRICS,
        )
        self.ingestion_storage_id: pulumi.Output[str] = self.account.ingestion_storage.apply(
            lambda storage: storage.id if storage else None
        )
        # The "-blob"/"-queue" endings are how the Purview portal recognises ingestion endpoints.
        ingestion = self._private_endpoints(
            self.ingestion_storage_id,
            logical_name=f"{name}-ingestion",
            purpose="pview-ingestion",
            target_type=storage.StorageAccount,
            group_ids=INGESTION_GROUP_IDS,
        )
        self.ingestion_endpoints: dict[str, network.PrivateEndpoint] = {
            group_id: endpoint for group_id, (endpoint, _) in ingestion.items()
        }
        self.register_outputs(
            {
                "id": self.id,
                "principal_id": self.principal_id,
                "ingestion_storage_id": self.ingestion_storage_id,
            }
        )
