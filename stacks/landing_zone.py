"""Data landing zones (DLZ): a spoke network, the lakes, shared integration and Synapse per zone.

Each zone is peered both ways with the management zone (the hub side is created here, in the hub's
resource group, as the reference does), and landing zones are peered with each other in a full mesh,
as the reference's network guidance recommends. Behind an enterprise hub every zone also peers with
the hub VNet itself, because its route table and DNS point at the hub's firewall: peering is not
transitive, and a route's next hop must be in the same or a directly peered VNet (Microsoft Learn,
"Extend peering with user-defined routes and service chaining"). Only this side of that peering is
ours; the hub's owner creates the way back (the ``operatorActions`` output lists each one).

In the ``all`` role every zone is in this stack, so the mesh is built from the zones' real VNets:
one peering per direction, N(N-1) for N zones.

In the ``landing`` role the stack holds one zone, and the other zones may not exist yet: a peering
to a VNet that does not exist fails (``InvalidGlobalResourceReference``). So the stack reads each
other zone's landing stack (``landingZones[i].stack``) and peers only with zones whose stack reports
a VNet. Whichever stack of a pair is deployed second creates the pair in both directions (the way
back on the other zone's VNet, in its network resource group, as with the hub side), and exports it
under ``meshPeerings``; the first stack sees that claim on its next ``up`` and leaves the pair alone.
Zones can therefore be rolled out one at a time, in any order, and every pair is connected as soon
as its second zone is deployed, with no edit in between. Two conditions: every zone's landing stack
exists (``pulumi stack init``) before any landing stack runs ``up``, because a StackReference to a
stack that does not exist fails the whole update (pulumi/pulumi#19202); and landing stacks of one
platform run one at a time, each seeing the outputs of the one before (they also share the
management VNet, which takes one peering write at a time).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from typing import Any

import pulumi

from cloudscale.components.baseline import Principal, ServiceBaseline
from cloudscale.components.data_factory import DataFactory, DataFactoryArgs, FactoryLake
from cloudscale.components.data_lake import AddressAdmission, DataLake, DataLakeArgs, ResourceInstanceAccess
from cloudscale.components.encryption_key import CustomerManagedKey, EncryptionKey, EncryptionKeyArgs
from cloudscale.components.key_vault import KeyVault, KeyVaultArgs
from cloudscale.components.library import platform_zones
from cloudscale.components.log_analytics import LogAnalytics, LogAnalyticsArgs
from cloudscale.components.spoke_network import SpokeNetwork, SpokeNetworkArgs, subnet_specs
from cloudscale.components.synapse_workspace import (
    SparkPoolSettings,
    SynapseWorkspace,
    SynapseWorkspaceArgs,
    synapse_workspace_id,
    synapse_workspace_name,
)
from cloudscale.components.vnet_peering import VnetPeering, VnetPeeringArgs
from cloudscale.pipelines.set_settings import M365IngestionSettings
from cloudscale.stacks.config import LandingZoneConfig, PlatformConfig, landing_subnets
from cloudscale.stacks.config.model import LakePurpose
from cloudscale.stacks.config.network_plan import (
    COMPUTE,
    ENTERPRISE_HUB,
    MANAGEMENT_ZONE,
    POWER_BI_GATEWAY,
    PRIVATE_ENDPOINTS,
    peered_address_spaces,
)
from cloudscale.stacks.contract import ZoneContract
from cloudscale.stacks.data_services import deploy_data_services
from cloudscale.stacks.landing_context import ENRICHED, RAW, WORKSPACE, LandingZoneContext
from cloudscale.stacks.zone_pipelines import (
    GRAPH_DATA_CONNECT_CONTAINER,
    deploy_zone_pipelines,
    factory_credentials,
    graph_data_connect,
    pipeline_grants,
    spark_packages,
)
from cloudscale.stacks.zone_scope import ZoneScope, tenant_id

EXTERNAL = "external"
NETWORK_GROUP = "network"
# Every lake has a shared landing container next to the per-team ones, as the reference does.
SHARED_CONTAINER = "data"
SYNAPSE_FILESYSTEM = "synapse"
POWER_BI_GATEWAY_DELEGATION = "Microsoft.PowerPlatform/vnetaccesslinks"
# The landing-stack output naming the zones whose peerings (both directions) this stack created.
MESH_PEERINGS = "meshPeerings"


@dataclass
class _VnetWrites:
    """What each VNet's next write must wait for, by zone.

    Azure accepts one write at a time on a VNet (``AnotherOperationInProgress``;
    pulumi/pulumi-azure-native#699): every subnet and peering on one VNet waits for the write before
    it. It also refuses a peering whose remote VNet is still being written (400
    ``ReferencedResourceNotProvisioned``, last operation ``PutSubnetOperation``;
    hashicorp/terraform-provider-azurerm#2605, pulumi/pulumi-azure-native#4340): a peering also waits
    for the remote VNet's last subnet. Only VNets declared in this program can be waited for.
    """

    # The last write of any kind on each VNet.
    last: dict[str, pulumi.Resource] = field(default_factory=dict)
    # The last subnet (or the VNet itself) on each VNet: what peerings from elsewhere wait for.
    built: dict[str, pulumi.Resource] = field(default_factory=dict)

    def after(self, vnet: str) -> list[pulumi.Resource]:
        return [self.last[vnet]] if vnet in self.last else []

    def record(self, vnet: str, write: pulumi.Resource) -> None:
        self.last[vnet] = write

    def record_built(self, vnet: str, last_subnet: pulumi.Resource, last_write: pulumi.Resource | None = None) -> None:
        """The VNet's subnets are declared; ``last_write`` is a later write on it (a peering), if any."""
        self.built[vnet] = last_subnet
        self.last[vnet] = last_write or last_subnet

    def peering_after(self, local: str, remote: str) -> list[pulumi.Resource]:
        """What a peering on ``local`` towards ``remote`` waits for."""
        return self.after(local) + ([self.built[remote]] if remote in self.built else [])


@dataclass
class _Spoke:
    """What peering needs from one landing zone's network."""

    scope: ZoneScope
    baseline: ServiceBaseline
    vnet_name: pulumi.Input[str]
    vnet_id: pulumi.Input[str]

    @property
    def zone(self) -> str:
        return self.scope.zone


def deploy_landing_zones(config: PlatformConfig, contract: ZoneContract) -> Generator[str, None, dict[str, Any]]:
    """Declare the stack's landing zones and their peerings; return each zone's outputs by name.

    A generator: it yields each zone's name once the zone is declared, so the program can let the
    engine take the zone's registrations before the next zone (stacks/program.py says why).
    """
    writes = _VnetWrites()
    hub = contract.hub_vnet_writes
    if hub is not None:
        writes.record_built(MANAGEMENT_ZONE, hub.built, hub.last)
    tenant = tenant_id()
    if config.role == "landing":
        # Checked where it is used, so a mismatch fails the route table's registration, in preview too.
        contract = dataclasses.replace(
            contract, firewall_private_ip=contract.firewall_private_ip.apply(lambda ip: _check_next_hop(config, ip))
        )
    outputs: dict[str, Any] = {}
    spokes: list[_Spoke] = []
    for zone in config.deployed_zones():
        zone_outputs, spoke = _deploy_zone(config, zone, contract, writes, tenant)
        outputs[zone.name] = zone_outputs
        spokes.append(spoke)
        yield zone.name
    if config.role == "landing":
        outputs[spokes[0].zone][MESH_PEERINGS] = _peer_with_deployed_zones(config, spokes[0], writes)
    else:
        yield from _peer_mesh(spokes, writes)
        for spoke in spokes:
            outputs[spoke.zone][MESH_PEERINGS] = [other.zone for other in spokes if other.zone != spoke.zone]
    return outputs


def _check_next_hop(config: PlatformConfig, firewall_ip: str) -> str:
    """Fail a landing stack whose ``management`` section disagrees with the management stack.

    The zone routes to the contract's firewall IP but decides from its own config whether to peer with an
    enterprise hub; a mismatch would leave the next hop two peerings away (Microsoft Learn, "Extend
    peering with user-defined routes and service chaining").
    """
    hub = config.management.existing_hub
    if config.uses_existing_hub and hub is not None:
        if firewall_ip != str(hub.firewall_private_ip):
            raise ValueError(
                f"cloudscale:management.existingHub.firewallPrivateIp: {hub.firewall_private_ip} differs from the "
                f"management stack's firewall {firewall_ip}; give landing stacks the management stack's management "
                "section"
            )
    elif IPv4Address(firewall_ip) not in config.management.network.address_space:
        raise ValueError(
            f"cloudscale:management: the management stack's firewall {firewall_ip} is not in "
            f"management.network.addressSpace ({config.management.network.address_space}); behind an enterprise "
            "hub, give landing stacks the management stack's management section (firewall.enabled false and "
            "existingHub), so that they peer with the hub"
        )
    return firewall_ip


def _deploy_zone(
    config: PlatformConfig,
    zone: LandingZoneConfig,
    contract: ZoneContract,
    writes: _VnetWrites,
    tenant: pulumi.Output[str],
) -> tuple[dict[str, Any], _Spoke]:
    scope = ZoneScope(config, zone.name, monitor_private_link_scope_id=contract.monitor_private_link_scope_id)
    monitoring = _deploy_monitoring(config, scope, zone)
    workspace_id = monitoring.id
    network_baseline = scope.baseline(
        scope.resource_group(NETWORK_GROUP),
        component="network",
        placement=None,
        log_analytics_workspace_id=workspace_id,
    )
    spoke = _deploy_spoke_network(config, scope, zone, contract, network_baseline)
    writes.record_built(zone.name, spoke.last_write)
    local = _Spoke(scope, network_baseline, spoke.vnet_name, spoke.id)
    _peer_with_management(local, contract, writes)
    _peer_with_enterprise_hub(config, local, writes)
    placement = contract.placement(spoke.subnet_ids[PRIVATE_ENDPOINTS], platform_zones(config.location))

    def baseline(group: str, component: str) -> ServiceBaseline:
        return scope.baseline(
            scope.resource_group(group),
            component=component,
            placement=placement,
            log_analytics_workspace_id=workspace_id,
        )

    vault, key, lakes, factory, workspace = _deploy_data_platform(config, scope, zone, contract, tenant, baseline)
    outputs = _zone_outputs(spoke, vault, workspace_id, lakes, factory, workspace)
    context = LandingZoneContext(
        scope=scope,
        zone=zone,
        contract=contract,
        services_group=scope.resource_group("data"),
        placement=placement,
        log_analytics_workspace_id=workspace_id,
        compute_subnet_id=spoke.subnet_ids[COMPUTE],
        key_vault=vault,
        lakes={RAW: lakes[RAW], ENRICHED: lakes[ENRICHED], WORKSPACE: lakes[WORKSPACE]},
        data_factory=factory,
        synapse=workspace,
        customer_managed_key=key,
    )
    outputs.update(deploy_data_services(context))
    outputs.update(
        deploy_zone_pipelines(scope, config.landing_zones.index(zone), zone, lakes, vault, factory, workspace, outputs)
    )
    return outputs, local


def _deploy_monitoring(config: PlatformConfig, scope: ZoneScope, zone: LandingZoneConfig) -> LogAnalytics:
    return LogAnalytics(
        f"{zone.name}-monitoring",
        LogAnalyticsArgs(
            baseline=scope.baseline(
                scope.resource_group("monitoring"),
                component="monitoring",
                placement=None,
                log_analytics_workspace_id=None,
            ),
            retention_days=config.management.log_retention_days,
        ),
        opts=scope.opts(),
    )


def _deploy_spoke_network(
    config: PlatformConfig,
    scope: ZoneScope,
    zone: LandingZoneConfig,
    contract: ZoneContract,
    network_baseline: ServiceBaseline,
) -> SpokeNetwork:
    return SpokeNetwork(
        f"{zone.name}-network",
        SpokeNetworkArgs(
            baseline=network_baseline,
            address_space=str(zone.address_space),
            subnets=subnet_specs(
                landing_subnets(zone),
                private_endpoint_roles=[PRIVATE_ENDPOINTS],
                delegations={POWER_BI_GATEWAY: POWER_BI_GATEWAY_DELEGATION},
            ),
            dns_servers=contract.dns_servers,
            firewall_private_ip=contract.firewall_private_ip,
            platform_prefixes=peered_address_spaces(config),
            client_prefixes=[str(prefix) for prefix in zone.client_address_prefixes],
        ),
        opts=scope.opts(),
    )


def _deploy_data_platform(
    config: PlatformConfig,
    scope: ZoneScope,
    zone: LandingZoneConfig,
    contract: ZoneContract,
    tenant: pulumi.Output[str],
    baseline: Callable[[str, str], ServiceBaseline],
) -> tuple[KeyVault, CustomerManagedKey | None, dict[str, DataLake], DataFactory | None, SynapseWorkspace | None]:
    """The zone's vault and key, lakes, and its Data Factory and Synapse workspace where enabled."""
    security = baseline("integration", "security")
    # HSM-backed keys need a Premium vault (Microsoft Learn, "About keys": RSA-HSM keys in vaults need the
    # Premium tier).
    vault = KeyVault(
        f"{zone.name}-vault",
        KeyVaultArgs(baseline=security, tenant_id=tenant, sku="premium" if config.hsm_keys else "standard"),
        opts=scope.opts(),
    )
    key = None
    if config.customer_managed_keys:
        # In the zone's vault, whose purge protection the config checks require (checks.py, _check_encryption).
        key = EncryptionKey(
            f"{zone.name}-cmk",
            EncryptionKeyArgs(
                baseline=security,
                vault_name=vault.vault.name,
                vault_uri=vault.vault.properties.vault_uri,
                hsm=config.hsm_keys,
                vault_reachable=vault.reachable,
            ),
            opts=scope.opts(),
        ).customer_managed_key
    delivery = graph_data_connect(zone, config.location)
    lakes = _deploy_lakes(
        scope,
        zone,
        baseline("storage", "storage"),
        baseline("external-storage", "storage"),
        _public_endpoint_readers(scope, zone, contract, tenant),
        key,
        _delivery_addresses(delivery),
    )
    _let_purview_scan(lakes, contract)
    if delivery is not None:
        # The MGDC app writes its deliveries as itself (its copy's sink accepts no managed identity):
        # Storage Blob Data Contributor on raw/m365 and nothing else.
        lakes[RAW].grant_write(
            Principal("graph-data-connect-app", str(delivery.app_object_id)), GRAPH_DATA_CONNECT_CONTAINER
        )
    factory = None
    if zone.services.data_factory.enabled:
        factory = _deploy_integration(scope, zone, baseline("integration", "integration"), lakes, vault, contract)
    workspace = None
    if zone.services.synapse.enabled:
        workspace = _deploy_synapse(scope, zone, baseline("synapse", "synapse"), lakes, tenant, contract, key)
    return vault, key, lakes, factory, workspace


def _zone_outputs(
    spoke: SpokeNetwork,
    vault: KeyVault,
    workspace_id: pulumi.Output[str],
    lakes: dict[str, DataLake],
    factory: DataFactory | None,
    workspace: SynapseWorkspace | None,
) -> dict[str, Any]:
    outputs: dict[str, Any] = {
        "vnetId": spoke.id,
        "vnetName": spoke.vnet_name,
        "subnetIds": spoke.subnet_ids,
        "keyVaultId": vault.id,
        "logAnalyticsWorkspaceId": workspace_id,
        "lakes": {
            key: {"accountName": lake.account_name, "id": lake.id, "dfsEndpoint": lake.dfs_endpoint}
            for key, lake in lakes.items()
        },
    }
    if factory is not None:
        outputs["dataFactoryName"] = factory.factory_name
        outputs["dataFactoryLinkedServices"] = factory.linked_service_names
        # The factory's managed identity, for data-plane grants (lake folder ACLs) made after deployment.
        outputs["dataFactoryPrincipalId"] = factory.principal.principal_id
        if factory.credentials:
            # The identities behind the factory's credentials, which the systems they sign in to
            # (a Dataverse environment's application users) are given by their client id.
            outputs["dataFactoryCredentials"] = {
                name: {"clientId": credential.identity.client_id, "principalId": credential.principal.principal_id}
                for name, credential in factory.credentials.items()
            }
    if workspace is not None:
        outputs["synapseWorkspaceName"] = workspace.workspace_name
        # The endpoint Power BI connects to (through the zone's VNet data gateway).
        outputs["serverlessSqlEndpoint"] = workspace.serverless_sql_endpoint
        outputs["synapsePrincipalId"] = workspace.principal.principal_id
    return outputs


def _deploy_integration(
    scope: ZoneScope,
    zone: LandingZoneConfig,
    baseline: ServiceBaseline,
    lakes: dict[str, DataLake],
    vault: KeyVault,
    contract: ZoneContract,
) -> DataFactory:
    return DataFactory(
        f"{zone.name}-integration",
        DataFactoryArgs(
            baseline=baseline,
            lakes=[
                FactoryLake(
                    key,
                    lake.id,
                    lake.dfs_endpoint if lake.hierarchical_namespace else lake.blob_endpoint,
                    lake.hierarchical_namespace,
                )
                for key, lake in lakes.items()
            ],
            key_vault_id=vault.id,
            key_vault_uri=vault.vault.properties.vault_uri,
            purview_id=contract.purview_id,
            purview_ingestion_storage_id=contract.purview_ingestion_storage_id,
            access=lambda principal: [
                *_integration_access(vault, principal),
                *pipeline_grants(zone, lakes, "dataFactory", principal),
            ],
            credentials=factory_credentials(zone),
        ),
        opts=scope.opts(),
    )


def _integration_access(vault: KeyVault, principal: Principal) -> list[pulumi.Resource]:
    # The factory's own Key Vault linked service reads secrets as the factory; every lake role it
    # holds comes from the definitions the zone deploys (``pipeline_grants``), container by container.
    return [vault.grant_secrets_read(principal)]


def _deploy_synapse(
    scope: ZoneScope,
    zone: LandingZoneConfig,
    baseline: ServiceBaseline,
    lakes: dict[str, DataLake],
    tenant: pulumi.Output[str],
    contract: ZoneContract,
    key: CustomerManagedKey | None,
) -> SynapseWorkspace:
    settings = zone.services.synapse
    work = lakes[WORKSPACE]
    workspace = SynapseWorkspace(
        f"{zone.name}-synapse",
        SynapseWorkspaceArgs(
            baseline=baseline,
            default_lake_id=work.id,
            default_lake_dfs_endpoint=work.dfs_endpoint,
            default_filesystem=SYNAPSE_FILESYSTEM,
            tenant_id=tenant,
            spark=SparkPoolSettings(
                spark_version=settings.spark_version,
                node_size=settings.node_size,
                min_nodes=settings.min_nodes,
                max_nodes=settings.max_nodes,
                auto_pause_minutes=settings.auto_pause_minutes,
            ),
            lakes={RAW: lakes[RAW].id, ENRICHED: lakes[ENRICHED].id},
            purview_id=contract.purview_id,
            purview_ingestion_storage_id=contract.purview_ingestion_storage_id,
            sql_admin_group_name=settings.sql_admin_group_name,
            sql_admin_group_object_id=(
                str(settings.sql_admin_group_object_id) if settings.sql_admin_group_object_id else None
            ),
            after=[work.containers[SYNAPSE_FILESYSTEM]],
            customer_managed_key=key,
            packages=spark_packages(zone),
            access=lambda principal: [
                *_synapse_access(lakes, principal),
                *pipeline_grants(zone, lakes, "synapse", principal),
            ],
        ),
        opts=scope.opts(),
    )
    return workspace


def _synapse_access(lakes: dict[str, DataLake], principal: Principal) -> list[pulumi.Resource]:
    # The workspace's managed identity needs Storage Blob Data Contributor on its default filesystem
    # for Spark and pipeline run state (Microsoft Learn, "Grant permissions to workspace managed
    # identity", MicrosoftDocs azure-docs
    # synapse-analytics/security/how-to-grant-workspace-managed-identity-permissions.md).
    # Every other lake role comes from the definitions the zone deploys (``pipeline_grants``).
    return [lakes[WORKSPACE].grant_write(principal, SYNAPSE_FILESYSTEM)]


# Lakes Purview scans with its own identity. Raw is one: sensitive data first appears there. The
# partner drop is not: its files are transient and are catalogued once integration moves them to raw,
# so its public endpoint stays off (scanning it would take Purview's managed-VNet runtime and a managed
# private endpoint instead of a resource-instance rule).
PURVIEW_SCANNED = (RAW, ENRICHED, WORKSPACE)
# Lakes the zone's serverless SQL (and Power BI behind it) serves: the curated layer and the data
# products. Raw is not served; Spark reads it through its managed private endpoint.
SERVED_BY_SERVERLESS_SQL = (ENRICHED, WORKSPACE)


def _public_endpoint_readers(
    scope: ZoneScope, zone: LandingZoneConfig, contract: ZoneContract, tenant: pulumi.Output[str]
) -> dict[str, list[ResourceInstanceAccess]]:
    """Which services each lake admits to its public endpoint by resource-instance rule.

    Serverless SQL and Purview scans run outside every managed VNet and reach storage only through its
    public endpoint (MicrosoftDocs azure-docs, synapse-analytics/security/
    connect-to-a-secure-storage-account.md); Spark, the factory and Azure ML use managed private
    endpoints and need no rule. Only this zone's workspace is
    admitted: another zone's would need a data grant here as well, which the platform does not make.
    """
    readers: dict[str, list[ResourceInstanceAccess]] = {key: [] for key in (RAW, ENRICHED, WORKSPACE, EXTERNAL)}
    for key in PURVIEW_SCANNED:
        readers[key].append(ResourceInstanceAccess(tenant, contract.purview_id))
    if zone.services.synapse.enabled:
        # The workspace is created after its default lake (the workspace lake), so its id comes from
        # the naming function and the resource group it will be created in; Azure matches the rule
        # against the caller's id when serverless SQL calls, not when the rule is written.
        workspace_id = synapse_workspace_id(scope.resource_group("synapse").id, synapse_workspace_name(scope.namer))
        for key in SERVED_BY_SERVERLESS_SQL:
            readers[key].append(ResourceInstanceAccess(tenant, workspace_id))
    return readers


def _let_purview_scan(lakes: dict[str, DataLake], contract: ZoneContract) -> None:
    # A scan with Purview's managed identity reads as that identity: it needs Storage Blob Data Reader
    # on the account (MicrosoftDocs azure-docs, purview/register-scan-adls-gen2.md).
    purview = Principal("mgmt-purview", contract.purview_principal_id)
    for key in PURVIEW_SCANNED:
        lakes[key].grant_read(purview)


def _delivery_addresses(delivery: M365IngestionSettings | None) -> AddressAdmission | None:
    """The raw lake's IP rules for Graph Data Connect's deliveries, when the zone gives their addresses.

    MGDC's copy runs only on an Azure integration runtime outside any managed VNet and writes as a
    service principal, so neither a private endpoint nor a resource-instance rule admits it; the
    destination must allow-list the runtime region's addresses (Microsoft Learn, "Datasets, regions,
    and sinks supported by Microsoft Graph Data Connect" and "Managed private endpoints in Microsoft
    Graph Data Connect", learn.microsoft.com/graph/data-connect-datasets and
    /graph/managed-private-endpoints-overview).
    """
    if delivery is None or not delivery.delivery_address_ranges:
        return None
    return AddressAdmission(
        tuple(delivery.ip_rules()),
        f"Graph Data Connect delivers raw/m365 from the Data Factory addresses of {delivery.runtime_region} "
        "only (its copy activity runs outside any managed VNet and signs in as a service principal; Learn, "
        "Datasets, regions, and sinks supported by Microsoft Graph Data Connect)",
    )


def _deploy_lakes(
    scope: ZoneScope,
    zone: LandingZoneConfig,
    storage: ServiceBaseline,
    external: ServiceBaseline,
    public_endpoint_readers: dict[str, list[ResourceInstanceAccess]],
    customer_managed_key: CustomerManagedKey | None,
    raw_addresses: AddressAdmission | None,
) -> dict[str, DataLake]:
    def lake_args(
        baseline: ServiceBaseline, key: LakePurpose, purpose: str, containers: Sequence[str], hns: bool = True
    ) -> DataLakeArgs:
        return DataLakeArgs(
            baseline=baseline,
            purpose=purpose,
            hierarchical_namespace=hns,
            containers=containers,
            sku=zone.lake.redundancy_of(key),
            customer_managed_key=customer_managed_key,
            cool_after_days=zone.lake.cool_after_days,
            archive_after_days=zone.lake.archive_after_days,
            soft_delete_days=zone.lake.soft_delete_days,
            resource_instances=public_endpoint_readers[key],
            addresses=raw_addresses if key == RAW else None,
        )

    integration_containers = [SHARED_CONTAINER, *zone.data_integrations]
    workspace_containers = [SHARED_CONTAINER, *zone.data_products]
    if zone.services.synapse.enabled:
        workspace_containers.insert(1, SYNAPSE_FILESYSTEM)
    layers: dict[str, tuple[str, Sequence[str]]] = {
        RAW: ("raw", integration_containers),
        ENRICHED: ("encur", integration_containers),
        WORKSPACE: ("work", workspace_containers),
    }
    lakes = {
        key: DataLake(
            f"{zone.name}-lake-{key}",
            lake_args(storage, key, purpose, containers),
            opts=scope.opts(),
        )
        for key, (purpose, containers) in layers.items()
    }
    # Partners drop files here; integration moves them on. A flat namespace keeps blob versioning.
    lakes[EXTERNAL] = DataLake(
        f"{zone.name}-lake-{EXTERNAL}",
        lake_args(external, EXTERNAL, "ext", [SHARED_CONTAINER], hns=False),
        opts=scope.opts(),
    )
    return lakes


def _peer_with_management(local: _Spoke, contract: ZoneContract, writes: _VnetWrites) -> None:
    _peer(local, MANAGEMENT_ZONE, contract.hub_vnet_id, writes)
    # The way back lives on the management VNet, in its resource group, so a landing stack needs write
    # access there; the management stack does not have to know its landing zones in advance.
    incoming = VnetPeering(
        f"{MANAGEMENT_ZONE}-to-{local.zone}",
        VnetPeeringArgs(
            baseline=dataclasses.replace(local.baseline, resource_group_name=contract.hub_resource_group_name),
            # Through the id, so the peering also waits for the hub VNet when the name is known up front.
            local_vnet_name=pulumi.Output.all(contract.hub_vnet_id, contract.hub_vnet_name).apply(lambda hub: hub[1]),
            local_zone=MANAGEMENT_ZONE,
            remote_zone=local.zone,
            remote_vnet_id=local.vnet_id,
            after=writes.peering_after(MANAGEMENT_ZONE, local.zone),
        ),
        opts=local.scope.opts(),
    )
    writes.record(MANAGEMENT_ZONE, incoming)


def _peer_with_enterprise_hub(config: PlatformConfig, local: _Spoke, writes: _VnetWrites) -> None:
    """Behind an enterprise hub, the zone's next hop and DNS are the hub's, so it peers with the hub directly."""
    hub = config.management.existing_hub
    if config.uses_existing_hub and hub is not None:
        _peer(local, ENTERPRISE_HUB, hub.hub_vnet_id, writes)


def _peer(local: _Spoke, remote_zone: str, remote_vnet_id: pulumi.Input[str], writes: _VnetWrites) -> None:
    peering = VnetPeering(
        f"{local.zone}-to-{remote_zone}",
        VnetPeeringArgs(
            baseline=local.baseline,
            local_vnet_name=local.vnet_name,
            local_zone=local.zone,
            remote_zone=remote_zone,
            remote_vnet_id=remote_vnet_id,
            after=writes.peering_after(local.zone, remote_zone),
        ),
        opts=local.scope.opts(),
    )
    writes.record(local.zone, peering)


def _peer_mesh(spokes: Sequence[_Spoke], writes: _VnetWrites) -> Iterator[str]:
    """Every zone's peerings towards every other zone, yielding each zone's name once its side is declared
    (N-1 peerings per zone: the mesh is the one part of a stack that grows with the square of its zones)."""
    for local in spokes:
        for remote in spokes:
            if remote.zone != local.zone:
                _peer(local, remote.zone, remote.vnet_id, writes)
        yield local.zone


@dataclass(frozen=True)
class DeployedZone:
    """What another zone's landing stack reports about its VNet."""

    name: str
    vnet_id: str
    vnet_name: str
    resource_group_name: str
    # The zones whose peerings, both directions, that stack created.
    mesh_peerings: tuple[str, ...]

    @classmethod
    def from_outputs(cls, name: str, landing_zones: Any) -> DeployedZone | None:
        """Read from that stack's ``landingZones`` output; None while it has no VNet (not yet deployed)."""
        zone = landing_zones.get(name) if isinstance(landing_zones, dict) else None
        if not isinstance(zone, dict) or not zone.get("vnetId"):
            return None
        vnet_id = str(zone["vnetId"])
        parts = vnet_id.split("/")
        group = parts[parts.index("resourceGroups") + 1] if "resourceGroups" in parts else ""
        return cls(
            name=name,
            vnet_id=vnet_id,
            vnet_name=str(zone.get("vnetName") or parts[-1]),
            resource_group_name=group,
            mesh_peerings=tuple(zone.get(MESH_PEERINGS) or ()),
        )


def pairs_to_create(local_zone: str, others: Sequence[DeployedZone | None]) -> list[DeployedZone]:
    """The deployed zones this stack completes the pair with: every one that has not done so itself.

    The rule holds in both rollout orders: the zone deployed first finds nothing to peer with; the one
    deployed second finds the first and claims the pair; the first, on its next ``up``, finds that claim.
    """
    return [other for other in others if other is not None and local_zone not in other.mesh_peerings]


def _peer_with_deployed_zones(config: PlatformConfig, local: _Spoke, writes: _VnetWrites) -> pulumi.Output[list[str]]:
    others = [zone for zone in config.landing_zones if zone.name != local.zone]
    if not others:
        return pulumi.Output.from_input([])
    # The config checks require every other zone's stack in this role.
    references = [
        pulumi.StackReference(f"{zone.name}-landing-stack", stack_name=zone.stack or "", opts=local.scope.opts())
        for zone in others
    ]
    after_local = writes.after(local.zone)

    def peer(landing_zones: list[Any]) -> list[str]:
        # Declared once the other stacks' outputs are read. They are known in preview as in update
        # (the backend holds them), so the plan shows these peerings like any other resource.
        deployed = [DeployedZone.from_outputs(zone.name, out) for zone, out in zip(others, landing_zones, strict=True)]
        previous = after_local
        for remote in pairs_to_create(local.zone, deployed):
            outgoing = VnetPeering(
                f"{local.zone}-to-{remote.name}",
                VnetPeeringArgs(
                    baseline=local.baseline,
                    local_vnet_name=local.vnet_name,
                    local_zone=local.zone,
                    remote_zone=remote.name,
                    remote_vnet_id=remote.vnet_id,
                    after=previous,
                ),
                opts=local.scope.opts(),
            )
            # The way back lives on the other zone's VNet, in its network resource group (landing zones of
            # one platform share a subscription); its stack finished before publishing these outputs.
            VnetPeering(
                f"{remote.name}-to-{local.zone}",
                VnetPeeringArgs(
                    baseline=dataclasses.replace(local.baseline, resource_group_name=remote.resource_group_name),
                    local_vnet_name=remote.vnet_name,
                    local_zone=remote.name,
                    remote_zone=local.zone,
                    remote_vnet_id=local.vnet_id,
                    after=[outgoing],
                ),
                opts=local.scope.opts(),
            )
            previous = [outgoing]
        return [remote.name for remote in pairs_to_create(local.zone, deployed)]

    return pulumi.Output.all(*(reference.get_output("landingZones") for reference in references)).apply(peer)
