"""The data management landing zone (DMLZ): hub network, egress and DNS, governance, shared services, monitoring.

Two shapes, chosen by ``management.firewall.enabled``:

- own hub: the zone runs Azure Firewall (egress and DNS proxy for every landing zone) and hosts every
  private DNS zone the platform needs, linked to its VNet;
- bring your own hub: the enterprise connectivity hub already does both, so the zone creates no
  firewall, no public IP, no firewall subnet and no DNS zones. It routes to the hub's firewall, uses
  the hub's DNS servers, registers its private endpoints in the hub's zones and peers its VNet to the
  hub's (the hub side of that peering belongs to the hub's owner).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_azure_native import resources

from cloudscale.components.baseline import PrivateEndpointPlacement, user_assigned_identity
from cloudscale.components.container_registry import ContainerRegistry, ContainerRegistryArgs
from cloudscale.components.firewall import Firewall, FirewallArgs, first_usable_address
from cloudscale.components.hub_network import HubNetwork, HubNetworkArgs
from cloudscale.components.key_vault import KeyVault, KeyVaultArgs
from cloudscale.components.library import platform_zones
from cloudscale.components.log_analytics import LogAnalytics, LogAnalyticsArgs
from cloudscale.components.private_dns import PrivateDns, PrivateDnsArgs
from cloudscale.components.purview import Purview, PurviewArgs
from cloudscale.components.synapse_private_link_hub import SynapsePrivateLinkHub, SynapsePrivateLinkHubArgs
from cloudscale.stacks.config import PlatformConfig
from cloudscale.stacks.config.model import ExistingHubConfig
from cloudscale.stacks.config.network_plan import peered_address_spaces, platform_address_spaces
from cloudscale.stacks.contract import HubVnetWrites, ZoneContract
from cloudscale.stacks.zone_scope import ZoneScope, tenant_id

ZONE = "mgmt"


@dataclass
class EgressAndDns:
    """Where the zone's traffic leaves, who answers its DNS, and where private endpoints register."""

    firewall_private_ip: pulumi.Output[str]
    dns_servers: pulumi.Output[list[str]]
    zone_ids: dict[str, pulumi.Input[str]]


def deploy_management_zone(config: PlatformConfig) -> ZoneContract:
    scope = ZoneScope(config, ZONE)
    hub = config.management.existing_hub
    network_group = scope.resource_group("network")

    # The workspace sits behind a private endpoint in the services subnet, yet everything before it,
    # the network included, sends diagnostics to it: its id is filled in once it exists.
    workspace_id, resolve_workspace_id = pulumi.deferred_output()
    # The services subnet's route needs the firewall's IP, and the firewall needs this VNet's firewall
    # subnet: the route is filled in once the firewall exists, so nothing reaches out before egress does.
    egress_ip, resolve_egress_ip = pulumi.deferred_output()

    network = _deploy_hub_network(config, scope, network_group, workspace_id, egress_ip)
    if hub is None:
        egress = _own_egress_and_dns(scope, config, network, network_group, workspace_id)
    else:
        egress = _existing_hub(hub, config.location)
    resolve_egress_ip(egress.firewall_private_ip)

    placement = PrivateEndpointPlacement(subnet_id=network.services_subnet_id, dns_zone_ids=egress.zone_ids)
    monitoring = _deploy_monitoring(config, scope, placement)
    resolve_workspace_id(monitoring.id)
    if monitoring.private_link_scope_id is None:
        raise RuntimeError("the management zone's Log Analytics must own the Azure Monitor Private Link Scope")
    monitor_scope_id = monitoring.private_link_scope_id
    key_vault, purview = _deploy_governance(scope, placement, workspace_id)
    registry = _deploy_shared_services(config, scope, placement, workspace_id)

    return ZoneContract(
        hub_vnet_id=network.vnet_id,
        # From the resource, not the namer, so consumers of the name wait for the VNet to exist.
        hub_vnet_name=network.vnet.name,
        hub_resource_group_name=network_group.name,
        firewall_private_ip=egress.firewall_private_ip,
        dns_servers=egress.dns_servers,
        private_dns_zone_ids=_as_output(egress.zone_ids),
        purview_id=purview.id,
        purview_principal_id=purview.principal_id,
        purview_ingestion_storage_id=purview.ingestion_storage_id,
        log_analytics_workspace_id=monitoring.id,
        monitor_private_link_scope_id=monitor_scope_id,
        key_vault_id=key_vault.id,
        container_registry_id=registry.id,
        hub_vnet_writes=HubVnetWrites(last=network.last_write, built=network.last_subnet),
    )


def _deploy_hub_network(
    config: PlatformConfig,
    scope: ZoneScope,
    network_group: resources.ResourceGroup,
    workspace_id: pulumi.Input[str],
    egress_ip: pulumi.Input[str],
) -> HubNetwork:
    management = config.management
    hub = management.existing_hub
    return HubNetwork(
        f"{ZONE}-network",
        HubNetworkArgs(
            baseline=scope.baseline(
                network_group, component="network", placement=None, log_analytics_workspace_id=workspace_id
            ),
            address_space=str(management.network.address_space),
            services_subnet_prefix=str(management.network.services_subnet),
            egress_next_hop_ip=egress_ip,
            firewall_subnet_prefix=None if hub else str(management.network.firewall_subnet),
            dns_servers=[str(server) for server in hub.dns_servers] if hub else [_planned_firewall_ip(config)],
            remote_hub_vnet_id=hub.hub_vnet_id if hub else None,
            client_prefixes=[
                *peered_address_spaces(config),
                *(str(prefix) for prefix in management.network.client_address_prefixes),
            ],
        ),
    )


