"""What a stack needs from its Azure subscription and tenant before ``pulumi up``, read from its plan.

Everything here comes from the recorded resources of an offline run and the validated config, never
from a second list: the resource providers from the types the run declares (and the services its
subnets are delegated to), the roles the deploying identity must be able to assign from the run's
role assignments, the globally unique names from the resources that carry them, the Entra ID objects
from the config keys that name them, and the regional features from ``azure_facts``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, get_args

from cloudscale.components.core import RULES, NameRule, azure_facts
from cloudscale.components.core.roles import role_name
from cloudscale.stacks.config import LandingZoneConfig, PlatformConfig
from cloudscale.stacks.config.model import LakePurpose
from cloudscale.stacks.offline.engine import OfflineRun

ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
SUBNET = "azure-native:network:Subnet"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
# The generic ARM resource names its namespace itself (the factory's managed VNet).
GENERIC_RESOURCE = "azure-native:resources:Resource"
# An all-zero object id is the model's "not set" default for the SQL admin group.
UNSET_OBJECT_ID = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class Service:
    """A top-level service type: its ARM type, and the naming kind and input of its name when that
    name must be unique across Azure (a public DNS label)."""

    arm_type: str
    name_input: str
    name_kind: str | None = None


# The service types whose regional availability and (where global) name a deployment depends on.
SERVICES: dict[str, Service] = {
    "azure-native:storage:StorageAccount": Service(
        "Microsoft.Storage/storageAccounts", "accountName", "storage_account"
    ),
    "azure-native:keyvault:Vault": Service("Microsoft.KeyVault/vaults", "vaultName", "key_vault"),
    "azure-native:containerregistry:Registry": Service(
        "Microsoft.ContainerRegistry/registries", "registryName", "container_registry"
    ),
    "azure-native:cosmosdb:DatabaseAccount": Service(
        "Microsoft.DocumentDB/databaseAccounts", "accountName", "cosmos_account"
    ),
    "azure-native:sql:Server": Service("Microsoft.Sql/servers", "serverName", "sql_server"),
    "azure-native:synapse:Workspace": Service("Microsoft.Synapse/workspaces", "workspaceName", "synapse_workspace"),
    "azure-native:datafactory:Factory": Service("Microsoft.DataFactory/factories", "factoryName", "data_factory"),
    "azure-native:purview:Account": Service("Microsoft.Purview/accounts", "accountName", "purview"),
    "azure-native:kusto:Cluster": Service("Microsoft.Kusto/clusters", "clusterName", "data_explorer_cluster"),
    "azure-native:machinelearningservices:Workspace": Service(
        "Microsoft.MachineLearningServices/workspaces", "workspaceName"
    ),
    "azure-native:network:AzureFirewall": Service("Microsoft.Network/azureFirewalls", "azureFirewallName"),
}

# Per-region counts a subscription's quotas limit: the usage name each service reports for them
# (Microsoft Learn, "Azure subscription and service limits, quotas, and constraints": storage
# accounts per region, networking limits), keyed by the type that consumes one unit.
QUOTA_USAGES: dict[str, tuple[str, str]] = {
    "azure-native:storage:StorageAccount": ("Microsoft.Storage", "StorageAccounts"),
    "azure-native:network:VirtualNetwork": ("Microsoft.Network", "VirtualNetworks"),
    "azure-native:network:NetworkSecurityGroup": ("Microsoft.Network", "NetworkSecurityGroups"),
    "azure-native:network:RouteTable": ("Microsoft.Network", "RouteTables"),
    "azure-native:network:PublicIPAddress": ("Microsoft.Network", "PublicIPAddresses"),
}


@dataclass(frozen=True)
class ProviderNeed:
    namespace: str
    because: tuple[str, ...]

    @property
    def registered_by_default(self) -> bool:
        return self.namespace in azure_facts.REGISTERED_BY_DEFAULT


@dataclass(frozen=True)
class GlobalName:
    kind: str
    name: str
    arm_type: str
    resource_group: str

    @property
    def rule(self) -> NameRule:
        return RULES[self.kind]

    def rule_text(self) -> str:
        rule = self.rule
        return f"{rule.min_length}-{rule.max_length} characters matching /{rule.pattern}/, unique across Azure"


@dataclass(frozen=True)
class EntraObject:
    """An Entra ID object (or an identity inside a service) the stack expects to exist."""

    what: str
    key: str
    object_id: str | None
    note: str = ""
    set_up_after_deployment: bool = False
    """Made for an identity the stack creates (a Dataverse application user), or outside Azure."""

    @property
    def missing(self) -> bool:
        return not self.set_up_after_deployment and self.object_id in (None, UNSET_OBJECT_ID)


@dataclass(frozen=True)
class RegionalFeature:
    feature: str
    needed_by: str
    offline_verdict: bool | None
    """True or False where the published tables decide it; None where only Azure can (``--check``)."""
    detail: str


@dataclass
class Requirements:
    stack: str
    role: str
    location: str
    subscription_id: str | None
    providers: list[ProviderNeed]
    granted_roles: list[str]
    """GUIDs of every role the stack assigns, sorted: what the deploying identity must be allowed to assign."""
    resource_groups: list[str]
    extra_permissions: list[str]
    entra_objects: list[EntraObject]
    global_names: list[GlobalName]
    regional: list[RegionalFeature]
    regional_services: list[str]
    """ARM types of the services the stack creates, which the region must offer."""
    quota_needs: dict[tuple[str, str], int] = field(default_factory=dict)
    """(namespace, usage name) -> how many the stack creates in the region."""
    ml_clusters: dict[str, int] = field(default_factory=dict)
    """VM size -> nodes of the Azure ML clusters at their maximum, whose cores the region's ML quota must cover."""

    @property
    def providers_to_register(self) -> list[ProviderNeed]:
        return [p for p in self.providers if not p.registered_by_default]

    def scope(self) -> str:
        return f"/subscriptions/{self.subscription_id or '<subscription-id>'}"

    def role_condition(self) -> str:
        return assignment_condition(self.granted_roles)

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "role": self.role,
            "location": self.location,
            "scope": self.scope(),
            "providers": [
                {"namespace": p.namespace, "because": list(p.because), "registeredByDefault": p.registered_by_default}
                for p in self.providers
            ],
            "deployingIdentity": {
                "either": ["Owner"],
                "or": ["Contributor", "Role Based Access Control Administrator (with condition)"],
                "condition": self.role_condition(),
                "conditionVersion": "2.0",
                "grantedRoles": [{"id": guid, "name": role_name(guid)} for guid in self.granted_roles],
                "resourceGroups": self.resource_groups,
                "extraPermissions": self.extra_permissions,
            },
            "entraObjects": [
                {
                    "what": o.what,
                    "key": o.key,
                    "objectId": o.object_id,
                    "missing": o.missing,
                    "setUpAfterDeployment": o.set_up_after_deployment,
                    "note": o.note,
                }
                for o in self.entra_objects
            ],
            "globalNames": [
                {
                    "kind": n.kind,
                    "name": n.name,
                    "type": n.arm_type,
                    "resourceGroup": n.resource_group,
                    "rule": n.rule_text(),
                }
                for n in self.global_names
            ],
            "regional": [
                {"feature": r.feature, "neededBy": r.needed_by, "available": r.offline_verdict, "detail": r.detail}
                for r in self.regional
            ],
            "services": self.regional_services,
            "quotas": [
                {"provider": namespace, "usage": usage, "needed": count}
                for (namespace, usage), count in sorted(self.quota_needs.items())
            ],
            "mlClusters": self.ml_clusters,
        }


