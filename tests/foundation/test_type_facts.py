"""The per-type facts the offline checks read, and what happens to a type nobody declared."""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pulumi_azure_native import servicebus

from cloudscale import components
from cloudscale.components.baseline.type_facts import SecurityRule, TypeRegistry, declare_type, registry
from cloudscale.components.core import platform_tags
from cloudscale.components.library import declared
from cloudscale.stacks import build_platform, load_config
from cloudscale.stacks.offline.engine import run_offline
from cloudscale.stacks.offline.findings import Finding, findings, missing_diagnostics
from cloudscale.stacks.offline.mocks import RecordedResource
from cloudscale.stacks.offline.report import build_plan, render_text
from cloudscale.stacks.offline.stack_files import load_stack_config

# Every rule the engine applied before the rules moved next to their components, with a value that
# breaks it: (type, rule, input path, breaking value).
BROKEN_RULES: tuple[tuple[str, str, str, Any], ...] = (
    ("azure-native:storage:StorageAccount", "public-network-access", "publicNetworkAccess", "Enabled"),
    ("azure-native:cosmosdb:DatabaseAccount", "public-network-access", "publicNetworkAccess", "Enabled"),
    ("azure-native:sql:Server", "public-network-access", "publicNetworkAccess", "Enabled"),
    ("azure-native:synapse:Workspace", "public-network-access", "publicNetworkAccess", "Enabled"),
    ("azure-native:datafactory:Factory", "public-network-access", "publicNetworkAccess", "Enabled"),
    ("azure-native:containerregistry:Registry", "public-network-access", "publicNetworkAccess", "Enabled"),
    ("azure-native:purview:Account", "public-network-access", "publicNetworkAccess", "Enabled"),
    ("azure-native:machinelearningservices:Workspace", "public-network-access", "publicNetworkAccess", "Enabled"),
    ("azure-native:keyvault:Vault", "public-network-access", "properties.publicNetworkAccess", "Enabled"),
    ("azure-native:storage:StorageAccount", "tls", "minimumTlsVersion", "TLS1_0"),
    ("azure-native:sql:Server", "tls", "minimalTlsVersion", "1.0"),
    ("azure-native:cosmosdb:DatabaseAccount", "tls", "minimalTlsVersion", "Tls"),
    ("azure-native:cosmosdb:DatabaseAccount", "local-auth", "disableLocalAuth", False),
    ("azure-native:containerregistry:Registry", "local-auth", "adminUserEnabled", True),
    ("azure-native:containerregistry:Registry", "anonymous-pull", "anonymousPullEnabled", True),
    ("azure-native:synapse:Workspace", "entra-only", "azureADOnlyAuthentication", False),
    ("azure-native:sql:Server", "entra-only", "administrators.azureADOnlyAuthentication", False),
    ("azure-native:keyvault:Vault", "purge-protection", "properties.enablePurgeProtection", False),
    ("azure-native:storage:StorageAccount", "shared-key", "allowSharedKeyAccess", True),
)


def _declared_types(fact: str) -> list[str]:
    """Every type the component library declares with ``fact`` (stateful, diagnosable)."""
    types = declared()
    return [token for token in types.tokens() if getattr(types.get(token), fact)]


@dataclass(frozen=True)
class PlatformRun:
    resources: list[RecordedResource]
    findings: list[Finding]
    undiagnosed: list[Finding]
    # Resources of the runs that raised no finding but accepted ones, with the rules accepted for each.
    clean: list[tuple[RecordedResource, frozenset[str]]]

    def compliant(self, token: str, rule: str) -> RecordedResource:
        """A resource of the type that the platform declares without a finding, and without an accepted
        exception to ``rule`` (a registry's quarantine exception stays, as every registry has it)."""
        return next(r for r, accepted in self.clean if r.typ == token and rule not in accepted)


@pytest.fixture(scope="module")
def platform() -> PlatformRun:
    """The dev platform (management and sales zones, where dev's vaults are accepted without purge
    protection) and the management stack (which keeps it); running them also fills the registry with
    what ``_secure()`` was told."""
    resources: list[RecordedResource] = []
    reported: list[Finding] = []
    undiagnosed: list[Finding] = []
    clean: list[tuple[RecordedResource, frozenset[str]]] = []
    for stack in ("dev", "mgmt"):
        run = run_offline(lambda: build_platform(load_config()), config=load_stack_config(stack), stack=stack)
        found = findings(run.resources, protects_state=False, locked=set())
        flagged = {f.resource for f in found if f.severity != "accepted"}
        resources += run.resources
        reported += found
        undiagnosed += missing_diagnostics(run.resources, run.mocks.ids)
        clean += [
            (r, frozenset(f.rule for f in found if f.resource == r.name))
            for r in run.resources
            if r.name not in flagged
        ]
    return PlatformRun(resources, reported, undiagnosed, clean)


