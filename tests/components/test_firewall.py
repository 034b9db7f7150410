"""Azure Firewall, its policy and its egress rules."""

from __future__ import annotations

from cloudscale.components.baseline import ServiceBaseline
from cloudscale.components.core import Namer
from cloudscale.components.firewall import Firewall, FirewallArgs
from cloudscale.components.firewall_rules import APPLICATION_RULE_COLLECTIONS, NETWORK_RULES, rule_collections
from cloudscale.components.hub_network import HubNetwork, HubNetworkArgs

from .support import WORKSPACE_ID, service_baseline

# The firewall's own subnet; a firewall has no private endpoints.
SUBNET_ID = (
    "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/AzureFirewallSubnet"
)
SOURCES = ["10.0.0.0/16", "10.1.0.0/16"]
POLICY = "azure-native:network:FirewallPolicy"
FIREWALL = "azure-native:network:AzureFirewall"
PUBLIC_IP = "azure-native:network:PublicIPAddress"


def _firewall(
    *, tier: str = "Standard", location: str = "westeurope", extra: tuple[str, ...] = (), lock: bool = False
) -> Firewall:
    return Firewall(
        "fw",
        FirewallArgs(
            baseline=service_baseline(
                zone="mgmt", resource_group_name="rg-network", location=location, endpoint_subnet_id=None, lock=lock
            ),
            subnet_id=SUBNET_ID,
            source_addresses=SOURCES,
            tier=tier,
            idps_mode="Alert",
            additional_allowed_fqdns=list(extra),
        ),
    )


def _collections(run) -> dict[str, dict]:
    group = run.one("azure-native:network:FirewallPolicyRuleCollectionGroup")
    return {c["name"]: c for c in group.inputs["ruleCollections"]}


def test_policy_denies_threat_intelligence_hits_and_proxies_dns(offline):
    run = offline.run(_firewall)
    policy = run.one(POLICY).inputs
    assert policy["threatIntelMode"] == "Deny"
    assert policy["dnsSettings"] == {"enableProxy": True}
    assert policy["sku"] == {"tier": "Standard"}
    # Intrusion detection is a Premium feature; a Standard policy must not carry it.
    assert "intrusionDetection" not in policy


def test_premium_tier_turns_on_intrusion_detection_on_policy_and_firewall(offline):
    run = offline.run(lambda: _firewall(tier="Premium"))
    policy = run.one(POLICY).inputs
    assert policy["sku"] == {"tier": "Premium"}
    assert policy["intrusionDetection"] == {"mode": "Alert"}
    assert run.one(FIREWALL).inputs["sku"] == {"name": "AZFW_VNet", "tier": "Premium"}


def test_firewall_sits_in_its_subnet_behind_the_policy(offline):
    run = offline.run(_firewall)
    firewall = run.one(FIREWALL).inputs
    assert firewall["azureFirewallName"] == "afw-adatum-dev-mgmt"
    assert firewall["sku"] == {"name": "AZFW_VNet", "tier": "Standard"}
    assert firewall["zones"] == ["1", "2", "3"]
    (configuration,) = firewall["ipConfigurations"]
    assert configuration["subnet"] == {"id": SUBNET_ID}
    if not offline.preview:
        assert firewall["firewallPolicy"] == {"id": run.mocks.ids[(POLICY, "fw-policy")]}
        assert configuration["publicIPAddress"] == {"id": run.mocks.ids[(PUBLIC_IP, "fw-pip")]}
    options = {o.name: o for o in run.monitor.options.values()}
    # Azure rejects a firewall write while the policy's rule collection group is still being written.
    assert options["fw-rcg"].urn in options["fw-firewall"].dependencies


def test_public_ip_is_standard_static_and_zone_redundant(offline):
    run = offline.run(_firewall)
    address = run.one(PUBLIC_IP).inputs
    assert address["sku"] == {"name": "Standard", "tier": "Regional"}
    assert address["publicIPAllocationMethod"] == "Static"
    assert address["zones"] == ["1", "2", "3"]


def test_egress_address_is_kept_outside_dev(offline):
    run = offline.run(lambda: _firewall(lock=True))
    assert {o.name for o in run.monitor.options.values() if o.protect} == {"fw-pip"}
    lock = run.one("azure-native:authorization:ManagementLockByScope")
    assert lock.inputs["level"] == "CanNotDelete"
    if not offline.preview:
        assert lock.inputs["scope"] == run.mocks.ids[(PUBLIC_IP, "fw-pip")]


def test_no_zones_are_pinned_in_a_region_without_them(offline):
    run = offline.run(lambda: _firewall(location="northcentralus"))
    assert "zones" not in run.one(PUBLIC_IP).inputs
    assert "zones" not in run.one(FIREWALL).inputs


