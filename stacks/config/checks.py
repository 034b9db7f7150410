"""Rules that span several config fields. Each problem names the key to change."""

from __future__ import annotations

from collections import Counter
from ipaddress import IPv4Network

from cloudscale.components.core import Namer, NamingError, azure_facts, tag_problems
from cloudscale.components.library import name_rules, platform_zones
from cloudscale.stacks.config.errors import ConfigProblem
from cloudscale.stacks.config.model import (
    CosmosConfig,
    LandingZoneConfig,
    PlatformConfig,
    SqlHyperscaleConfig,
    SynapseConfig,
)
from cloudscale.stacks.config.network_plan import (
    ENTERPRISE_HUB,
    MANAGEMENT_ZONE,
    SMALLEST_SUBNET_PREFIX_LENGTH,
    SubnetPlanError,
    direct_peers,
    landing_subnets,
    reachable_in_one_hop,
)
from cloudscale.stacks.config.pipeline_checks import check_pipelines

__all__ = ["MANAGEMENT_ZONE", "check"]
SQL_RESERVED_DATABASES = frozenset({"master", "model", "msdb", "tempdb"})
# Containers the landing zone creates on its own (shared landing area, Synapse's default filesystem).
RESERVED_CONTAINERS = frozenset({"data", "synapse"})


def check(config: PlatformConfig) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    problems += _check_role(config)
    problems += _check_tags(config)
    problems += _check_names(config)
    problems += _check_soft_delete(config)
    problems += _check_encryption(config)
    problems += _check_name_seed(config)
    problems += _check_security_contacts(config)
    problems += _check_management_network(config)
    problems += _check_hub(config)
    problems += _check_address_plan(config)
    problems += _check_routing(config)
    problems += _check_peerings(config)
    for index, zone in enumerate(config.landing_zones):
        problems += _check_zone(config, index, zone)
    return problems


def _check_role(config: PlatformConfig) -> list[ConfigProblem]:
    problems = []
    if config.role == "landing":
        if not config.management_stack:
            problems.append(
                ConfigProblem(
                    "managementStack",
                    "required when role is 'landing': the <org>/<project>/<stack> of the management zone",
                )
            )
        names = [z.name for z in config.landing_zones]
        if config.landing_zone not in names:
            problems.append(
                ConfigProblem(
                    "landingZone",
                    f"must name the landing zone this stack deploys, one of: {', '.join(names) or '(none configured)'}",
                )
            )
        # The mesh with another zone is built from that zone's landing stack outputs, once it has them.
        for index, zone in enumerate(config.landing_zones):
            if zone.name != config.landing_zone and zone.stack is None:
                problems.append(
                    ConfigProblem(
                        f"landingZones[{index}].stack",
                        "required with role 'landing': the <org>/<project>/<stack> of that zone's landing stack, "
                        "whose outputs say whether its VNet exists yet (pulumi stack init it before any landing "
                        "stack runs pulumi up; a stack without outputs counts as not deployed)",
                    )
                )
    else:
        if config.landing_zone is not None:
            problems.append(ConfigProblem("landingZone", f"only used with role 'landing', not '{config.role}'"))
        if config.management_stack is not None:
            # Only a landing stack reads another stack's outputs; elsewhere the value would be ignored.
            problems.append(ConfigProblem("managementStack", f"only used with role 'landing', not '{config.role}'"))
    return problems


def _check_tags(config: PlatformConfig) -> list[ConfigProblem]:
    return [ConfigProblem("tags", problem) for problem in tag_problems(config.tags)]


