"""Azure facts that validation and components need offline.

Kept as data so a reviewer can diff them against the published tables; each group names the
Microsoft Learn page it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    name: str
    has_zones: bool
    paired: str | None


# (programmatic name, has availability zones, paired region or None when non-paired), from "Azure
# regions list", https://learn.microsoft.com/azure/reliability/regions-list
_REGION_ROWS: tuple[tuple[str, bool, str | None], ...] = (
    ("australiacentral", False, "australiacentral2"),
    ("australiacentral2", False, "australiacentral"),
    ("australiaeast", True, "australiasoutheast"),
    ("australiasoutheast", False, "australiaeast"),
    ("austriaeast", True, None),
    ("belgiumcentral", True, None),
    ("brazilsouth", True, "southcentralus"),
    ("brazilsoutheast", False, "brazilsouth"),
    ("canadacentral", True, "canadaeast"),
    ("canadaeast", False, "canadacentral"),
    ("centralindia", True, "southindia"),
    ("centralus", True, "eastus2"),
    ("chilecentral", True, None),
    ("denmarkeast", True, None),
    ("eastasia", True, "southeastasia"),
    ("eastus", True, "westus"),
    ("eastus2", True, "centralus"),
    ("francecentral", True, "francesouth"),
    ("francesouth", False, "francecentral"),
    ("germanynorth", False, "germanywestcentral"),
    ("germanywestcentral", True, "germanynorth"),
    ("indiasouthcentral", True, "centralindia"),
    ("indonesiacentral", True, None),
    ("israelcentral", True, None),
    ("italynorth", True, None),
    ("japaneast", True, "japanwest"),
    ("japanwest", True, "japaneast"),
    ("koreacentral", True, "koreasouth"),
    ("koreasouth", False, "koreacentral"),
    ("malaysiawest", True, None),
    ("mexicocentral", True, None),
    ("newzealandnorth", True, None),
    ("northcentralus", False, "southcentralus"),
    ("northeurope", True, "westeurope"),
    ("norwayeast", True, "norwaywest"),
    ("norwaywest", False, "norwayeast"),
    ("polandcentral", True, None),
    ("qatarcentral", True, None),
    ("southafricanorth", True, "southafricawest"),
    ("southafricawest", False, "southafricanorth"),
    ("southcentralus", True, "northcentralus"),
    ("southindia", False, "centralindia"),
    ("southeastasia", True, "eastasia"),
    ("spaincentral", True, None),
    ("swedencentral", True, "swedensouth"),
    ("switzerlandnorth", True, "switzerlandwest"),
    ("switzerlandwest", False, "switzerlandnorth"),
    ("uaecentral", False, "uaenorth"),
    ("uaenorth", True, "uaecentral"),
    ("uksouth", True, "ukwest"),
    ("ukwest", False, "uksouth"),
    ("westcentralus", False, "westus2"),
    ("westeurope", True, "northeurope"),
    ("westindia", False, "southindia"),
    ("westus", False, "eastus"),
    ("westus2", True, "westcentralus"),
    ("westus3", True, "eastus"),
)

REGIONS: dict[str, Region] = {name: Region(name, zones, paired) for name, zones, paired in _REGION_ROWS}


def region(name: str) -> Region:
    return REGIONS[name]


def zones_for(location: str) -> list[str]:
    """Availability zones to pin zonal resources to, empty where the region has none."""
    return ["1", "2", "3"] if REGIONS[location].has_zones else []


# SQL Database Hyperscale service objectives: sku name -> (family, allowed vCores), from "Resource
# limits for single databases using the vCore purchasing model",
# https://learn.microsoft.com/azure/azure-sql/database/resource-limits-vcore-single-databases
HYPERSCALE_SKUS: dict[str, tuple[str, tuple[int, ...]]] = {
    "HS_Gen5": ("Gen5", (2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 32, 40, 80)),
    "HS_S_Gen5": ("Gen5", (2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 32, 40, 80)),
    "HS_PRMS": ("8IM", (2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 32, 40, 64, 80, 128)),
    "HS_MOPRMS": ("8IH", (2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 32, 40, 64, 80)),
    "HS_DC": ("DC", (2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 32, 40)),
}
# Serverless Hyperscale: max vCores -> smallest allowed min vCores.
HYPERSCALE_SERVERLESS_MIN_VCORES: dict[int, float] = {
    2: 0.5,
    4: 0.5,
    6: 0.75,
    8: 1.0,
    10: 1.25,
    12: 1.5,
    14: 1.75,
    16: 2.0,
    18: 2.25,
    20: 2.25,
    24: 3.0,
    32: 4.0,
    40: 5.0,
    80: 10.0,
}
# Only standard-series has documented zone redundancy everywhere zones exist
# (https://learn.microsoft.com/azure/reliability/reliability-sql-database).
HYPERSCALE_ZONE_REDUNDANT_SKUS = frozenset({"HS_Gen5", "HS_S_Gen5"})
HYPERSCALE_MAX_HA_REPLICAS = 4
# https://learn.microsoft.com/azure/azure-sql/database/automated-backups-overview
SQL_PITR_RETENTION_DAYS = (1, 35)

# Synapse Spark runtimes still in support (3.4 left support on 2026-03-31), from
# https://learn.microsoft.com/azure/synapse-analytics/spark/apache-spark-version-support
SUPPORTED_SPARK_VERSIONS = frozenset({"3.5"})
RETIRED_SPARK_VERSIONS = frozenset({"2.4", "3.1", "3.2", "3.3", "3.4"})
# https://learn.microsoft.com/azure/synapse-analytics/spark/apache-spark-pool-configurations
SPARK_NODE_SIZES = ("Small", "Medium", "Large", "XLarge", "XXLarge")
SPARK_NODE_RANGE = (3, 200)
SPARK_AUTO_PAUSE_MINUTES = (5, 10_080)

# https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview
KEY_VAULT_SOFT_DELETE_DAYS = (7, 90)
# https://learn.microsoft.com/azure/azure-monitor/logs/data-retention-configure
LOG_ANALYTICS_RETENTION_DAYS = (30, 730)

# Networking, Azure DNS and Private Link limits,
# https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits
MAX_PEERINGS_PER_VNET = 500
MAX_VNET_LINKS_PER_DNS_ZONE = 1000
MAX_ZONE_CONFIGS_PER_ZONE_GROUP = 5

# Resource provider namespace of each azure-native module the platform declares resources from, from
# "Resource providers for Azure services" (MicrosoftDocs azure-docs, azure-resource-manager/management/
# azure-services-resource-providers.md). A subscription must register a namespace before ARM accepts a
# write of its types (MissingSubscriptionRegistration otherwise), and azure-native has no resource
# that registers one.
RESOURCE_PROVIDERS: dict[str, str] = {
    "applicationinsights": "Microsoft.Insights",
    "authorization": "Microsoft.Authorization",
    "containerregistry": "Microsoft.ContainerRegistry",
    "cosmosdb": "Microsoft.DocumentDB",
    "datafactory": "Microsoft.DataFactory",
    "fabric": "Microsoft.Fabric",
    "keyvault": "Microsoft.KeyVault",
    "machinelearningservices": "Microsoft.MachineLearningServices",
    "managedidentity": "Microsoft.ManagedIdentity",
    "monitor": "Microsoft.Insights",
    "network": "Microsoft.Network",
    "operationalinsights": "Microsoft.OperationalInsights",
    "privatedns": "Microsoft.Network",
    "purview": "Microsoft.Purview",
    "resources": "Microsoft.Resources",
    "sql": "Microsoft.Sql",
    "storage": "Microsoft.Storage",
    "synapse": "Microsoft.Synapse",
}
# The same page's "registered by default" namespaces that a platform's types come from.
REGISTERED_BY_DEFAULT = frozenset({"Microsoft.Authorization", "Microsoft.Resources"})


def resource_provider(type_token: str) -> str:
    """The namespace an ``azure-native:<module>:<Type>`` token's resources belong to."""
    module = type_token.split(":")[1]
    try:
        return RESOURCE_PROVIDERS[module]
    except KeyError:
        raise KeyError(
            f"no resource provider namespace known for azure-native module {module!r} ({type_token}); "
            "add it to azure_facts.RESOURCE_PROVIDERS"
        ) from None