def test_egress_rules_cover_the_platforms_services_and_only_its_address_spaces(offline):
    run = offline.run(_firewall)
    collections = _collections(run)
    assert set(collections) == {
        "platform-network",
        "data-factory",
        "synapse",
        "purview",
        "machine-learning",
        "package-mirrors",
    }
    assert all(c["action"] == {"type": "Allow"} for c in collections.values())
    network_rules = {r["name"]: r for r in collections["platform-network"]["rules"]}
    assert network_rules["entra-id"]["destinationAddresses"] == ["AzureActiveDirectory"]
    assert network_rules["entra-id"]["destinationPorts"] == ["443"]
    assert network_rules["windows-activation"]["destinationFqdns"] == ["azkms.core.windows.net", "kms.core.windows.net"]
    for service in ("data-factory", "synapse", "purview"):
        integration = collections[service]["rules"][0]
        assert integration["ruleType"] == "ApplicationRule"
        assert "*.frontend.clouddatahub.net" in integration["targetFqdns"]
        assert integration["protocols"] == [{"protocolType": "Https", "port": 443}]
    assert "ml.azure.com" in collections["machine-learning"]["rules"][0]["targetFqdns"]
    assert "pypi.org" in collections["package-mirrors"]["rules"][0]["targetFqdns"]
    every_rule = [rule for c in collections.values() for rule in c["rules"]]
    assert all(rule["sourceAddresses"] == SOURCES for rule in every_rule)


def test_no_rule_opens_service_bus_relays_or_the_privately_resolved_synapse_studio(offline):
    run = offline.run(_firewall)
    targets = {fqdn for c in _collections(run).values() for rule in c["rules"] for fqdn in rule.get("targetFqdns", [])}
    # Any tenant can create a Service Bus namespace: a wildcard is a way out for data, and no
    # self-hosted runtime (which needs its own relay) is deployed.
    assert not [fqdn for fqdn in targets if fqdn.endswith("servicebus.windows.net")]
    # web.azuresynapse.net resolves to the private link hub's endpoint (privatelink.azuresynapse.net),
    # so traffic to it takes the peering and a rule here would never be hit.
    assert "web.azuresynapse.net" not in targets


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_rule_collections_reach_azure_with_wire_names(offline):
    # Collections and rules are union types: plain dicts would be sent with their Python keys.
    run = offline.run(_firewall)
    keys = _keys(run.one("azure-native:network:FirewallPolicyRuleCollectionGroup").inputs["ruleCollections"])
    assert {"ruleCollectionType", "ruleType", "targetFqdns", "sourceAddresses", "protocolType"} <= keys
    assert not [key for key in keys if "_" in key]


def test_additional_fqdns_from_config_get_their_own_collection(offline):
    run = offline.run(lambda: _firewall(extra=("api.github.com",)))
    additional = _collections(run)["additional-allowed"]
    assert additional["rules"][0]["targetFqdns"] == ["api.github.com"]
    priorities = [c["priority"] for c in _collections(run).values()]
    assert len(set(priorities)) == len(priorities)


def test_firewall_logs_go_to_resource_specific_tables(offline):
    run = offline.run(_firewall)
    settings = {s.name: s.inputs for s in run.of_type("azure-native:monitor:DiagnosticSetting")}
    assert set(settings) == {"fw-firewall-diag", "fw-pip-diag"}
    assert settings["fw-firewall-diag"]["logAnalyticsDestinationType"] == "Dedicated"
    assert settings["fw-firewall-diag"]["workspaceId"] == WORKSPACE_ID
    assert "logAnalyticsDestinationType" not in settings["fw-pip-diag"]


def test_private_ip_is_the_one_azure_gives_the_firewall_in_its_subnet(offline_update):
    captured: dict[str, str] = {}

    def program() -> None:
        baseline = ServiceBaseline(Namer("adatum", "dev", "mgmt"), "rg-network", "westeurope")
        network = HubNetwork(
            "net",
            HubNetworkArgs(
                baseline=baseline,
                address_space="10.0.0.0/16",
                services_subnet_prefix="10.0.1.0/24",
                egress_next_hop_ip="10.0.0.4",
                firewall_subnet_prefix="10.0.0.0/26",
            ),
        )
        firewall = Firewall(
            "fw", FirewallArgs(baseline=baseline, subnet_id=network.firewall_subnet_id, source_addresses=SOURCES)
        )
        firewall.private_ip.apply(lambda ip: captured.setdefault("ip", ip))

    offline_update.run(program)
    # Azure keeps a subnet's first four addresses, so the firewall's first instance answers on .4.
    assert captured == {"ip": "10.0.0.4"}


def test_every_rule_says_why_it_exists():
    assert all(rule.reason for rule in NETWORK_RULES)
    assert all(collection.reason and collection.fqdns for collection in APPLICATION_RULE_COLLECTIONS)
    # A bare wildcard would turn an allow-list into allow-all.
    fqdns = [f for c in APPLICATION_RULE_COLLECTIONS for f in c.fqdns] + [f for r in NETWORK_RULES for f in r.fqdns]
    assert "*" not in fqdns
    assert all(r.service_tags or r.fqdns for r in NETWORK_RULES)


def test_collections_have_distinct_names_and_priorities():
    collections = rule_collections(SOURCES, ["example.org"])
    names = [c.name for c in collections]
    priorities = [c.priority for c in collections]
    assert len(set(names)) == len(names)
    assert len(set(priorities)) == len(priorities)