def _check_names(config: PlatformConfig) -> list[ConfigProblem]:
    problems = []
    counts = Counter(z.name for z in config.landing_zones)
    for name, count in counts.items():
        if count > 1:
            problems.append(ConfigProblem("landingZones", f"landing zone name {name!r} is used {count} times"))
        if name == MANAGEMENT_ZONE:
            problems.append(ConfigProblem("landingZones", f"{MANAGEMENT_ZONE!r} is reserved for the management zone"))
    zones = [(MANAGEMENT_ZONE, "prefix")] + [
        (z.name, f"landingZones[{i}].name") for i, z in enumerate(config.landing_zones)
    ]
    for zone, key in zones:
        namer = Namer(config.prefix, config.environment, zone, config.name_seed)
        for kind in name_rules():
            try:
                # Every purpose a stack passes, today or later, meets the rules these purposes meet.
                for purpose in namer.probe_purposes(kind):
                    namer.name(kind, purpose)
            except NamingError as error:
                problems.append(ConfigProblem(key, f"cannot produce a valid {kind} name: {error.reason}"))
                break
    return problems


def _check_name_seed(config: PlatformConfig) -> list[ConfigProblem]:
    # Globally unique names are <kind><prefix><env><zone><purpose> plus a hash of the seed, so two
    # subscriptions with the same prefix and no seed produce the same names and the second ``up``
    # fails (ARM: StorageAccountAlreadyTaken, VaultAlreadyExists). Names are plain strings needed
    # before any resource is declared and checked here, before the engine runs, so outside dev the
    # seed is config: explicit, reviewed, and stable when someone runs with another default subscription
    # (a derived seed would then rename, that is replace, every globally named stateful resource).
    if config.name_seed.strip() or config.environment == "dev":
        return []
    return [
        ConfigProblem(
            "nameSeed",
            f"required in {config.environment}: set it to the subscription id, so that globally unique names "
            "differ from those of any other platform with the same prefix",
        )
    ]


def _check_security_contacts(config: PlatformConfig) -> list[ConfigProblem]:
    # Defender for SQL sends its threat alerts by e-mail only (Microsoft Learn, "Configure Advanced
    # Threat Protection for Azure SQL Database"); outside dev someone must be named to read them.
    contacts = config.security_contacts
    if config.environment == "dev" or (contacts is not None and contacts.emails):
        return []
    return [
        ConfigProblem(
            "securityContacts.emails",
            f"required in {config.environment}: at least one address that receives the SQL threat-detection "
            "alerts (securityContacts: {emails: [secops@example.com], emailAdmins: true})",
        )
    ]


def _check_soft_delete(config: PlatformConfig) -> list[ConfigProblem]:
    if config.purge_protection or config.environment == "dev":
        return []
    return [
        ConfigProblem(
            "softDelete.purgeProtection",
            f"can be false only in dev, not in {config.environment}: purge protection is what keeps a deleted "
            "vault's keys recoverable for the whole retention period",
        )
    ]


def _check_encryption(config: PlatformConfig) -> list[ConfigProblem]:
    """Customer-managed keys need a vault whose keys cannot be purged.

    Storage, Cosmos DB, SQL TDE and Synapse all refuse a key from a vault without soft delete and purge
    protection ("Customer-managed keys for Azure Storage encryption", "Configure customer-managed keys for
    your Azure Cosmos DB account", "Azure SQL transparent data encryption with customer-managed key",
    "Encryption for Azure Synapse Analytics workspaces" on Microsoft Learn): a purged key would leave the
    data it wraps unreadable for good. The platform's vaults always have soft delete; purge protection is
    ``softDelete.purgeProtection``.
    """
    problems = _check_key_protection(config)
    # Outside dev, purge protection off is already refused (``_check_soft_delete``): one problem, one message.
    if not config.customer_managed_keys or config.purge_protection or config.environment != "dev":
        return problems
    return [
        *problems,
        ConfigProblem(
            "encryption.customerManagedKeys",
            "needs softDelete.purgeProtection: true; Azure refuses customer-managed keys from a vault whose keys "
            "can be purged, and a purged key would leave the data it encrypts unreadable",
        ),
    ]