# Microsoft Graph Data Connect: the Azure regions a Data Factory's integration runtime and the
# destination storage may use for each Microsoft 365 geography, from "Datasets, regions, and sinks
# supported by Microsoft Graph Data Connect", Regions (https://learn.microsoft.com/graph/data-connect-datasets).
# Both must map to the geography of the tenant's mailboxes.
GRAPH_DATA_CONNECT_GEOGRAPHIES: dict[str, tuple[str, ...]] = {
    "Asia-Pacific": ("eastasia", "southeastasia"),
    "Australia": ("australiaeast", "australiasoutheast"),
    "Europe": ("northeurope", "westeurope"),
    "North America": (
        "centralus",
        "eastus",
        "eastus2",
        "northcentralus",
        "southcentralus",
        "westcentralus",
        "westus",
        "westus2",
    ),
    "Brazil": ("brazilsouth",),
    "United Kingdom": ("uksouth", "ukwest"),
    "Canada": ("canadacentral", "canadaeast"),
    "Japan": ("japanwest", "japaneast"),
    "India": ("southindia", "centralindia"),
    "Korea": ("koreacentral", "koreasouth"),
    "Switzerland": ("switzerlandnorth",),
    "Germany": ("germanywestcentral",),
    "Norway": ("norwayeast",),
    "France": ("francecentral",),
    "UAE": ("uaenorth",),
}
# A storage account's IP network rules do not apply to requests from an Azure integration runtime in
# the account's own region ("Azure Integration Runtime IP addresses", known issue with Azure
# Storage), so a firewalled destination needs the runtime in another region of the geography.
# Storage IP rules take public IPv4 addresses and ranges, /31 and /32 ranges as single addresses, at
# most 400 per account ("Configure Azure Storage firewalls and virtual networks", IP network rules).
STORAGE_MAX_IP_RULES = 400


def graph_data_connect_geography(location: str) -> str | None:
    """The Microsoft 365 geography whose Graph Data Connect data an Azure region may receive."""
    for geography, regions in GRAPH_DATA_CONNECT_GEOGRAPHIES.items():
        if location in regions:
            return geography
    return None
