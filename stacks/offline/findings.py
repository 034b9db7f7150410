"""Security findings: the baseline's promises, checked against what the program actually declares.

A finding is either a violation, or an accepted exception whose reason is recorded here so a
reviewer reads it once instead of rediscovering it in every plan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cloudscale.stacks.offline.mocks import RecordedResource

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@dataclass(frozen=True)
class Finding:
    severity: str  # "high" | "medium" | "accepted"
    rule: str
    resource: str
    detail: str


def _get(inputs: dict[str, Any], path: str) -> Any:
    value: Any = inputs
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


@dataclass(frozen=True)
class Rule:
    name: str
    types: tuple[str, ...]
    path: str
    ok: Callable[[Any], bool]
    detail: str
    severity: str = "high"
    # For exceptions Azure's design forces: the reason a flagged resource is accepted, or None.
    accepts: Callable[[dict[str, Any]], str | None] | None = None


_PUBLIC_OFF = ("Disabled", UNKNOWN)


def _admits_only_resource_instances(inputs: dict[str, Any]) -> str | None:
    """A lake's public endpoint that only named resource instances pass, as serverless SQL and Purview need.

    Both run outside every managed VNet and reach storage through its public endpoint, admitted by
    resource-instance rules (MicrosoftDocs azure-docs, synapse-analytics/security/
    connect-to-a-secure-storage-account.md). Anything wider stays a high finding: default Allow, a
    trusted-services bypass, IP or VNet rules, or a wildcard instance.
    """
    rules = inputs.get("networkRuleSet") or {}
    admitted = rules.get("resourceAccessRules") or []
    if inputs.get("publicNetworkAccess") != "Enabled" or rules.get("defaultAction") != "Deny":
        return None
    # Azure bypasses for trusted services when no bypass is given.
    if "AzureServices" in str(rules.get("bypass", "AzureServices")):
        return None
    if rules.get("ipRules") or rules.get("virtualNetworkRules") or not admitted:
        return None
    if any("*" in str(rule.get("resourceId", "*")) or not rule.get("tenantId") for rule in admitted):
        return None
    ids = [str(rule["resourceId"]) for rule in admitted]
    kinds = sorted({"/".join(i.split("/")[-3:-1]) if i.startswith("/") else "unknown until deployed" for i in ids})
    return (
        f"public endpoint admits only {len(ids)} resource instance(s) ({', '.join(kinds)}): serverless SQL "
        "and Purview scans do not run in a managed VNet (connect-to-a-secure-storage-account.md)"
    )


def _purgeable_in_dev(inputs: dict[str, Any]) -> str | None:
    """Dev's vaults are created without purge protection on purpose, by cloudscale:softDelete.purgeProtection.

    The Environment tag is a platform tag no user tag overrides; in tst and prd the finding stays high.
    """
    tags = inputs.get("tags")
    if not isinstance(tags, dict) or tags.get("Environment") != "dev":
        return None
    return (
        "dev creates its vaults without purge protection (cloudscale:softDelete.purgeProtection) so a destroyed "
        "dev platform can be purged and recreated under the same names; tst and prd keep it"
    )


RULES: tuple[Rule, ...] = (
    Rule(
        "public-network-access",
        (
            "azure-native:cosmosdb:DatabaseAccount",
            "azure-native:sql:Server",
            "azure-native:synapse:Workspace",
            "azure-native:datafactory:Factory",
            "azure-native:containerregistry:Registry",
            "azure-native:purview:Account",
            "azure-native:machinelearningservices:Workspace",
        ),
        "publicNetworkAccess",
        lambda v: v in _PUBLIC_OFF,
        "public network access is not disabled",
    ),
    Rule(
        "public-network-access",
        ("azure-native:storage:StorageAccount",),
        "publicNetworkAccess",
        lambda v: v in _PUBLIC_OFF,
        "public network access is not disabled",
        accepts=_admits_only_resource_instances,
    ),
    Rule(
        "public-network-access",
        ("azure-native:keyvault:Vault",),
        "properties.publicNetworkAccess",
        lambda v: v in _PUBLIC_OFF,
        "public network access is not disabled",
    ),
    Rule(
        "tls",
        ("azure-native:storage:StorageAccount",),
        "minimumTlsVersion",
        lambda v: v == "TLS1_2",
        "minimum TLS is below 1.2",
    ),
    Rule(
        "tls",
        ("azure-native:sql:Server",),
        "minimalTlsVersion",
        lambda v: v in ("1.2", "1.3"),
        "minimum TLS is below 1.2",
    ),
    Rule(
        "tls",
        ("azure-native:cosmosdb:DatabaseAccount",),
        "minimalTlsVersion",
        lambda v: v == "Tls12",
        "minimum TLS is below 1.2",
    ),
    Rule(
        "local-auth",
        ("azure-native:cosmosdb:DatabaseAccount",),
        "disableLocalAuth",
        lambda v: v is True,
        "key authentication is on",
    ),
    Rule(
        "local-auth",
        ("azure-native:containerregistry:Registry",),
        "adminUserEnabled",
        lambda v: v is False,
        "admin user is enabled",
    ),
    Rule(
        "anonymous-pull",
        ("azure-native:containerregistry:Registry",),
        "anonymousPullEnabled",
        lambda v: v is False,
        "anonymous pull is enabled",
    ),
    Rule(
        "entra-only",
        ("azure-native:synapse:Workspace",),
        "azureADOnlyAuthentication",
        lambda v: v is True,
        "SQL authentication is allowed",
    ),
    Rule(
        "entra-only",
        ("azure-native:sql:Server",),
        "administrators.azureADOnlyAuthentication",
        lambda v: v is True,
        "SQL authentication is allowed",
    ),
    Rule(
        "purge-protection",
        ("azure-native:keyvault:Vault",),
        "properties.enablePurgeProtection",
        lambda v: v is True,
        "purge protection is off",
        accepts=_purgeable_in_dev,
    ),
)

# Shared keys stay on only where a service cannot work without them; the reason lives in the component.
_SHARED_KEY_ACCEPTED = {"machine_learning": "Azure ML's workspace store still needs shared key for its file share"}

_STATEFUL = (
    "azure-native:storage:StorageAccount",
    "azure-native:cosmosdb:DatabaseAccount",
    "azure-native:sql:Server",
    "azure-native:sql:Database",
    "azure-native:keyvault:Vault",
    "azure-native:synapse:Workspace",
)


# Types whose diagnostic settings Azure accepts; every one of them must send to Log Analytics.
DIAGNOSABLE = frozenset(
    {
        "azure-native:network:VirtualNetwork",
        "azure-native:network:NetworkSecurityGroup",
        "azure-native:network:PublicIPAddress",
        "azure-native:network:AzureFirewall",
        "azure-native:keyvault:Vault",
        "azure-native:containerregistry:Registry",
        "azure-native:purview:Account",
        "azure-native:synapse:Workspace",
        "azure-native:synapse:BigDataPool",
        "azure-native:datafactory:Factory",
        "azure-native:sql:Database",
        "azure-native:cosmosdb:DatabaseAccount",
        "azure-native:storage:StorageAccount",
        "azure-native:operationalinsights:Workspace",
        "azure-native:machinelearningservices:Workspace",
        "azure-native:applicationinsights:Component",
    }
)


def _sends_to_workspace_itself(resource: RecordedResource) -> bool:
    # Workspace-based Application Insights stores its telemetry in Log Analytics already; a diagnostic
    # setting to the same workspace would only duplicate it (Azure Monitor documents this).
    return resource.typ == "azure-native:applicationinsights:Component" and bool(
        resource.inputs.get("workspaceResourceId")
    )


def missing_diagnostics(resources: Iterable[RecordedResource], ids: dict[tuple[str, str], str]) -> list[Finding]:
    """Only meaningful in update mode, where ids are known."""
    resources = list(resources)
    targets = {str(r.inputs.get("resourceUri")) for r in resources if r.typ == "azure-native:monitor:DiagnosticSetting"}
    out = []
    for resource in resources:
        resource_id = ids.get((resource.typ, resource.name))
        if _sends_to_workspace_itself(resource):
            continue
        if resource.typ in DIAGNOSABLE and resource_id and resource_id not in targets:
            out.append(
                Finding("medium", "diagnostics", resource.name, "no diagnostic setting sends it to Log Analytics")
            )
    return out


def findings(resources: Iterable[RecordedResource], *, protects_state: bool, locked: set[str]) -> list[Finding]:
    out: list[Finding] = []
    for resource in resources:
        if not resource.custom:
            continue
        for rule in RULES:
            if resource.typ in rule.types and not rule.ok(_get(resource.inputs, rule.path)):
                reason = rule.accepts(resource.inputs) if rule.accepts else None
                severity, detail = ("accepted", reason) if reason else (rule.severity, rule.detail)
                out.append(Finding(severity, rule.name, resource.name, detail))
        if resource.typ == "azure-native:storage:StorageAccount" and resource.inputs.get("allowSharedKeyAccess"):
            component = resource.inputs.get("tags", {}).get("Component", "")
            reason = _SHARED_KEY_ACCEPTED.get(component)
            if reason:
                out.append(Finding("accepted", "shared-key", resource.name, reason))
            else:
                out.append(Finding("high", "shared-key", resource.name, "shared key access is on"))
        if protects_state and resource.typ in _STATEFUL and resource.name not in locked:
            out.append(Finding("medium", "protect", resource.name, "stateful resource is not protected"))
    return out