def _check_key_protection(config: PlatformConfig) -> list[ConfigProblem]:
    """Production keys are HSM-backed (Checkov CKV_AZURE_112; Microsoft cloud security benchmark DP-6:
    "use a hardware security module (HSM) protected key"); an HSM setting without keys protects nothing."""
    explicit = config.encryption.hsm_keys
    if explicit and not config.customer_managed_keys:
        return [
            ConfigProblem(
                "encryption.hsmKeys",
                "needs encryption.customerManagedKeys: true; without keys there is nothing to keep in an HSM",
            )
        ]
    if explicit is False and config.customer_managed_keys and config.is_production:
        return [
            ConfigProblem(
                "encryption.hsmKeys",
                "can be false only outside prd: production keys are HSM-backed (RSA-HSM in a Premium vault)",
            )
        ]
    return []


def _check_management_network(config: PlatformConfig) -> list[ConfigProblem]:
    net = config.management.network
    problems = []
    subnets = {"servicesSubnet": net.services_subnet}
    if config.management.firewall.enabled:
        subnets["firewallSubnet"] = net.firewall_subnet
        if net.firewall_subnet.prefixlen > 26:
            problems.append(
                ConfigProblem(
                    "management.network.firewallSubnet",
                    f"{net.firewall_subnet} is smaller than the /26 Azure Firewall requires",
                )
            )
    for key, subnet in subnets.items():
        if not subnet.subnet_of(net.address_space):
            problems.append(
                ConfigProblem(
                    f"management.network.{key}", f"{subnet} is not inside the VNet address space {net.address_space}"
                )
            )
    if net.services_subnet.prefixlen > SMALLEST_SUBNET_PREFIX_LENGTH:
        problems.append(
            ConfigProblem(
                "management.network.servicesSubnet",
                f"{net.services_subnet} is smaller than the /{SMALLEST_SUBNET_PREFIX_LENGTH} Azure allows",
            )
        )
    if len(subnets) == 2 and net.services_subnet.overlaps(net.firewall_subnet):
        problems.append(
            ConfigProblem(
                "management.network.servicesSubnet",
                f"{net.services_subnet} overlaps firewallSubnet {net.firewall_subnet}",
            )
        )
    return problems


def _check_hub(config: PlatformConfig) -> list[ConfigProblem]:
    management = config.management
    hub = management.existing_hub
    if management.firewall.enabled:
        if hub is not None:
            return [
                ConfigProblem(
                    "management.existingHub",
                    "set only when management.firewall.enabled is false; "
                    "a zone uses either its own firewall or a hub's",
                )
            ]
        return []
    if hub is None:
        return [
            ConfigProblem(
                "management.existingHub",
                "required when management.firewall.enabled is false: give firewallPrivateIp, dnsServers and "
                "privateDnsZoneIds of the hub that provides egress and DNS",
            )
        ]
    problems = []
    needed = platform_zones(config.location)
    # A landing stack registers its endpoints in the zones the management stack hands it.
    provided = hub.zone_ids(needed)
    missing = [] if config.role == "landing" else [zone for zone in needed if zone not in provided]
    if missing:
        problems.append(
            ConfigProblem(
                "management.existingHub.privateDnsZoneIds",
                f"missing {len(missing)} zone id(s) the platform needs: {', '.join(missing[:8])}"
                + (" ..." if len(missing) > 8 else "")
                + "; list them, or give privateDnsZonesResourceGroupId, the resource group that holds the hub's zones",
            )
        )
    for zone, zone_id in hub.private_dns_zone_ids.items():
        if not zone_id.lower().startswith("/subscriptions/") or not zone_id.lower().endswith(
            f"/providers/microsoft.network/privatednszones/{zone.lower()}"
        ):
            problems.append(
                ConfigProblem(
                    f"management.existingHub.privateDnsZoneIds.{zone}",
                    "must be the resource id of that zone: /subscriptions/<id>/resourceGroups/<rg>/providers/"
                    f"Microsoft.Network/privateDnsZones/{zone}",
                )
            )
    return problems


