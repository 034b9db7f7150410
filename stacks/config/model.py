"""The typed configuration of a cloudscale stack.

Field names are snake_case in Python and camelCase in Pulumi config (``cloudscale:landingZones``).
Field-level rules live here; rules that span several fields live in ``checks.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from ipaddress import IPv4Address, IPv4Network
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    PlainSerializer,
    PrivateAttr,
    model_validator,
)
from pydantic.alias_generators import to_camel

from cloudscale.components import data_explorer
from cloudscale.components.core import azure_facts
from cloudscale.stacks.config.errors import ConfigError, ConfigProblem

if TYPE_CHECKING:
    from cloudscale.pipelines.compose import ZonePipelines


class Model(BaseModel):
    # Frozen all the way down (tuples, read-only mappings): one validated config is shared by everyone
    # who parses the same values in a process (loader.py), so nobody may change it under the others.
    # Each field's docstring is its description in the generated configuration reference (docs/).
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True, use_attribute_docstrings=True
    )


_Key = TypeVar("_Key")
_Value = TypeVar("_Value")
# A JSON object, read-only once validated; dumped as a plain dict.
FrozenMap = Annotated[Mapping[_Key, _Value], AfterValidator(MappingProxyType), PlainSerializer(dict)]


def _empty_map() -> Mapping[Any, Any]:
    return MappingProxyType({})


def _known_region(value: str) -> str:
    if value not in azure_facts.REGIONS:
        close = [r for r in azure_facts.REGIONS if r.startswith(value[:4])] or sorted(azure_facts.REGIONS)[:6]
        raise ValueError(f"unknown Azure region {value!r}; use a programmatic name such as {', '.join(close)}")
    return value


ShortName = Annotated[
    str,
    Field(pattern=r"^[a-z][a-z0-9]{1,9}$", description="2-10 lowercase letters or digits, starting with a letter"),
]


def _container_name(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]", value) or "--" in value:
        raise ValueError(
            f"{value!r} is not a valid container name: 3-63 lowercase letters, digits and single hyphens, "
            "starting and ending with a letter or digit"
        )
    return value


ContainerName = Annotated[str, AfterValidator(_container_name)]
Fqdn = Annotated[
    str, Field(pattern=r"^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$", max_length=253)
]
Region = Annotated[str, AfterValidator(_known_region)]


class FirewallConfig(Model):
    enabled: bool = True
    """Deploy the platform's own Azure Firewall; false means bring your own hub (management.existingHub)."""
    tier: Literal["Standard", "Premium"] = "Standard"
    """Firewall SKU tier; Premium adds intrusion detection and prevention."""
    # Premium only: intrusion detection mode.
    idps_mode: Literal["Off", "Alert", "Deny"] = "Deny"
    """Premium only: intrusion detection and prevention mode."""
    # Target FQDNs of an application rule: a host name, or "*." and a domain (Azure Firewall FQDN filtering,
    # learn.microsoft.com/azure/firewall/fqdn-filtering-network-rules); anything else fails the policy's deployment.
    additional_allowed_fqdns: tuple[Fqdn, ...] = Field(default_factory=tuple)
    """Extra FQDNs the egress allow-list admits (a host name, or *. and a domain)."""


StackName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,2}$")]
VnetId = Annotated[
    str,
    Field(
        pattern=r"(?i)^/subscriptions/[0-9a-f-]{36}/resourceGroups/[^/]+/providers/Microsoft\.Network/"
        r"virtualNetworks/[^/]+$",
        description="/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<name>",
    ),
]


ResourceGroupId = Annotated[
    str,
    Field(
        pattern=r"(?i)^/subscriptions/[0-9a-f-]{36}/resourceGroups/[-\w._()]+$",
        description="/subscriptions/<id>/resourceGroups/<rg>",
    ),
]


