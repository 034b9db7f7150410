"""Steps a stack depends on that it cannot take itself, exported so a plan and ``pulumi up`` show them."""

from __future__ import annotations

from cloudscale.components.spoke_network import spoke_vnet_name
from cloudscale.stacks.config import PlatformConfig
from cloudscale.stacks.config.network_plan import (
    MANAGEMENT_ZONE,
    POWER_BI_GATEWAY,
    platform_address_spaces,
    subnet_roles,
)
from cloudscale.stacks.zone_scope import ZoneScope

# Azure Resource Manager registers a resource provider per subscription, and azure-native has no resource
# for that registration; a subnet delegated to a provider's service fails while the provider is unregistered.
POWER_PLATFORM_PROVIDER = "Microsoft.PowerPlatform"


def _cosmos_key_reach(config: PlatformConfig) -> list[str]:
    """Cosmos DB reaches its customer-managed key through the vault's firewall as a trusted service.

    The two Microsoft pages disagree: Cosmos DB's own ("Configure customer-managed keys for your Azure
    Cosmos DB account", MicrosoftDocs azure-databases-docs
    articles/cosmos-db/how-to-setup-customer-managed-keys.md) says that a vault with a firewall needs
    "Allow trusted Microsoft services" and nothing more, which the zone's vault has; Key Vault's
    trusted-services table ("Network security for Azure Key Vault", MicrosoftDocs azure-security-docs
    articles/key-vault/general/overview-vnet-service-endpoints.md) does not list Cosmos DB. The platform
    follows Cosmos DB's page; only a first deployment shows which one holds.
    """
    if not config.customer_managed_keys:
        return []
    zones = [zone.name for zone in config.deployed_zones() if zone.services.cosmos.enabled]
    return [
        f"Verify on the first pulumi up that the Cosmos DB account of landing zone {zone} is created and reads "
        "its customer-managed key through its vault's firewall (trusted Microsoft services, public access off): "
        "Cosmos DB's customer-managed key page says this suffices, Key Vault's trusted-services list does not "
        "name Cosmos DB. If creation fails with a key access error, the vault needs a network path for Cosmos "
        "DB before the account can exist."
        for zone in zones
    ]


def operator_actions(config: PlatformConfig) -> list[str]:
    actions: list[str] = []
    zones = config.deployed_zones()
    if any(POWER_BI_GATEWAY in subnet_roles(zone) for zone in zones):
        actions.append(
            f"Register the {POWER_PLATFORM_PROVIDER} resource provider in the landing zones' subscription before "
            f"the first pulumi up (az provider register --namespace {POWER_PLATFORM_PROVIDER}): the "
            f"{POWER_BI_GATEWAY} subnet is delegated to {POWER_PLATFORM_PROVIDER}/vnetaccesslinks."
        )
    actions += _cosmos_key_reach(config)
    hub = config.management.existing_hub
    if config.uses_existing_hub and hub is not None:
        vnets = [] if config.role == "landing" else [MANAGEMENT_ZONE]
        vnets += [zone.name for zone in zones]
        actions.append(
            "The enterprise hub's firewall applies the platform's egress allow-list (components/firewall_rules.py: "
            "Entra ID, Resource Manager, Windows activation on TCP 1688, the per-service FQDNs) to the sources "
            f"{', '.join(platform_address_spaces(config))}, and its DNS servers resolve the privatelink zones "
            "this platform registers in."
        )
        for vnet in vnets:
            namer = ZoneScope(config, vnet).namer
            actions.append(
                f"The enterprise hub's owner peers {hub.hub_vnet_id} back to VNet {spoke_vnet_name(namer)} in "
                f"resource group {namer.name('resource_group', 'network')} (allowForwardedTraffic: true); this "
                "stack creates only the platform's side, which stays Initiated until then."
            )
    return actions