def _check_address_plan(config: PlatformConfig) -> list[ConfigProblem]:
    spaces: list[tuple[str, IPv4Network]] = [
        ("management.network.addressSpace", config.management.network.address_space)
    ]
    spaces += [(f"landingZones[{i}].addressSpace", z.address_space) for i, z in enumerate(config.landing_zones)]
    hub = config.management.existing_hub
    if config.uses_existing_hub and hub is not None:
        # Every platform VNet peers with the hub, and peered VNets need disjoint address spaces.
        spaces = [
            *((f"management.existingHub.addressSpace[{i}]", space) for i, space in enumerate(hub.address_space)),
            *spaces,
        ]
    problems = []
    for i, (key, space) in enumerate(spaces):
        for other_key, other in spaces[:i]:
            if space.overlaps(other):
                problems.append(
                    ConfigProblem(
                        key, f"{space} overlaps {other_key} ({other}); peered VNets need disjoint address spaces"
                    )
                )
    return problems


def _check_routing(config: PlatformConfig) -> list[ConfigProblem]:
    """Every VNet's default route and DNS servers must be reachable in one hop.

    Peering is not transitive, and a user-defined route's next hop must lie in the same or a directly
    peered VNet (Microsoft Learn, "Extend peering with user-defined routes and service chaining").
    With its own firewall, every VNet routes to (and the landing zones resolve through) the firewall in
    the management VNet's firewall subnet, and every VNet peers with the management VNet. Behind an
    enterprise hub, every VNet routes to and resolves through the hub, and every VNet peers with it.
    """
    management = config.management
    hub = management.existing_hub
    vnets = [MANAGEMENT_ZONE, *(zone.name for zone in config.landing_zones)]
    problems = []
    if not config.uses_existing_hub:
        firewall = management.network.firewall_subnet
        unreachable = [vnet for vnet in vnets if not reachable_in_one_hop(config, vnet, firewall)]
        if unreachable:
            problems.append(
                ConfigProblem(
                    "management.network.firewallSubnet",
                    f"{firewall} (the firewall, next hop and DNS proxy) is not in a VNet that "
                    f"{', '.join(unreachable)} peer(s) with directly",
                )
            )
        return problems
    if hub is None:
        return problems
    for vnet in vnets:
        if ENTERPRISE_HUB not in direct_peers(config, vnet):
            problems.append(ConfigProblem("management.existingHub.hubVnetId", f"{vnet} does not peer with the hub"))
    spaces = ", ".join(str(space) for space in hub.address_space)
    for key, address in [
        ("firewallPrivateIp", hub.firewall_private_ip),
        *((f"dnsServers[{i}]", server) for i, server in enumerate(hub.dns_servers)),
    ]:
        if not all(reachable_in_one_hop(config, vnet, address) for vnet in vnets) or not any(
            address in space for space in hub.address_space
        ):
            problems.append(
                ConfigProblem(
                    f"management.existingHub.{key}",
                    f"{address} is outside the hub's addressSpace ({spaces}); every platform VNet peers only "
                    "with the hub and the platform, and peering is not transitive, so a next hop or DNS server "
                    "elsewhere is unreachable",
                )
            )
    return problems


def _check_peerings(config: PlatformConfig) -> list[ConfigProblem]:
    count = len(config.landing_zones)
    hub_peering = 1 if config.uses_existing_hub else 0
    per_landing_zone = 1 + (count - 1) + hub_peering
    per_management = count + hub_peering
    worst = max(per_landing_zone, per_management)
    if worst > azure_facts.MAX_PEERINGS_PER_VNET:
        return [
            ConfigProblem(
                "landingZones",
                f"{count} landing zones need {worst} peerings on one VNet in a full mesh; Azure allows "
                f"{azure_facts.MAX_PEERINGS_PER_VNET}, "
                f"so at most {azure_facts.MAX_PEERINGS_PER_VNET - hub_peering} zones",
            )
        ]
    return []