class ExistingHubConfig(Model):
    """Bring your own hub: the enterprise connectivity hub already provides egress and DNS.

    Every platform VNet (management and landing zones) peers with the hub VNet itself: peering is not
    transitive, and a route's next hop must sit in the VNet or a directly peered one. The address
    space is what proves it: the firewall and every DNS server must lie inside it.
    """

    firewall_private_ip: IPv4Address
    """Private IP of the hub's firewall, the next hop of every platform route."""
    dns_servers: tuple[IPv4Address, ...] = Field(min_length=1, max_length=20)
    """The hub's DNS servers, which every platform VNet uses."""
    # The hub's private DNS zones, in one resource group (as Azure landing zones keep them): every
    # zone's id is derived from it, so a service that brings a zone needs no new entry here.
    private_dns_zones_resource_group_id: ResourceGroupId | None = None
    """The hub's resource group that holds its private DNS zones; each zone's id is derived from it."""
    # Zone ids by zone name, for zones kept elsewhere or without the resource group; taken from the
    # management stack's contract in the landing role, so only required there.
    private_dns_zone_ids: FrozenMap[str, str] = Field(default_factory=_empty_map)
    """Private DNS zone name -> zone id in the hub, for every zone of components/core/dns_zones.py (in the
    landing role, taken from the management stack)."""
    hub_vnet_id: VnetId
    """Resource id of the hub VNet every platform VNet peers with."""
    address_space: tuple[IPv4Network, ...] = Field(min_length=1)
    """The hub VNet's address ranges; the firewall and DNS servers must lie in them."""

    def zone_ids(self, zones: Iterable[str]) -> dict[str, str]:
        """The id of each of ``zones`` the hub provides: listed, else in the zones' resource group."""
        ids = dict(self.private_dns_zone_ids)
        group = self.private_dns_zones_resource_group_id
        for zone in zones:
            if zone not in ids and group is not None:
                ids[zone] = f"{group}/providers/Microsoft.Network/privateDnsZones/{zone}"
        return ids


class ManagementNetworkConfig(Model):
    address_space: IPv4Network = IPv4Network("10.0.0.0/16")
    """Address space of the management zone's VNet."""
    firewall_subnet: IPv4Network = IPv4Network("10.0.0.0/26")
    """AzureFirewallSubnet, inside addressSpace."""
    services_subnet: IPv4Network = IPv4Network("10.0.1.0/24")
    """Subnet of the management zone's private endpoints, inside addressSpace."""
    # Ranges outside the platform (on-premises, jump hosts) whose clients use the management zone's
    # private endpoints (Purview portal, Synapse Studio hub, registry); nothing else gets in.
    client_address_prefixes: tuple[IPv4Network, ...] = Field(default_factory=tuple)
    """Ranges outside the platform whose clients use the management zone's private endpoints."""


class ManagementConfig(Model):
    network: ManagementNetworkConfig = Field(default_factory=ManagementNetworkConfig)
    """The management zone's network plan."""
    firewall: FirewallConfig = Field(default_factory=FirewallConfig)
    """The platform's Azure Firewall."""
    existing_hub: ExistingHubConfig | None = None
    """Bring your own hub: the enterprise hub that provides egress and DNS instead of the platform's firewall."""
    # Also the retention of the SQL audit trail, which goes only to Log Analytics: at least 90 days
    # (Microsoft Learn, "Auditing for Azure SQL Database and Azure Synapse Analytics": with a Log
    # Analytics target, retention is the workspace's).
    log_retention_days: int = Field(90, ge=90, le=730)
    """Log Analytics retention, also the retention of the SQL and Synapse audit trails."""


class SecurityContactsConfig(Model):
    """Who receives Microsoft Defender for SQL's threat alerts (Microsoft Learn, "Configure Advanced
    Threat Protection for Azure SQL Database": e-mail addresses and the subscription's admins)."""

    emails: tuple[EmailStr, ...] = Field(default_factory=tuple, max_length=20)
    """Addresses that receive Defender for SQL's threat alerts; at least one in tst and prd."""
    email_admins: bool = True
    """Send the alerts to the subscription's admins as well."""