def _breaking(resource: RecordedResource, path: str, value: Any) -> RecordedResource:
    inputs = copy.deepcopy(resource.inputs)
    node = inputs
    *parents, leaf = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value
    return RecordedResource(resource.typ, "broken", inputs, True, None, None)


def test_the_bundled_platform_declares_every_type_it_creates(platform):
    assert [f for f in platform.findings if f.rule == "unreviewed-type"] == []
    assert platform.undiagnosed == []


@pytest.mark.parametrize(("token", "rule", "path", "value"), BROKEN_RULES)
def test_every_rule_of_the_engine_still_fires_from_its_component(platform, token, rule, path, value):
    broken = _breaking(platform.compliant(token, rule), path, value)
    reported = findings([broken], protects_state=False, locked=set())
    assert [(f.severity, f.rule) for f in reported if f.severity != "accepted"] == [("high", rule)]


def test_the_accepted_shared_key_exception_is_declared_by_machine_learning(platform):
    [finding] = {f for f in platform.findings if f.rule == "shared-key"}
    assert (finding.severity, finding.resource) == ("accepted", "sales-retention-storage")
    assert "file share" in finding.detail


@pytest.mark.parametrize("token", _declared_types("stateful"))
def test_every_type_declared_stateful_must_be_protected(token):
    resource = RecordedResource(token, "unprotected", {}, True, None, None)
    reported = findings([resource], protects_state=True, locked=set())
    assert ("medium", "protect") in [(f.severity, f.rule) for f in reported]


@pytest.mark.parametrize("token", _declared_types("diagnosable"))
def test_every_type_declared_diagnosable_must_send_diagnostics(token):
    resource = RecordedResource(token, "silent", {}, True, None, None)
    reported = missing_diagnostics([resource], {(token, "silent"): "/subscriptions/s/x"})
    assert [(f.severity, f.rule) for f in reported] == [("medium", "diagnostics")]


def test_the_data_stores_are_declared_stateful_and_the_services_diagnosable():
    assert {"azure-native:storage:StorageAccount", "azure-native:sql:Database", "azure-native:keyvault:Vault"} <= set(
        _declared_types("stateful")
    )
    assert {"azure-native:network:AzureFirewall", "azure-native:synapse:BigDataPool"} <= set(
        _declared_types("diagnosable")
    )


def test_workspace_based_application_insights_needs_no_diagnostic_setting():
    token = "azure-native:applicationinsights:Component"
    resource = RecordedResource(token, "appi", {"workspaceResourceId": "/w"}, True, None, None)
    assert missing_diagnostics([resource], {(token, "appi"): "/subscriptions/s/appi"}) == []


def test_a_resource_type_no_component_declares_is_reported_in_the_plan(offline):
    def program() -> None:
        servicebus.Namespace(
            "orders-bus",
            namespace_name="sb-orders",
            resource_group_name="rg-integration",
            location="westeurope",
            public_network_access="Enabled",
            tags=platform_tags("dev", "sales"),
        )

    run = offline.run(program)
    plan = build_plan(run, stack="dev", preview=offline.preview, role="all", protects_state=True)
    assert [(f.severity, f.rule, f.resource) for f in plan.findings] == [("medium", "unreviewed-type", "orders-bus")]
    assert "azure-native:servicebus:Namespace" in plan.findings[0].detail
    assert "unreviewed-type" in render_text(plan)


def test_declaring_again_adds_rules_and_refuses_a_second_computed_outputs_function():
    local = TypeRegistry()
    first = SecurityRule("tls", "minimumTlsVersion", lambda v: v == "1.2", "minimum TLS is below 1.2")
    second = SecurityRule("local-auth", "disableLocalAuth", lambda v: v is True, "key authentication is on")
    local.declare("azure-native:relay:Namespace", rules=(first,), computed_outputs=lambda created: {})
    local.declare("azure-native:relay:Namespace", rules=(first, second))
    facts = local.get("azure-native:relay:Namespace")
    assert facts is not None and facts.reviewed and facts.rules == (first, second)
    with pytest.raises(ValueError, match="computed outputs are declared twice"):
        local.declare("azure-native:relay:Namespace", computed_outputs=lambda created: {"x": 1})


def test_a_rule_needs_a_known_severity():
    with pytest.raises(ValueError, match="severity"):
        SecurityRule("tls", "minimumTlsVersion", lambda v: True, "", severity="low")


def test_the_shared_registry_is_what_declare_type_fills():
    facts = declare_type("azure-native:relay:WcfRelay")
    assert registry().get("azure-native:relay:WcfRelay") is facts


def test_the_component_library_declares_its_facts_without_the_engine():
    # Components fill the registry; only the offline engine reads it, so the library never imports stacks.
    package = Path(components.__file__).parent
    upward = [
        f"{path.relative_to(package)}: {name}"
        for path in sorted(package.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in ([node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names])
        if name.startswith(("cloudscale.stacks", "cloudscale.cli"))
    ]
    assert upward == []