def _check_zone(config: PlatformConfig, index: int, zone: LandingZoneConfig) -> list[ConfigProblem]:
    key = f"landingZones[{index}]"
    problems = []
    try:
        plan = landing_subnets(zone)
    except SubnetPlanError as error:
        problems.append(ConfigProblem(f"{key}.{error.field}", str(error)))
        plan = dict(zone.subnets)
    for role, subnet in zone.subnets.items():
        if not subnet.subnet_of(zone.address_space):
            problems.append(
                ConfigProblem(
                    f"{key}.subnets.{role}", f"{subnet} is not inside the zone's address space {zone.address_space}"
                )
            )
        if subnet.prefixlen > SMALLEST_SUBNET_PREFIX_LENGTH:
            problems.append(
                ConfigProblem(
                    f"{key}.subnets.{role}",
                    f"{subnet} is smaller than the /{SMALLEST_SUBNET_PREFIX_LENGTH} Azure allows",
                )
            )
    roles = list(plan)
    for i, role in enumerate(roles):
        for other in roles[:i]:
            if plan[role].overlaps(plan[other]):
                problems.append(
                    ConfigProblem(f"{key}.subnets.{role}", f"{plan[role]} overlaps subnet {other} ({plan[other]})")
                )
    for field in ("data_integrations", "data_products"):
        alias = "dataIntegrations" if field == "data_integrations" else "dataProducts"
        for name, count in Counter(getattr(zone, field)).items():
            if count > 1:
                problems.append(ConfigProblem(f"{key}.{alias}", f"{name!r} is listed {count} times"))
        for name in sorted(RESERVED_CONTAINERS.intersection(getattr(zone, field))):
            problems.append(
                ConfigProblem(
                    f"{key}.{alias}", f"{name!r} is the name of a container every lake already has; choose another"
                )
            )
    if zone.lake.archive_after_days <= zone.lake.cool_after_days:
        problems.append(
            ConfigProblem(
                f"{key}.lake.archiveAfterDays",
                f"{zone.lake.archive_after_days} must be later than coolAfterDays ({zone.lake.cool_after_days})",
            )
        )
    problems += _check_lake_redundancy(config, f"{key}.lake", zone)
    problems += _check_services(config, f"{key}.services", zone)
    problems += _check_lake_access(f"{key}.access", zone)
    problems += check_pipelines(index, zone, config.location)
    return problems


def _check_lake_redundancy(config: PlatformConfig, key: str, zone: LandingZoneConfig) -> list[ConfigProblem]:
    if azure_facts.region(config.location).has_zones:
        return []
    chosen = [("redundancy", zone.lake.redundancy)]
    chosen += [(f"redundancyByLake.{lake}", sku) for lake, sku in zone.lake.redundancy_by_lake.items()]
    return [
        ConfigProblem(f"{key}.{setting}", f"{sku} needs availability zones, which {config.location} lacks")
        for setting, sku in chosen
        if sku in ("Standard_ZRS", "Standard_GZRS")
    ]


def _check_lake_access(key: str, zone: LandingZoneConfig) -> list[ConfigProblem]:
    """Team access names a team the zone has, and gives each group one permission per team."""
    problems = []
    teams = (
        ("integrations", zone.access.integrations, zone.data_integrations, "dataIntegrations"),
        ("dataProducts", zone.access.data_products, zone.data_products, "dataProducts"),
    )
    for alias, grants, declared, declared_key in teams:
        for team, access in grants.items():
            if team not in declared:
                problems.append(
                    ConfigProblem(
                        f"{key}.{alias}.{team}",
                        f"{team!r} is not in this zone's {declared_key} ({', '.join(declared) or 'none'})",
                    )
                )
            for group in sorted(set(access.read) & set(access.write), key=str):
                problems.append(
                    ConfigProblem(
                        f"{key}.{alias}.{team}.read",
                        f"group {group} is also listed under write; list it once, under the access it needs",
                    )
                )
    return problems