class SynapseConfig(Model):
    enabled: bool = True
    """Deploy the zone's Synapse workspace and Spark pool."""
    spark_version: str = "3.5"
    """Spark runtime of the pool; only supported runtimes are accepted (3.5)."""
    node_size: Literal["Small", "Medium", "Large", "XLarge", "XXLarge"] = "Small"
    """Spark pool node size."""
    min_nodes: int = Field(3, ge=3, le=200)
    """Autoscale minimum of the Spark pool."""
    max_nodes: int = Field(10, ge=3, le=200)
    """Autoscale maximum of the Spark pool."""
    auto_pause_minutes: int = Field(15, ge=5, le=10_080)
    """Idle minutes before the Spark pool pauses."""
    sql_admin_group_name: str | None = None
    """Display name of the Entra group that administers the workspace's SQL; set with its object id."""
    sql_admin_group_object_id: UUID | None = None
    """Object id of that Entra group."""


class DataFactoryConfig(Model):
    enabled: bool = True
    """Deploy the zone's shared-integration Data Factory."""


class SqlHyperscaleConfig(Model):
    enabled: bool = False
    """Deploy the zone's SQL Database Hyperscale (the ERP database)."""
    database_name: str = Field("erp", pattern=r"^[A-Za-z0-9_-]{1,128}$")
    """Name of the database."""
    # The server's Entra administrator login; ARM requires it (learn.microsoft.com/azure/templates/
    # microsoft.sql/servers/administrators: ``login`` is required), so an empty one fails only at deployment.
    admin_group_name: str = Field("sql-admins", min_length=1)
    """Display name of the Entra group that administers the server."""
    admin_group_object_id: UUID = UUID("00000000-0000-0000-0000-000000000000")
    """Object id of that Entra group; the all-zero default means not set."""
    sku: str = "HS_Gen5"
    """Hyperscale service objective family (HS_Gen5, HS_S_Gen5 serverless, HS_PRMS, HS_MOPRMS, HS_DC)."""
    vcores: int = 2
    """vCores (the maximum for serverless); one the SKU offers."""
    min_vcores: float | None = None
    """Serverless only: the minimum vCores."""
    high_availability_replicas: int = Field(1, ge=0, le=4)
    """High-availability secondary replicas."""
    zone_redundant: bool = False
    """Spread the database across availability zones (the region must have them)."""
    backup_storage_redundancy: Literal["Local", "Zone", "Geo", "GeoZone"] = "Zone"
    """Redundancy of the backup storage."""
    short_term_retention_days: int = Field(7, ge=1, le=35)
    """Point-in-time restore window in days."""


COSMOS_MAX_TTL_SECONDS = 2_147_483_647


class CosmosContainerConfig(Model):
    name: str = Field(pattern=r"^[^/\\#?]{1,254}[^/\\#? ]$")
    """Container name."""
    partition_key: str = Field(pattern=r"^/[A-Za-z0-9_/]+$")
    """Partition key path."""
    analytical_ttl_seconds: int = Field(-1, ge=-1, le=COSMOS_MAX_TTL_SECONDS)
    """Analytical store time to live; -1 keeps documents forever."""
    default_ttl_seconds: int | None = Field(None, ge=-1, le=COSMOS_MAX_TTL_SECONDS)
    """Transactional store time to live; unset keeps documents, -1 lets items set their own."""


class CosmosConfig(Model):
    enabled: bool = False
    """Deploy the zone's Cosmos DB account with analytical store and Synapse Link."""
    database_name: str = Field("customerservice", pattern=r"^[^/\\#?]{1,254}[^/\\#? ]$")
    """Name of the SQL API database."""
    schema_type: Literal["WellDefined", "FullFidelity"] = "WellDefined"
    """Analytical store schema representation."""
    backup_tier: Literal["Continuous7Days", "Continuous30Days"] = "Continuous7Days"
    """Continuous backup tier."""
    consistency: Literal["Session", "BoundedStaleness", "Strong", "ConsistentPrefix", "Eventual"] = "Session"
    """Default consistency level."""
    zone_redundant: bool = False
    """Spread the account across availability zones (the region must have them)."""
    autoscale_max_throughput: int = Field(1000, ge=1000, multiple_of=1000)
    """Autoscale maximum RU/s of the database."""
    containers: tuple[CosmosContainerConfig, ...] = Field(default_factory=tuple)
    """The database's containers."""


