"""What the platform's workloads may reach on the internet, as data a reviewer can read line by line.

Everything else is denied. The lists are short on purpose:

- the platform's services reach each other through private endpoints, which the firewall never sees
  (peering routes are more specific than the default route);
- Data Factory's integration runtime, Synapse Spark and Azure ML compute run in managed virtual
  networks whose outbound traffic Azure controls, not this firewall;
- so what is left is what runs in the zones' own subnets: self-hosted integration runtimes (Data
  Factory, Synapse pipelines, Purview scans), build agents that publish images and packages, and the
  operators' machines that open the studios.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pulumi_azure_native import network


@dataclass(frozen=True)
class NetworkRule:
    name: str
    ports: tuple[str, ...]
    reason: str
    service_tags: tuple[str, ...] = ()
    # FQDNs in network rules are resolved by the firewall's DNS proxy, which the policy turns on.
    fqdns: tuple[str, ...] = ()
    protocols: tuple[str, ...] = ("TCP",)


@dataclass(frozen=True)
class ApplicationRuleCollection:
    name: str
    fqdns: tuple[str, ...]
    reason: str


# Not ``*.servicebus.windows.net``: the interactive-authoring relay of a self-hosted runtime lives in a
# Service Bus namespace, and the wildcard would open every namespace of every tenant (a way out for
# data) to the whole platform, while no self-hosted runtime is deployed. A zone that adds one allows
# its own relay's FQDN through ``management.firewall.additionalAllowedFqdns``.
SELF_HOSTED_RUNTIME_FQDNS = ("*.frontend.clouddatahub.net", "download.microsoft.com")

NETWORK_RULES: tuple[NetworkRule, ...] = (
    NetworkRule(
        name="entra-id",
        service_tags=("AzureActiveDirectory",),
        ports=("443",),
        reason="every integration runtime, agent and operator signs in to Microsoft Entra ID",
    ),
    NetworkRule(
        name="resource-manager",
        service_tags=("AzureResourceManager",),
        ports=("443",),
        reason="build agents deploy pipelines and images through Azure Resource Manager",
    ),
    NetworkRule(
        name="windows-activation",
        fqdns=("azkms.core.windows.net", "kms.core.windows.net"),
        ports=("1688",),
        reason="Windows VMs of self-hosted integration runtimes activate against Azure KMS, which forced "
        "tunnelling sends through the firewall",
    ),
)

APPLICATION_RULE_COLLECTIONS: tuple[ApplicationRuleCollection, ...] = (
    # Self-hosted integration runtimes of all three services share one control plane and relay; each
    # service keeps its own collection so a reviewer can switch one off without touching the others.
    ApplicationRuleCollection(
        "data-factory",
        SELF_HOSTED_RUNTIME_FQDNS,
        "Data Factory pipelines on self-hosted integration runtimes reach their control plane, the "
        "interactive-authoring relay and runtime updates; the factory itself is reached privately",
    ),
    # No web.azuresynapse.net: the management zone's Synapse private link hub registers it in
    # privatelink.azuresynapse.net, so Studio is reached through that private endpoint over peering and
    # never through this firewall.
    ApplicationRuleCollection(
        "synapse",
        SELF_HOSTED_RUNTIME_FQDNS,
        "Synapse pipelines on self-hosted integration runtimes; the workspace's Sql, SqlOnDemand and Dev "
        "endpoints and Synapse Studio (through the private link hub) are private",
    ),
    ApplicationRuleCollection(
        "purview",
        SELF_HOSTED_RUNTIME_FQDNS,
        "Purview scans on self-hosted integration runtimes; Purview's account, portal and ingestion "
        "endpoints are private",
    ),
    ApplicationRuleCollection(
        "machine-learning",
        ("ml.azure.com", "mcr.microsoft.com", "*.data.mcr.microsoft.com"),
        "operators open Azure ML studio, and build agents build Azure ML environment images from Microsoft "
        "base images before pushing them to the private registry",
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
        "Python, Conda, R and Maven packages for Azure ML environments and Synapse workspace packages, "
        "fetched by build agents",
    ),
)
ADDITIONAL_COLLECTION_NAME = "additional-allowed"


def _network_rule(rule: NetworkRule, sources: Sequence[str]) -> network.NetworkRuleArgs:
    return network.NetworkRuleArgs(
        rule_type="NetworkRule",
        name=rule.name,
        description=rule.reason,
        ip_protocols=list(rule.protocols),
        source_addresses=list(sources),
        destination_addresses=list(rule.service_tags) or None,
        destination_fqdns=list(rule.fqdns) or None,
        destination_ports=list(rule.ports),
    )


def _allow(
    name: str, priority: int, rules: Sequence[network.NetworkRuleArgs | network.ApplicationRuleArgs]
) -> network.FirewallPolicyFilterRuleCollectionArgs:
    return network.FirewallPolicyFilterRuleCollectionArgs(
        rule_collection_type="FirewallPolicyFilterRuleCollection",
        name=name,
        priority=priority,
        action=network.FirewallPolicyFilterRuleCollectionActionArgs(type="Allow"),
        rules=list(rules),
    )


def _https_to(name: str, fqdns: Sequence[str], reason: str, sources: Sequence[str]) -> network.ApplicationRuleArgs:
    return network.ApplicationRuleArgs(
        rule_type="ApplicationRule",
        name=name,
        description=reason,
        source_addresses=list(sources),
        target_fqdns=list(fqdns),
        protocols=[network.FirewallPolicyRuleApplicationProtocolArgs(protocol_type="Https", port=443)],
    )


def rule_collections(
    source_addresses: Sequence[str], additional_fqdns: Sequence[str] = ()
) -> list[network.FirewallPolicyFilterRuleCollectionArgs]:
    """The platform's rule collections for one policy: network rules first, then one collection per service.

    Typed arguments, not dicts: the collection and rule types are unions, so the SDK could not translate
    dict keys to the wire names Azure expects.
    """
    collections = [_allow("platform-network", 100, [_network_rule(rule, source_addresses) for rule in NETWORK_RULES])]
    for index, collection in enumerate(APPLICATION_RULE_COLLECTIONS):
        rule = _https_to(collection.name, collection.fqdns, collection.reason, source_addresses)
        collections.append(_allow(collection.name, 200 + 10 * index, [rule]))
    if additional_fqdns:
        rule = _https_to(
            ADDITIONAL_COLLECTION_NAME, additional_fqdns, "management.firewall.additionalAllowedFqdns", source_addresses
        )
        collections.append(_allow(ADDITIONAL_COLLECTION_NAME, 1000, [rule]))
    return collections