def _check_services(config: PlatformConfig, key: str, zone: LandingZoneConfig) -> list[ConfigProblem]:
    services = zone.services
    problems = []
    if services.synapse.enabled:
        problems += _check_synapse(key, services.synapse)
    if services.sql_hyperscale.enabled:
        problems += _check_hyperscale(config, f"{key}.sqlHyperscale", services.sql_hyperscale)
    if services.cosmos.enabled:
        problems += _check_cosmos(config, key, services.cosmos)
    ml = services.machine_learning
    if ml.enabled and not services.synapse.enabled and not services.data_factory.enabled:
        problems.append(
            ConfigProblem(
                f"{key}.machineLearning.enabled", "needs synapse or dataFactory in the same zone to feed it data"
            )
        )
    return problems


def _check_synapse(key: str, synapse: SynapseConfig) -> list[ConfigProblem]:
    problems = []
    if synapse.spark_version not in azure_facts.SUPPORTED_SPARK_VERSIONS:
        retired = " (retired)" if synapse.spark_version in azure_facts.RETIRED_SPARK_VERSIONS else ""
        problems.append(
            ConfigProblem(
                f"{key}.synapse.sparkVersion",
                f"{synapse.spark_version!r}{retired} is not a supported Synapse Spark runtime; use "
                f"{', '.join(sorted(azure_facts.SUPPORTED_SPARK_VERSIONS))} (3.4 left support on 2026-03-31)",
            )
        )
    if synapse.min_nodes > synapse.max_nodes:
        problems.append(
            ConfigProblem(f"{key}.synapse.minNodes", f"{synapse.min_nodes} is above maxNodes ({synapse.max_nodes})")
        )
    if (synapse.sql_admin_group_name is None) != (synapse.sql_admin_group_object_id is None):
        problems.append(
            ConfigProblem(
                f"{key}.synapse.sqlAdminGroupName",
                "give both sqlAdminGroupName and sqlAdminGroupObjectId, or neither",
            )
        )
    return problems


def _check_cosmos(config: PlatformConfig, key: str, cosmos: CosmosConfig) -> list[ConfigProblem]:
    problems = []
    for name, count in Counter(c.name for c in cosmos.containers).items():
        if count > 1:
            problems.append(ConfigProblem(f"{key}.cosmos.containers", f"container {name!r} is listed {count} times"))
    if cosmos.zone_redundant and not azure_facts.region(config.location).has_zones:
        problems.append(ConfigProblem(f"{key}.cosmos.zoneRedundant", f"{config.location} has no availability zones"))
    if not cosmos.containers:
        problems.append(ConfigProblem(f"{key}.cosmos.containers", "list at least one container when cosmos is enabled"))
    for i, container in enumerate(cosmos.containers):
        if container.analytical_ttl_seconds == 0:
            problems.append(
                ConfigProblem(
                    f"{key}.cosmos.containers[{i}].analyticalTtlSeconds",
                    "0 switches the analytical store off, which cannot be undone on an existing container; "
                    "use -1 (keep items) or a number of seconds",
                )
            )
        if container.default_ttl_seconds == 0:
            problems.append(
                ConfigProblem(
                    f"{key}.cosmos.containers[{i}].defaultTtlSeconds",
                    "Cosmos DB rejects 0; use -1 (TTL on, no default expiry), a number of seconds, or leave it out",
                )
            )
    return problems