def _planned_firewall_ip(config: PlatformConfig) -> str:
    """The firewall's private IP, known before the firewall exists.

    The hub VNet resolves through the firewall's DNS proxy like the spokes (Microsoft Learn, "Azure
    Firewall DNS settings": point the virtual networks' DNS server at the firewall's private IP). Taking
    the IP from the firewall would be a cycle (VNet -> AzureFirewallSubnet -> firewall -> VNet DNS), and
    Azure has no separate DNS-settings resource for a VNet: a second PUT of the VNet without its subnets
    would try to delete them. The IP is fixed by the subnet instead (Azure hands out .4 first), and
    ``_as_planned`` fails the deployment if the firewall ever got another one. The firewall itself asks
    Azure DNS (its policy names no DNS server), so the proxy never loops back to itself.
    """
    return first_usable_address(str(config.management.network.firewall_subnet))


def _as_planned(actual: str | None, planned: str) -> str:
    if actual is not None and actual != planned:
        raise RuntimeError(
            f"the firewall's private IP is {actual}, not {planned}: the hub VNet's DNS server "
            f"(dhcpOptions.dnsServers) points at {planned}; free the first address of AzureFirewallSubnet"
        )
    return planned


def _deploy_monitoring(config: PlatformConfig, scope: ZoneScope, placement: PrivateEndpointPlacement) -> LogAnalytics:
    return LogAnalytics(
        f"{ZONE}-monitoring",
        LogAnalyticsArgs(
            baseline=scope.baseline(
                scope.resource_group("monitoring"),
                component="monitoring",
                placement=placement,
                log_analytics_workspace_id=None,
            ),
            retention_days=config.management.log_retention_days,
            # Only the zone whose private endpoints register in the Azure Monitor zones may host the scope.
            private_link_scope=True,
        ),
    )


def _deploy_governance(
    scope: ZoneScope, placement: PrivateEndpointPlacement, workspace_id: pulumi.Input[str]
) -> tuple[KeyVault, Purview]:
    governance_group = scope.resource_group("governance")
    governance_baseline = scope.baseline(
        governance_group, component="governance", placement=placement, log_analytics_workspace_id=workspace_id
    )
    key_vault = KeyVault(f"{ZONE}-vault", KeyVaultArgs(baseline=governance_baseline, tenant_id=tenant_id()))
    purview = Purview(f"{ZONE}-purview", PurviewArgs(baseline=governance_baseline))
    # Purview reads the credentials of its scans from the governance vault.
    key_vault.grant_secrets_read(purview.principal)
    return key_vault, purview


def _deploy_shared_services(
    config: PlatformConfig, scope: ZoneScope, placement: PrivateEndpointPlacement, workspace_id: pulumi.Input[str]
) -> ContainerRegistry:
    shared_group = scope.resource_group("shared")
    shared_baseline = scope.baseline(
        shared_group, component="shared", placement=placement, log_analytics_workspace_id=workspace_id
    )
    registry = ContainerRegistry(f"{ZONE}-registry", ContainerRegistryArgs(baseline=shared_baseline))
    SynapsePrivateLinkHub(f"{ZONE}-synapse-hub", SynapsePrivateLinkHubArgs(baseline=shared_baseline))
    _, automation = user_assigned_identity(
        shared_group,
        f"{ZONE}-automation",
        identity_name=scope.namer.name("user_assigned_identity", "automation"),
        resource_group_name=shared_group.name,
        location=config.location,
        tags=scope.tags("shared"),
    )
    # Automation publishes the platform's images; each consumer is granted pull on its own.
    registry.grant_push(automation)
    return registry


def _own_egress_and_dns(
    scope: ZoneScope,
    config: PlatformConfig,
    network: HubNetwork,
    network_group: resources.ResourceGroup,
    workspace_id: pulumi.Input[str],
) -> EgressAndDns:
    settings = config.management.firewall
    firewall = Firewall(
        f"{ZONE}-firewall",
        FirewallArgs(
            baseline=scope.baseline(
                network_group, component="firewall", placement=None, log_analytics_workspace_id=workspace_id
            ),
            subnet_id=network.firewall_subnet_id,
            source_addresses=platform_address_spaces(config),
            tier=settings.tier,
            idps_mode=settings.idps_mode,
            additional_allowed_fqdns=settings.additional_allowed_fqdns,
        ),
    )
    dns = PrivateDns(
        f"{ZONE}-dns",
        PrivateDnsArgs(
            baseline=scope.baseline(
                scope.resource_group("dns"), component="dns", placement=None, log_analytics_workspace_id=None
            ),
            zones=platform_zones(config.location),
            virtual_network_id=network.vnet_id,
            virtual_network_name=network.vnet_name,
        ),
    )
    planned = _planned_firewall_ip(config)
    # Consumers (routes, spoke DNS, the contract) take the checked IP, so a mismatch stops them.
    private_ip = firewall.private_ip.apply(lambda ip: _as_planned(ip, planned))
    return EgressAndDns(
        firewall_private_ip=private_ip,
        # Every zone, this one included, asks the firewall's DNS proxy, which resolves through the zones
        # linked here.
        dns_servers=private_ip.apply(lambda ip: [ip]),
        zone_ids=dict(dns.zone_ids),
    )


def _existing_hub(hub: ExistingHubConfig, location: str) -> EgressAndDns:
    # The config checks have already proved that the hub provides every zone the platform needs.
    return EgressAndDns(
        firewall_private_ip=pulumi.Output.from_input(str(hub.firewall_private_ip)),
        dns_servers=pulumi.Output.from_input([str(server) for server in hub.dns_servers]),
        zone_ids=hub.zone_ids(platform_zones(location)),
    )


def _as_output(values: dict[str, pulumi.Input[str]]) -> pulumi.Output[dict[str, Any]]:
    return pulumi.Output.all(**values).apply(dict)