class MachineLearningConfig(Model):
    enabled: bool = False
    """Deploy the zone's Azure Machine Learning workspace and compute cluster."""
    reuse_management_registry: bool = True
    """Use the management zone's container registry instead of one per workspace."""
    isolation_mode: Literal["AllowOnlyApprovedOutbound", "AllowInternetOutbound"] = "AllowOnlyApprovedOutbound"
    """Managed network isolation mode of the workspace."""
    cluster_vm_size: str = Field("Standard_DS3_v2", pattern=r"^Standard_[A-Za-z0-9_]+$")
    """VM size of the compute cluster."""
    cluster_max_nodes: int = Field(4, ge=1, le=100)
    """Maximum nodes of the compute cluster."""
    # Only enforced with AllowOnlyApprovedOutbound; a leading "*." allows every subdomain.
    allowed_outbound_fqdns: tuple[Fqdn, ...] = Field(default_factory=lambda: ("pypi.org", "files.pythonhosted.org"))
    """FQDNs the managed network lets the workspace reach (AllowOnlyApprovedOutbound only)."""


def _data_explorer_sku(value: str) -> str:
    if value not in data_explorer.SKUS:
        raise ValueError(f"{value!r} is not an Azure Data Explorer SKU, such as Standard_E2ads_v5 or Standard_E8ads_v5")
    return value


class DataExplorerConfig(Model):
    """An Azure Data Explorer cluster and database for the zone's telemetry and logs (off unless enabled)."""

    enabled: bool = False
    """Deploy the zone's Data Explorer cluster and database."""
    database_name: str = Field("telemetry", pattern=r"^[A-Za-z0-9][A-Za-z0-9 .-]{0,259}$")
    """Name of the database the cluster holds."""
    sku: Annotated[str, AfterValidator(_data_explorer_sku)] = "Standard_E2ads_v5"
    """Cluster SKU; a Dev(No SLA) SKU has exactly one instance and no SLA."""
    capacity: int = Field(2, ge=1, le=1000)
    """Instance count (the minimum, with autoscaleMax)."""
    autoscale_max: int | None = Field(None, ge=2, le=1000)
    """Optimized autoscale up to this many instances; unset keeps the capacity fixed."""
    soft_delete_days: int = Field(365, ge=1, le=36_500)
    """How long the database keeps data before it is deleted."""
    hot_cache_days: int = Field(31, ge=0, le=36_500)
    """How much of it stays in the hot cache (SSD); at most softDeleteDays."""
    auto_stop: bool = False
    """Let Azure stop the cluster after days without queries (saves cost; the first query waits for a start)."""
    readers: tuple[UUID, ...] = Field(default_factory=tuple)
    """Entra groups (object ids) that query the database (Viewer)."""
    ingestors: tuple[UUID, ...] = Field(default_factory=tuple)
    """Entra groups (object ids) that ingest into the database (Ingestor)."""

    @model_validator(mode="after")
    def _sizes_agree(self) -> DataExplorerConfig:
        if self.sku.startswith(data_explorer.DEV_SKU_PREFIX) and (self.capacity != 1 or self.autoscale_max):
            raise ValueError(f"capacity: a {self.sku} cluster has exactly 1 instance and no autoscale")
        if self.autoscale_max is not None and self.autoscale_max < self.capacity:
            raise ValueError(f"autoscaleMax ({self.autoscale_max}) is below capacity ({self.capacity})")
        if self.hot_cache_days > self.soft_delete_days:
            raise ValueError(f"hotCacheDays ({self.hot_cache_days}) exceeds softDeleteDays ({self.soft_delete_days})")
        return self