def assignment_condition(role_ids: list[str]) -> str:
    """The ABAC condition that lets a Role Based Access Control Administrator assign (and remove) only
    ``role_ids``: Microsoft Learn, "Examples to delegate Azure role assignment management with
    conditions", Example: Constrain roles (condition version 2.0)."""
    guids = "{" + ", ".join(role_ids) + "}"
    attribute = "Microsoft.Authorization/roleAssignments:RoleDefinitionId"
    return (
        "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
        f"(@Request[{attribute}] ForAnyOfAnyValues:GuidEquals {guids}))"
        " AND "
        "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR "
        f"(@Resource[{attribute}] ForAnyOfAnyValues:GuidEquals {guids}))"
    )


def stack_requirements(
    run: OfflineRun, config: PlatformConfig, *, stack: str, subscription_id: str | None
) -> Requirements:
    resources = [r for r in run.resources if r.custom]
    return Requirements(
        stack=stack,
        role=config.role,
        location=config.location,
        subscription_id=subscription_id,
        providers=_providers(resources),
        granted_roles=sorted(
            {str(r.inputs["roleDefinitionId"]).rsplit("/", 1)[-1].lower() for r in _of(resources, ROLE_ASSIGNMENT)}
        ),
        resource_groups=sorted(str(r.inputs["resourceGroupName"]) for r in _of(resources, RESOURCE_GROUP)),
        extra_permissions=_extra_permissions(config),
        entra_objects=_entra_objects(config),
        global_names=_global_names(resources),
        regional=_regional(config),
        regional_services=sorted({SERVICES[r.typ].arm_type for r in resources if r.typ in SERVICES}),
        quota_needs=dict(Counter(QUOTA_USAGES[r.typ] for r in resources if r.typ in QUOTA_USAGES)),
        ml_clusters=_ml_clusters(config),
    )


