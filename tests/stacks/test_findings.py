"""The plan's security findings: a lake's public endpoint is accepted only in the shape Azure's design forces."""

from __future__ import annotations

from typing import Any

import pytest

from cloudscale.stacks.offline.findings import findings
from cloudscale.stacks.offline.mocks import RecordedResource

ACCOUNT = "azure-native:storage:StorageAccount"
TENANT = "11111111-1111-1111-1111-111111111111"
SYNAPSE = "/subscriptions/s/resourceGroups/rg-syn/providers/Microsoft.Synapse/workspaces/synw-sales"
PURVIEW = "/subscriptions/s/resourceGroups/rg-gov/providers/Microsoft.Purview/accounts/pview"


def _lake(public: str = "Enabled", **rule_set: Any) -> RecordedResource:
    rules = {
        "defaultAction": "Deny",
        "bypass": "Logging, Metrics",
        "ipRules": [],
        "virtualNetworkRules": [],
        "resourceAccessRules": [
            {"tenantId": TENANT, "resourceId": PURVIEW},
            {"tenantId": TENANT, "resourceId": SYNAPSE},
        ],
    }
    rules.update(rule_set)
    rules = {key: value for key, value in rules.items() if value is not None}
    inputs = {
        "publicNetworkAccess": public,
        "networkRuleSet": rules,
        "minimumTlsVersion": "TLS1_2",
        "allowSharedKeyAccess": False,
    }
    return RecordedResource(ACCOUNT, "lake", inputs, True, None, None)


def _public_access(resource: RecordedResource) -> list[tuple[str, str]]:
    reported = findings([resource], protects_state=False, locked=set())
    return [(f.severity, f.detail) for f in reported if f.rule == "public-network-access"]


def test_a_lake_that_admits_only_named_resource_instances_is_an_accepted_exception():
    # Serverless SQL and Purview scans reach storage only through its public endpoint, admitted by
    # resource-instance rules (MicrosoftDocs azure-docs, synapse-analytics/security/connect-to-a-secure-
    # storage-account.md); the finding names the admitted kinds and the reason.
    [(severity, detail)] = _public_access(_lake())
    assert severity == "accepted"
    assert "Microsoft.Purview/accounts" in detail and "Microsoft.Synapse/workspaces" in detail
    assert "connect-to-a-secure-storage-account" in detail


def test_a_lake_with_public_access_off_raises_no_public_access_finding():
    assert _public_access(_lake("Disabled", resourceAccessRules=None)) == []


@pytest.mark.parametrize(
    ("case", "lake"),
    [
        ("allow by default", _lake(defaultAction="Allow")),
        ("trusted-services bypass", _lake(bypass="AzureServices, Logging, Metrics")),
        ("bypass left to Azure's default (AzureServices)", _lake(bypass=None)),
        ("an IP rule", _lake(ipRules=[{"value": "203.0.113.0/24", "action": "Allow"}])),
        ("a VNet rule", _lake(virtualNetworkRules=[{"virtualNetworkResourceId": "/subscriptions/s/x"}])),
        ("no resource instance at all", _lake(resourceAccessRules=None)),
        (
            "a wildcard instance",
            _lake(resourceAccessRules=[{"tenantId": TENANT, "resourceId": SYNAPSE.replace("synw-sales", "*")}]),
        ),
        ("an instance without its tenant", _lake(resourceAccessRules=[{"resourceId": SYNAPSE}])),
    ],
)
def test_any_wider_public_endpoint_stays_a_high_finding(case, lake):
    assert _public_access(lake) == [("high", "public network access is not disabled")], case


def _rules(resource: RecordedResource) -> set[tuple[str, str]]:
    return {(f.severity, f.rule) for f in findings([resource], protects_state=False, locked=set())}


@pytest.mark.parametrize(
    ("bypass", "expected"),
    [
        # The lake's own shape: refused on purpose, shown with the reason.
        ("Logging, Metrics", {("accepted", "trusted-services")}),
        # An account that shuts trusted services out without the lake's reason is flagged.
        ("None", {("medium", "trusted-services")}),
        ("AzureServices", set()),
        (None, set()),
    ],
)
def test_a_storage_account_that_shuts_out_trusted_services_says_why(bypass, expected):
    lake = _lake(public="Disabled", bypass=bypass)
    assert {r for r in _rules(lake) if r[1] == "trusted-services"} == expected


def _vault(bypass: str) -> RecordedResource:
    properties = {"publicNetworkAccess": "Disabled", "enablePurgeProtection": True, "networkAcls": {"bypass": bypass}}
    return RecordedResource("azure-native:keyvault:Vault", "vault", {"properties": properties}, True, None, None)


def test_a_vault_that_trusted_services_bypass_is_an_accepted_exception():
    assert _rules(_vault("AzureServices")) == {("accepted", "trusted-services-bypass")}
    assert _rules(_vault("None")) == set()


def _log_workspace(ingestion: str, query: str, local_auth_off: bool = True) -> RecordedResource:
    inputs = {
        "publicNetworkAccessForIngestion": ingestion,
        "publicNetworkAccessForQuery": query,
        "features": {"disableLocalAuth": local_auth_off},
    }
    return RecordedResource("azure-native:operationalinsights:Workspace", "log", inputs, True, None, None)


def test_log_analytics_ingests_privately_and_public_queries_are_an_accepted_exception():
    assert _rules(_log_workspace("Disabled", "Disabled")) == set()
    assert _rules(_log_workspace("Disabled", "Enabled")) == {("accepted", "public-query")}
    assert _rules(_log_workspace("Disabled", "Enabled", local_auth_off=False)) == {("medium", "public-query")}
    assert _rules(_log_workspace("Enabled", "Disabled")) == {("high", "public-network-access")}