class ServicesConfig(Model):
    data_factory: DataFactoryConfig = Field(default_factory=DataFactoryConfig)
    """The zone's Data Factory."""
    synapse: SynapseConfig = Field(default_factory=SynapseConfig)
    """The zone's Synapse workspace."""
    sql_hyperscale: SqlHyperscaleConfig = Field(default_factory=SqlHyperscaleConfig)
    """The zone's SQL Database Hyperscale."""
    cosmos: CosmosConfig = Field(default_factory=CosmosConfig)
    """The zone's Cosmos DB account."""
    machine_learning: MachineLearningConfig = Field(default_factory=MachineLearningConfig)
    """The zone's Azure Machine Learning workspace."""
    data_explorer: DataExplorerConfig = Field(default_factory=DataExplorerConfig)
    """The zone's Azure Data Explorer cluster; off unless enabled."""


LakeRedundancy = Literal["Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_GZRS"]
# The zone's lakes, by purpose: raw ingestion, enriched and curated data, the data products' workspace,
# and the partners' external drop.
LakePurpose = Literal["raw", "enriched", "workspace", "external"]


class LakeConfig(Model):
    redundancy: LakeRedundancy = "Standard_ZRS"
    """Replication of every lake of the zone unless redundancyByLake names another."""
    # Per lake purpose, in place of ``redundancy``: production keeps raw and enriched-curated data, which
    # cannot be rebuilt from anywhere else, geo-zone-redundant (Standard_GZRS).
    redundancy_by_lake: FrozenMap[LakePurpose, LakeRedundancy] = Field(default_factory=_empty_map)
    """Replication per lake purpose (raw, enriched, workspace, external), in place of redundancy."""
    cool_after_days: int = Field(90, ge=1)
    """Days after the last modification when blobs move to the Cool tier."""
    # Zone-redundant accounts (ZRS, GZRS) have no Archive tier; their blobs move to Cold instead.
    archive_after_days: int = Field(365, ge=1)
    """Days after the last modification when blobs move to Archive (Cold on zone-redundant accounts)."""
    soft_delete_days: int = Field(14, ge=1, le=365)
    """Blob and container soft-delete retention in days."""

    def redundancy_of(self, lake: LakePurpose) -> LakeRedundancy:
        return self.redundancy_by_lake.get(lake, self.redundancy)


class TeamAccess(Model):
    """Entra ID security groups (object ids) that read or write one team's folders in the lake."""

    read: tuple[UUID, ...] = Field(default_factory=tuple)
    """Entra group object ids that read the team's folders (r-x)."""
    write: tuple[UUID, ...] = Field(default_factory=tuple)
    """Entra group object ids that write the team's folders (rwx)."""


class LakeAccessConfig(Model):
    """Team access to the lake's folders, applied as POSIX ACLs by ``cloudscale lake init``.

    Keys are the zone's ``dataIntegrations`` (their raw and enriched folders) and ``dataProducts``
    (their curated folders on the workspace lake).
    """

    integrations: FrozenMap[str, TeamAccess] = Field(default_factory=_empty_map)
    """Per data integration: the groups on its raw and enriched folders."""
    data_products: FrozenMap[str, TeamAccess] = Field(default_factory=_empty_map)
    """Per data product: the groups on its curated folder."""


class SoftDeleteConfig(Model):
    """What ``pulumi destroy`` leaves behind, and what the next ``up`` does about it.

    Key Vaults keep their names for the retention period after deletion, and with purge protection
    nobody can free them early (learn.microsoft.com/azure/key-vault/general/soft-delete-overview).
    """

    # None: on in tst and prd, off in dev so a destroyed dev platform can be purged and recreated.
    # Off is refused outside dev; on cannot be undone for a vault that already has it.
    purge_protection: bool | None = None
    """Key Vault purge protection; default on in tst and prd, off in dev; off is refused outside dev."""
    # Recover the platform's soft-deleted vaults (createMode "recover") instead of creating them: set
    # it for the first ``up`` after a ``destroy``, while the deleted vaults still hold their names.
    recover_deleted: bool = False
    """Recover the platform's soft-deleted vaults instead of creating them (the first up after a destroy)."""