def _of(resources: list[Any], typ: str) -> list[Any]:
    return [r for r in resources if r.typ == typ]


def _providers(resources: list[Any]) -> list[ProviderNeed]:
    because: dict[str, set[str]] = defaultdict(set)
    for r in resources:
        if not r.typ.startswith("azure-native:"):
            continue  # dynamic resources call data planes of services declared here
        because[azure_facts.resource_provider(r.typ)].add(r.typ)
        if r.typ == GENERIC_RESOURCE:
            namespace = str(r.inputs["resourceProviderNamespace"])
            because[namespace].add(f"{namespace}/{r.inputs.get('resourceType', '')}")
        if r.typ == SUBNET:
            # A subnet delegated to a service fails while that service's provider is unregistered.
            for delegation in r.inputs.get("delegations") or []:
                service = str(delegation["serviceName"])
                because[service.split("/", 1)[0]].add(f"subnet delegation to {service}")
    return [ProviderNeed(ns, tuple(sorted(why))) for ns, why in sorted(because.items(), key=lambda i: i[0].lower())]


def _global_names(resources: list[Any]) -> list[GlobalName]:
    names = []
    for r in resources:
        service = SERVICES.get(r.typ)
        if service is None or service.name_kind is None:
            continue
        names.append(
            GlobalName(
                service.name_kind,
                str(r.inputs[service.name_input]),
                service.arm_type,
                str(r.inputs["resourceGroupName"]),
            )
        )
    return sorted(names, key=lambda n: (n.kind, n.name))


def _extra_permissions(config: PlatformConfig) -> list[str]:
    hub = config.management.existing_hub
    if not config.uses_existing_hub or hub is None:
        return []
    # Peering with a VNet takes peer/action on it, and linking a private endpoint to a zone takes
    # join/action on the zone (Microsoft Learn, "Create, change, or delete a virtual network peering":
    # permissions; "Azure Private Endpoint DNS integration").
    return [
        f"Microsoft.Network/virtualNetworks/peer/action on the hub VNet {hub.hub_vnet_id}",
        "Microsoft.Network/privateDnsZones/join/action on the hub's private DNS zones "
        "(management.existingHub.privateDnsZoneIds)",
    ]


def _entra_objects(config: PlatformConfig) -> list[EntraObject]:
    objects: list[EntraObject] = []
    for index, zone in enumerate(config.landing_zones):
        if zone in config.deployed_zones():
            key = f"landingZones[{index}]"
            objects += _service_objects(zone, key) + _lake_groups(zone, key)
    return objects


def _service_objects(zone: LandingZoneConfig, key: str) -> list[EntraObject]:
    """The admin groups of the zone's services, and the identities its pipelines and products need outside Azure."""
    objects: list[EntraObject] = []
    services = zone.services
    if services.sql_hyperscale.enabled:
        sql = services.sql_hyperscale
        objects.append(
            EntraObject(
                f"SQL server Entra admin group {sql.admin_group_name!r} ({zone.name})",
                f"{key}.services.sqlHyperscale.adminGroupObjectId",
                str(sql.admin_group_object_id),
                "a security group; it also runs the exported sqlFactoryUserScript",
            )
        )
    if services.synapse.enabled:
        synapse = services.synapse
        objects.append(
            EntraObject(
                f"Synapse SQL Entra admin group {synapse.sql_admin_group_name or '(none)'} ({zone.name})",
                f"{key}.services.synapse.sqlAdminGroupObjectId",
                str(synapse.sql_admin_group_object_id) if synapse.sql_admin_group_object_id else None,
                "without it the workspace's serverless SQL has no Entra administrator",
            )
        )
    for pipeline in zone.pipelines:
        if pipeline.name == "crm_ingestion":
            objects.append(
                EntraObject(
                    f"Dataverse application user for the {zone.name} factory's managed identity",
                    f"{key}.pipelines[crm_ingestion].settings.crmServiceUri",
                    None,
                    f"created in {pipeline.settings.get('crmServiceUri', 'the Dataverse environment')} for the "
                    "identity the stack creates",
                    set_up_after_deployment=True,
                )
            )
    if "relationship-mesh" in zone.data_products:
        objects.append(
            EntraObject(
                f"Microsoft Graph Data Connect application for relationship-mesh ({zone.name})",
                f"{key}.dataProducts",
                None,
                "an app registration with the Message_v0 and Event_v0 datasets, approved by a Microsoft 365 "
                "global administrator; it delivers the mail and meeting rows the product reads",
                set_up_after_deployment=True,
            )
        )
    return objects