def _check_hyperscale(config: PlatformConfig, key: str, sql: SqlHyperscaleConfig) -> list[ConfigProblem]:
    problems = []
    if sql.admin_group_object_id.int == 0:
        problems.append(
            ConfigProblem(
                f"{key}.adminGroupObjectId", "required: the object id of the Entra group that administers the server"
            )
        )
    if sql.database_name.lower() in SQL_RESERVED_DATABASES:
        problems.append(ConfigProblem(f"{key}.databaseName", f"{sql.database_name!r} is a system database name"))
    if sql.sku not in azure_facts.HYPERSCALE_SKUS:
        family, _, vcores = sql.sku.rpartition("_")
        hint = (
            f"; give the vCores separately: sku {family}, vcores {vcores}"
            if family in azure_facts.HYPERSCALE_SKUS and vcores.isdigit()
            else ""
        )
        return [
            *problems,
            ConfigProblem(
                f"{key}.sku",
                f"{sql.sku!r} is not a Hyperscale SKU; use one of {', '.join(azure_facts.HYPERSCALE_SKUS)}{hint}",
            ),
        ]
    problems += _check_hyperscale_vcores(key, sql)
    problems += _check_hyperscale_redundancy(config, key, sql)
    return problems


def _check_hyperscale_vcores(key: str, sql: SqlHyperscaleConfig) -> list[ConfigProblem]:
    problems = []
    _, allowed = azure_facts.HYPERSCALE_SKUS[sql.sku]
    if sql.vcores not in allowed:
        problems.append(
            ConfigProblem(
                f"{key}.vcores",
                f"{sql.vcores} vCores is not offered for {sql.sku}; allowed: {', '.join(map(str, allowed))}",
            )
        )
    serverless = sql.sku == "HS_S_Gen5"
    if serverless and sql.vcores in allowed:
        floor = azure_facts.HYPERSCALE_SERVERLESS_MIN_VCORES[sql.vcores]
        if sql.min_vcores is None or not floor <= sql.min_vcores <= sql.vcores:
            problems.append(
                ConfigProblem(
                    f"{key}.minVcores",
                    f"serverless {sql.sku}_{sql.vcores} needs minVcores between {floor} and {sql.vcores}",
                )
            )
    elif not serverless and sql.min_vcores is not None:
        problems.append(ConfigProblem(f"{key}.minVcores", "only applies to serverless Hyperscale (sku HS_S_Gen5)"))
    return problems


def _check_hyperscale_redundancy(config: PlatformConfig, key: str, sql: SqlHyperscaleConfig) -> list[ConfigProblem]:
    """Zone redundancy and backup storage redundancy against what the region offers."""
    problems = []
    region = azure_facts.region(config.location)
    if sql.zone_redundant:
        if not region.has_zones:
            problems.append(
                ConfigProblem(
                    f"{key}.zoneRedundant", f"{config.location} has no availability zones; set zoneRedundant to false"
                )
            )
        if sql.sku not in azure_facts.HYPERSCALE_ZONE_REDUNDANT_SKUS:
            problems.append(
                ConfigProblem(
                    f"{key}.zoneRedundant", f"{sql.sku} has no documented zone redundancy; use HS_Gen5 or HS_S_Gen5"
                )
            )
        if sql.high_availability_replicas < 1:
            problems.append(
                ConfigProblem(
                    f"{key}.highAvailabilityReplicas", "zone-redundant Hyperscale needs at least 1 HA replica"
                )
            )
        if sql.backup_storage_redundancy not in ("Zone", "GeoZone"):
            problems.append(
                ConfigProblem(
                    f"{key}.backupStorageRedundancy", "zone-redundant Hyperscale needs Zone or GeoZone backup storage"
                )
            )
    if sql.backup_storage_redundancy in ("Zone", "GeoZone") and not region.has_zones:
        problems.append(
            ConfigProblem(
                f"{key}.backupStorageRedundancy",
                f"{sql.backup_storage_redundancy} needs zones, which {config.location} lacks",
            )
        )
    if sql.backup_storage_redundancy in ("Geo", "GeoZone") and region.paired is None:
        problems.append(
            ConfigProblem(
                f"{key}.backupStorageRedundancy", f"{config.location} has no paired region for geo-redundant backups"
            )
        )
    return problems