class EncryptionConfig(Model):
    """Encryption at rest: platform-managed keys, or the zone's own key in its Key Vault."""

    # None: on in prd, off elsewhere. On, every landing zone encrypts its lakes, Cosmos DB, SQL server
    # (TDE protector) and Synapse workspace with a rotating Key Vault key of its own. It needs purge
    # protection (softDelete.purgeProtection): a purged key makes that data unreadable for good.
    customer_managed_keys: bool | None = None
    """Encrypt each landing zone's lakes, Cosmos DB, SQL server and Synapse with its own rotating Key Vault key;
    default on in prd."""
    # None: on in prd, off elsewhere. On, the zone's key is RSA-HSM in a Premium vault: its private part
    # never leaves the vault's hardware security modules. Off, a software-protected RSA key.
    hsm_keys: bool | None = None
    """Make each zone's key RSA-HSM in a Premium vault (hardware-protected); default on in prd, required there."""


class PipelineSchedule(Model):
    """When a trigger fires; the start time lives in config, never in a definition."""

    frequency: Literal["Minute", "Hour", "Day", "Week", "Month"]
    """Recurrence unit."""
    interval: int = Field(ge=1, le=1000)
    """Recurrence interval in units of frequency."""
    start_time: AwareDatetime
    """First window's start, with a time zone offset."""
    time_zone: str = "UTC"
    """Time zone of the schedule."""


PipelineName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,62}$")]


class PipelineSelection(Model):
    """A bundled definition set (a folder of ``pipelines/``) this zone deploys."""

    name: PipelineName
    """A bundled definition set: a folder of pipelines/."""
    schedule: PipelineSchedule | None = None
    """When the set's own triggers fire."""
    # Values for the set's {{ settings.<key> }} placeholders, e.g. crmServiceUri.
    settings: FrozenMap[str, str] = Field(default_factory=_empty_map)
    """Values for the set's {{ settings.<key> }} placeholders."""


class PipelineFolder(Model):
    """A team's own definition folder, validated and deployed like the bundled ones."""

    path: str = Field(min_length=1)
    """The folder, relative to the project directory."""
    # Where it runs; by default Synapse when it holds notebooks or SQL scripts, the factory otherwise.
    target: Literal["dataFactory", "synapse"] | None = None
    """Where it runs; by default Synapse when it holds notebooks or SQL scripts, the factory otherwise."""
    schedule: PipelineSchedule | None = None
    """When the folder's own triggers fire."""
    settings: FrozenMap[str, str] = Field(default_factory=_empty_map)
    """Values for the folder's {{ settings.<key> }} placeholders."""


class OrchestrationConfig(Model):
    """The zone's master pipeline: ingestion, then the data products, once per window."""

    enabled: bool = True
    """Deploy the zone's master pipeline."""
    schedule: PipelineSchedule | None = None
    """The master pipeline's tumbling window."""