def _lake_groups(zone: LandingZoneConfig, key: str) -> list[EntraObject]:
    """The Entra groups ``cloudscale lake init`` puts on the zone's folders."""
    teams_by_kind = {"integrations": zone.access.integrations, "dataProducts": zone.access.data_products}
    return [
        EntraObject(f"lake {mode} group of {team} ({zone.name})", f"{key}.access.{kind}.{team}.{mode}", str(group))
        for kind, teams in teams_by_kind.items()
        for team, access in teams.items()
        for mode in ("read", "write")
        for group in getattr(access, mode)
    ]


def _lakes_replicated(zone: LandingZoneConfig, redundancies: tuple[str, ...]) -> list[str]:
    """The zone's lake purposes whose replication is one of ``redundancies``."""
    return sorted(lake for lake in get_args(LakePurpose) if zone.lake.redundancy_of(lake) in redundancies)


def _zone_redundancy_users(config: PlatformConfig) -> list[str]:
    users = []
    if config.role != "landing" and config.management.firewall.enabled:
        users.append("Azure Firewall and its public IP (zones 1-3)")
    for zone in config.deployed_zones():
        lakes = _lakes_replicated(zone, ("Standard_ZRS", "Standard_GZRS"))
        if lakes:
            users.append(f"{zone.name} lakes {', '.join(lakes)}")
        if zone.services.sql_hyperscale.enabled and zone.services.sql_hyperscale.zone_redundant:
            users.append(f"{zone.name} SQL Hyperscale")
        if zone.services.cosmos.enabled and zone.services.cosmos.zone_redundant:
            users.append(f"{zone.name} Cosmos DB")
    return users


def _regional(config: PlatformConfig) -> list[RegionalFeature]:
    region = azure_facts.region(config.location)
    features: list[RegionalFeature] = []
    zone_users = _zone_redundancy_users(config)
    if zone_users:
        features.append(
            RegionalFeature(
                "availability zones",
                "; ".join(zone_users),
                region.has_zones,
                f"{config.location} {'has' if region.has_zones else 'has no'} availability zones (Azure regions list)",
            )
        )
    geo = [
        f"{zone.name} {lake}"
        for zone in config.deployed_zones()
        for lake in _lakes_replicated(zone, ("Standard_GRS", "Standard_GZRS"))
    ]
    if geo:
        features.append(
            RegionalFeature(
                "paired region for geo-redundant storage",
                ", ".join(geo),
                region.paired is not None,
                f"paired with {region.paired}" if region.paired else f"{config.location} has no paired region",
            )
        )
    for zone in config.deployed_zones():
        sql = zone.services.sql_hyperscale
        if sql.enabled:
            zone_ok = not sql.zone_redundant or sql.sku in azure_facts.HYPERSCALE_ZONE_REDUNDANT_SKUS
            features.append(
                RegionalFeature(
                    f"SQL Hyperscale {sql.sku}_{sql.vcores}{' zone-redundant' if sql.zone_redundant else ''}",
                    f"{zone.name} ERP database",
                    None if zone_ok else False,
                    f"az sql db list-editions --location {config.location} --edition Hyperscale lists the region's "
                    "objectives and their zone redundancy"
                    if zone_ok
                    else f"{sql.sku} has no documented zone redundancy",
                )
            )
    return features


def _ml_clusters(config: PlatformConfig) -> dict[str, int]:
    """VM size -> nodes of every Azure ML cluster at its maximum: zones share the region's quota per family."""
    clusters: Counter[str] = Counter()
    for zone in config.deployed_zones():
        ml = zone.services.machine_learning
        if ml.enabled:
            clusters[ml.cluster_vm_size] += ml.cluster_max_nodes
    return dict(clusters)
