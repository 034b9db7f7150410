"""Steps a stack depends on that it cannot take itself, exported so a plan and ``pulumi up`` show them."""

from __future__ import annotations

from cloudscale.components.data_factory import credential_identity_purpose
from cloudscale.components.spoke_network import spoke_vnet_name
from cloudscale.pipelines.linked_services import DATAVERSE_TYPES, credential_of
from cloudscale.pipelines.placeholders import UnresolvedPlaceholderError, resolve
from cloudscale.stacks.config import LandingZoneConfig, PlatformConfig
from cloudscale.stacks.config.network_plan import (
    MANAGEMENT_ZONE,
    POWER_BI_GATEWAY,
    platform_address_spaces,
    subnet_roles,
)
from cloudscale.stacks.config.pipeline_checks import deployed_pipelines
from cloudscale.stacks.zone_pipelines import factory_credentials
from cloudscale.stacks.zone_scope import ZoneScope

# The resource group the zone's Data Factory and its credentials' identities live in (landing_zone.py).
INTEGRATION_GROUP = "integration"

# Azure Resource Manager registers a resource provider per subscription, and azure-native has no resource
# for that registration; a subnet delegated to a provider's service fails while the provider is unregistered.
POWER_PLATFORM_PROVIDER = "Microsoft.PowerPlatform"


def operator_actions(config: PlatformConfig) -> list[str]:
    actions: list[str] = []
    zones = config.deployed_zones()
    if any(POWER_BI_GATEWAY in subnet_roles(zone) for zone in zones):
        actions.append(
            f"Register the {POWER_PLATFORM_PROVIDER} resource provider in the landing zones' subscription before "
            f"the first pulumi up (az provider register --namespace {POWER_PLATFORM_PROVIDER}): the "
            f"{POWER_BI_GATEWAY} subnet is delegated to {POWER_PLATFORM_PROVIDER}/vnetaccesslinks."
        )
    for zone in zones:
        if zone.services.data_factory.enabled:
            actions += _credential_actions(config, zone)
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


def _credential_actions(config: PlatformConfig, zone: LandingZoneConfig) -> list[str]:
    """What the systems behind the factory's credentials must grant their identities.

    A credential's identity holds no Azure role; the system it signs in to admits it. Dataverse admits
    a managed identity as an application user with a security role (Microsoft Learn, "Copy and
    transform data in Dynamics 365 (Microsoft Dataverse) or Dynamics CRM", prerequisites).
    """
    namer = ZoneScope(config, zone.name).namer
    group = namer.name("resource_group", INTEGRATION_GROUP)
    composed = deployed_pipelines(zone)
    actions = []
    for credential in factory_credentials(zone):
        identity = namer.name("user_assigned_identity", credential_identity_purpose(credential))
        where = (
            f"user-assigned identity {identity} in resource group {group} (client id in the output "
            f"landingZones.{zone.name}.dataFactoryCredentials.{credential}.clientId)"
        )
        for definitions in composed.sets:
            for linked in definitions.of_kind("linkedService").values():
                named = credential_of(linked.properties)
                if not isinstance(named, dict) or named.get("referenceName") != credential:
                    continue
                if linked.type in DATAVERSE_TYPES:
                    uri = _setting_resolved(
                        (linked.properties.get("typeProperties") or {}).get("serviceUri"),
                        composed.values_for(definitions.name),
                    )
                    actions.append(
                        f"Add the {where} as an application user of the Dataverse environment {uri} (Power "
                        "Platform admin center, Settings > Users + permissions > Application users) with a "
                        f"security role that reads the tables {definitions.name} copies: {linked.name} signs in "
                        f"as it through Data Factory credential {credential}."
                    )
                else:
                    actions.append(
                        f"Grant the {where} what {linked.name} ({linked.type}) needs in the system it connects "
                        f"to: it signs in as it through Data Factory credential {credential}, and holds no Azure role."
                    )
    return actions


def _setting_resolved(value: object, values: dict[str, object]) -> str:
    """A definition value with its ``settings.*`` placeholders filled in, as text for a person."""
    try:
        return str(resolve(value, values))
    except UnresolvedPlaceholderError:
        return str(value)