class LandingZoneConfig(Model):
    name: ShortName
    """The zone's short name, used in every resource name."""
    address_space: IPv4Network
    """Address space of the zone's spoke VNet."""
    # Optional explicit subnets by role; anything not given is carved from the address space.
    subnets: FrozenMap[str, IPv4Network] = Field(default_factory=_empty_map)
    """Explicit subnets by role; anything not given is carved from addressSpace."""
    data_integrations: tuple[ContainerName, ...] = Field(default_factory=tuple)
    """Data integration teams: a raw and an enriched container each."""
    data_products: tuple[ContainerName, ...] = Field(default_factory=tuple)
    """Data products: a workspace-lake container and a subnet each."""
    lake: LakeConfig = Field(default_factory=LakeConfig)
    """The zone's lakes."""
    services: ServicesConfig = Field(default_factory=ServicesConfig)
    """The zone's data services."""
    # The zone's own landing stack (<org>/<project>/<stack>); the other zones' landing stacks read its
    # outputs to peer with it once it is deployed.
    stack: StackName | None = None
    """The zone's own landing stack (<org>/<project>/<stack>), which other landing stacks read to peer with it."""
    # Ranges outside the platform (on-premises, the enterprise hub) whose clients reach this zone's
    # private endpoints; the platform's own VNets are always allowed.
    client_address_prefixes: tuple[IPv4Network, ...] = Field(default_factory=tuple)
    """Ranges outside the platform whose clients reach the zone's private endpoints."""
    access: LakeAccessConfig = Field(default_factory=LakeAccessConfig)
    """Team access to the lake's folders, applied as ACLs by cloudscale lake init."""
    pipelines: tuple[PipelineSelection, ...] = Field(default_factory=tuple)
    """Bundled definition sets the zone deploys."""
    pipeline_folders: tuple[PipelineFolder, ...] = Field(default_factory=tuple)
    """Your own definition folders the zone deploys."""
    orchestration: OrchestrationConfig = Field(default_factory=OrchestrationConfig)
    """The zone's master pipeline."""
    # The definition sets and master pipeline the config check composed for this zone
    # (stacks/config/pipeline_checks.py); the deployment and the plan read them from here.
    _pipelines: ZonePipelines | None = PrivateAttr(default=None)


class PlatformConfig(Model):
    prefix: ShortName
    environment: Literal["dev", "tst", "prd"] = "dev"
    location: Region
    tags: FrozenMap[str, str] = Field(default_factory=_empty_map)
    role: Literal["all", "management", "landing"] = "all"
    management_stack: StackName | None = None
    landing_zone: str | None = None
    # Part of the hash in every globally unique name (storage, vaults, Synapse, ...). Required outside
    # dev; an empty one in dev is replaced by the subscription id at program start (stacks/program.py).
    name_seed: str = ""
    soft_delete: SoftDeleteConfig = Field(default_factory=SoftDeleteConfig)
    encryption: EncryptionConfig = Field(default_factory=EncryptionConfig)
    # Required outside dev (checks.py): a threat alert nobody reads protects nothing.
    security_contacts: SecurityContactsConfig | None = None
    management: ManagementConfig = Field(default_factory=ManagementConfig)
    landing_zones: tuple[LandingZoneConfig, ...] = Field(default_factory=tuple)
    # Keep azure-native's API-version aliases (stacks/aliases.py says why they are dropped by default).
    keep_provider_aliases: bool = False

    @property
    def is_production(self) -> bool:
        return self.environment == "prd"

    @property
    def protects_state(self) -> bool:
        """Locks and ``protect`` everywhere but dev, so tst rehearses what prd does."""
        return self.environment != "dev"

    @property
    def purge_protection(self) -> bool:
        explicit = self.soft_delete.purge_protection
        return self.environment != "dev" if explicit is None else explicit

    @property
    def customer_managed_keys(self) -> bool:
        explicit = self.encryption.customer_managed_keys
        return self.is_production if explicit is None else explicit

    @property
    def hsm_keys(self) -> bool:
        """HSM-backed keys where the zones have keys: by default in prd, never without a key."""
        explicit = self.encryption.hsm_keys
        return self.customer_managed_keys and (self.is_production if explicit is None else explicit)

    @property
    def uses_existing_hub(self) -> bool:
        return not self.management.firewall.enabled

    def zone(self, name: str, *, key: str = "landingZones") -> LandingZoneConfig:
        """The configured landing zone called ``name``; ``key`` is the setting that asked for it."""
        for zone in self.landing_zones:
            if zone.name == name:
                return zone
        configured = ", ".join(z.name for z in self.landing_zones) or "(none configured)"
        raise ConfigError(
            [ConfigProblem(key, f"no landing zone named {name!r} in landingZones; configured: {configured}")]
        )

    def deployed_zones(self) -> list[LandingZoneConfig]:
        if self.role == "management":
            return []
        if self.role == "landing":
            return [self.zone(self.landing_zone or "", key="landingZone")]
        return list(self.landing_zones)
