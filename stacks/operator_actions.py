"""Steps a stack depends on that it cannot take itself, exported so a plan and ``pulumi up`` show them."""

from __future__ import annotations

from cloudscale.components.data_factory import credential_identity_purpose
from cloudscale.components.spoke_network import spoke_vnet_name
from cloudscale.dataproducts.contracts.serving import DATABASE
from cloudscale.pipelines.definitions import DefinitionSet
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
from cloudscale.stacks.zone_pipelines import (
    GRAPH_DATA_CONNECT_SET,
    factory_credentials,
    graph_data_connect,
    serves_from_factory,
)
from cloudscale.stacks.zone_scope import ZoneScope

# The resource group the zone's Data Factory and its credentials' identities live in (landing_zone.py).
INTEGRATION_GROUP = "integration"

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
    for zone in zones:
        if zone.services.data_factory.enabled:
            actions += _credential_actions(config, zone)
            actions += _graph_data_connect_actions(config, zone)
        actions += _serving_login(config, zone)
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


def _serving_login(config: PlatformConfig, zone: LandingZoneConfig) -> list[str]:
    """The master's serving steps sign in to the serverless SQL endpoint as the factory: an Entra login there
    is a data-plane object, made once by the workspace's SQL administrators."""
    if not serves_from_factory(deployed_pipelines(zone).sets):
        return []
    namer = ZoneScope(config, zone.name).namer
    factory = namer.name("data_factory", "integration")
    workspace = namer.name("synapse_workspace")
    return [
        f"In zone {zone.name}, a SQL administrator of workspace {workspace} admits the factory {factory} to the "
        "serverless SQL endpoint, where the master pipeline recreates the serving views after each product "
        f"publishes: in master, CREATE LOGIN [{factory}] FROM EXTERNAL PROVIDER; CREATE DATABASE [{DATABASE}] "
        "(the master's own create is then a no-op, so the factory needs no server-wide role); in "
        f"{DATABASE}, CREATE USER [{factory}] FROM LOGIN [{factory}]; ALTER ROLE db_owner ADD MEMBER [{factory}]. "
        "The factory's managed private endpoint to the workspace's SqlOnDemand is approved on the workspace."
    ]


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


def _graph_data_connect_actions(config: PlatformConfig, zone: LandingZoneConfig) -> list[str]:
    """What Microsoft 365 ingestion needs that no Azure resource can be: the tenant's side of MGDC.

    Microsoft 365 admins enable Graph Data Connect and approve each app's datasets and columns; the app
    registration and its secret are Entra objects; the Data Factory addresses of the runtime's region
    change with the service tag, so they come from config (Microsoft Learn, "Build your first Microsoft
    Graph Data Connect application" and "Datasets, regions, and sinks supported by Microsoft Graph Data
    Connect", learn.microsoft.com/graph/data-connect-quickstart and /graph/data-connect-datasets; "Copy
    and transform data from Microsoft 365 (Office 365) into Azure", prerequisites and "Approving new
    data access requests").
    """
    delivery = graph_data_connect(zone, config.location)
    if delivery is None:
        return []
    definitions = next(s for s in deployed_pipelines(zone).sets if s.name == GRAPH_DATA_CONNECT_SET)
    secrets, tables = _secrets_and_tables(definitions)
    selected = [s.name for s in zone.pipelines].index(GRAPH_DATA_CONNECT_SET)
    key = f"landingZones[{config.landing_zones.index(zone)}].pipelines[{selected}].settings"
    region = delivery.runtime_region
    tag = (
        f"az network list-service-tags --location {region} --query \"values[?properties.systemService=='DataFactory' "
        f"&& properties.region=='{region}'].properties.addressPrefixes[]\" (IPv4 only)"
    )
    actions = [
        f"Microsoft 365 ingestion in zone {zone.name}: a Microsoft 365 admin enables Microsoft Graph Data "
        "Connect for the tenant (Microsoft 365 admin center, Settings > Org settings > Microsoft Graph Data "
        f"Connect); the app registration {delivery.app_client_id} (an owner with a licensed mailbox, not a "
        "guest) is registered with Graph Data Connect for Azure Data Factory copy activities into the zone's raw "
        f"lake, for {', '.join(tables)} and the columns pl_m365_ingestion lists; and an approver approves that "
        "registration, again after any change of datasets or columns (a first run waits in ConsentPending until "
        "then).",
        "Store the app registration's client secret in the zone's Key Vault (output "
        f"landingZones.{zone.name}.keyVaultId) as secret {', '.join(secrets)}, and rotate it there before it "
        "expires: ls_office365_mgdc and ls_lake_raw_mgdc read it at each run.",
    ]
    if delivery.delivery_address_ranges:
        actions.append(
            f"Keep {key}.deliveryAddressRanges equal to the Data Factory addresses of {region} ({tag}); Azure "
            "updates service tags weekly, and the raw lake admits Graph Data Connect's deliveries only from them."
        )
    else:
        actions.append(
            f"Graph Data Connect cannot deliver to zone {zone.name} yet: its copy runs outside the managed VNet (on "
            f"graph-data-connect in {region}) and the raw lake admits no public address. Set "
            f"{key}.deliveryAddressRanges to the Data Factory addresses of {region} ({tag}) to admit them by IP rule."
        )
    return actions


def _secrets_and_tables(definitions: DefinitionSet) -> tuple[list[str], list[str]]:
    """The Key Vault secrets a set's linked services read, and the tables its pipelines' items name."""
    secrets = sorted(
        {
            str(value.get("secretName"))
            for linked in definitions.of_kind("linkedService").values()
            for value in (linked.properties.get("typeProperties") or {}).values()
            if isinstance(value, dict) and value.get("type") == "AzureKeyVaultSecret"
        }
    )
    tables = [
        str(item.get("table"))
        for pipeline in definitions.of_kind("pipeline").values()
        for spec in (pipeline.properties.get("parameters") or {}).values()
        for item in (spec.get("defaultValue") if isinstance(spec.get("defaultValue"), list) else [])
        if isinstance(item, dict) and "table" in item
    ]
    return secrets, tables
