"""What the platform's workloads may reach on the internet, as data a reviewer can read line by line.

Everything else is denied. The lists are deliberately short: the platform's services reach each other
through private endpoints, which the firewall never sees (peering routes are more specific than the
default route), so only the traffic that has no private path is listed here. Entries in ``{region}``
are filled from the zone's location so service tags stay in-region.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class NetworkRule:
    name: str
    service_tags: tuple[str, ...]
    ports: tuple[str, ...]
    reason: str
    protocols: tuple[str, ...] = ("TCP",)


@dataclass(frozen=True)
class ApplicationRuleCollection:
    name: str
    fqdns: tuple[str, ...]
    reason: str


NETWORK_RULES: tuple[NetworkRule, ...] = (
    NetworkRule(
        "entra-id", ("AzureActiveDirectory",), ("443",),
        "every managed identity and integration runtime signs in to Microsoft Entra ID",
    ),
    NetworkRule(
        "resource-manager", ("AzureResourceManager",), ("443",),
        "integration runtimes and Azure ML compute call Azure Resource Manager",
    ),
    NetworkRule(
        "azure-monitor", ("AzureMonitor",), ("443",),
        "Azure ML compute reports metrics to Azure Monitor outside the private link scope",
    ),
    NetworkRule(
        "machine-learning-tcp", ("AzureMachineLearning",), ("443", "8787", "18881"),
        "Azure ML compute talks to its control plane and serves run logs",
    ),
    NetworkRule(
        "machine-learning-udp", ("AzureMachineLearning",), ("5831",),
        "Azure ML compute node health",
        protocols=("UDP",),
    ),
    NetworkRule(
        "batch-node-management", ("BatchNodeManagement.{region}",), ("443",),
        "Azure ML compute clusters are Batch pools managed from this region",
    ),
    NetworkRule(
        "storage-in-region", ("Storage.{region}",), ("443",),
        "Azure ML compute stages job files in Batch storage, which has no private endpoint; in-region only",
    ),
    NetworkRule(
        "container-images", ("MicrosoftContainerRegistry.{region}", "AzureFrontDoor.FirstParty"), ("443",),
        "Azure ML environments start from Microsoft base images",
    ),
)

APPLICATION_RULE_COLLECTIONS: tuple[ApplicationRuleCollection, ...] = (
    ApplicationRuleCollection(
        "integration-runtimes",
        ("*.frontend.clouddatahub.net", "*.servicebus.windows.net", "download.microsoft.com"),
        "Data Factory and Synapse pipelines and Purview scans run on self-hosted integration runtimes, which "
        "reach their control plane, the interactive-authoring relay and their updates here; Purview's "
        "account, portal and ingestion endpoints are private",
    ),
    ApplicationRuleCollection(
        "machine-learning",
        ("mcr.microsoft.com", "*.data.mcr.microsoft.com", "ml.azure.com"),
        "Azure ML pulls environment images and serves the studio",
    ),
    ApplicationRuleCollection(
        "package-mirrors",
        (
            "pypi.org",
            "files.pythonhosted.org",
            "conda.anaconda.org",
            "repo.anaconda.com",
            "cloud.r-project.org",
            "repo1.maven.org",
        ),
        "Python, Conda, R and Maven packages for Azure ML environments and Spark libraries",
    ),
)
ADDITIONAL_COLLECTION_NAME = "additional-allowed"


def _render(value: str, location: str) -> str:
    return value.replace("{region}", location)


def _network_rule(rule: NetworkRule, sources: Sequence[str], location: str) -> dict[str, object]:
    return {
        "rule_type": "NetworkRule",
        "name": rule.name,
        "description": rule.reason,
        "ip_protocols": list(rule.protocols),
        "source_addresses": list(sources),
        "destination_addresses": [_render(tag, location) for tag in rule.service_tags],
        "destination_ports": list(rule.ports),
    }


def _application_collection(
    name: str, fqdns: Sequence[str], reason: str, priority: int, sources: Sequence[str]
) -> dict[str, object]:
    return {
        "rule_collection_type": "FirewallPolicyFilterRuleCollection",
        "name": name,
        "priority": priority,
        "action": {"type": "Allow"},
        "rules": [{
            "rule_type": "ApplicationRule",
            "name": name,
            "description": reason,
            "source_addresses": list(sources),
            "target_fqdns": list(fqdns),
            "protocols": [{"protocol_type": "Https", "port": 443}],
        }],
    }


def rule_collections(
    *, location: str, source_addresses: Sequence[str], additional_fqdns: Sequence[str] = ()
) -> list[dict[str, object]]:
    """The platform's rule collections for one policy: network rules first, then one collection per service."""
    collections: list[dict[str, object]] = [{
        "rule_collection_type": "FirewallPolicyFilterRuleCollection",
        "name": "platform-network",
        "priority": 100,
        "action": {"type": "Allow"},
        "rules": [_network_rule(rule, source_addresses, location) for rule in NETWORK_RULES],
    }]
    for index, collection in enumerate(APPLICATION_RULE_COLLECTIONS):
        collections.append(_application_collection(
            collection.name, collection.fqdns, collection.reason, 200 + 10 * index, source_addresses
        ))
    if additional_fqdns:
        collections.append(_application_collection(
            ADDITIONAL_COLLECTION_NAME, additional_fqdns, "management.firewall.additionalAllowedFqdns", 1000,
            source_addresses,
        ))
    return collections
