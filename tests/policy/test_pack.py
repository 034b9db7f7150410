"""The CrossGuard pack wraps the catalog's functions: checked by calling its policies the way the
analyzer does, without starting a ``PolicyPack`` (which serves gRPC forever; only the CLI starts it)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE, unknown_checking_proxy

from cloudscale.policy import rules
from cloudscale.policy.pack import plain, policies

PACK = Path(__file__).resolve().parents[2] / "policy"
TAGS = {"Project": "cloudscale", "Environment": "prd", "Zone": "sales", "ManagedBy": "pulumi"}
COSMOS = "azure-native:cosmosdb:DatabaseAccount"
STORAGE = "azure-native:storage:StorageAccount"


def _options(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def _policy(name: str):
    return next(p for p in policies() if p.name == name)


def _resource_violations(name: str, token: str, props: dict[str, Any], config: dict | None = None) -> list[str]:
    reported: list[str] = []
    urn = f"urn:pulumi:prd::cloudscale::{token}::r"
    args = ResourceValidationArgs(token, unknown_checking_proxy(props), urn, "r", _options(), None, config)
    _policy(name).validate(args, lambda message, urn=None: reported.append(message))
    return reported


def _stack_violations(name: str, resources: list[PolicyResource], config: dict | None = None) -> list[str]:
    reported: list[str] = []
    _policy(name).validate(StackValidationArgs(resources, config), lambda message, urn=None: reported.append(message))
    return reported


def _resource(token: str, name: str, props: dict[str, Any]) -> PolicyResource:
    urn = f"urn:pulumi:prd::cloudscale::{token}::{name}"
    return PolicyResource(token, unknown_checking_proxy(props), urn, name, _options(), None, None, [], {})


def test_the_pack_has_one_policy_per_rule_and_the_accepted_exceptions_listing():
    names = [p.name for p in policies()]
    assert names == [r.name for r in rules()] + ["accepted-exceptions"]
    assert len(set(names)) == len(names)


def test_security_rules_are_mandatory_and_housekeeping_is_advisory():
    levels = {p.name: p.enforcement_level for p in policies()}
    for name in ("public-network-access", "tls", "shared-key", "local-auth", "anonymous-pull", "purge-protection"):
        assert levels[name] == EnforcementLevel.MANDATORY, name
    for name in ("entra-only", "continuous-backup", "exfiltration-protection", "managed-identity"):
        assert levels[name] == EnforcementLevel.MANDATORY, name
    assert levels["private-endpoint"] == levels["customer-managed-key"] == EnforcementLevel.MANDATORY
    assert levels["hsm-key"] == levels["key-expiry"] == levels["key-rotation"] == EnforcementLevel.MANDATORY
    for name in ("diagnostics", "protect", "required-tags", "unreviewed-type", "accepted-exceptions"):
        assert levels[name] == EnforcementLevel.ADVISORY, name


def test_resource_rules_are_resource_policies_and_stack_rules_stack_policies():
    kinds = {p.name: type(p) for p in policies()}
    assert kinds["tls"] is ResourceValidationPolicy
    assert kinds["private-endpoint"] is kinds["diagnostics"] is StackValidationPolicy


# The engine runs stack policies after the steps have executed (pulumi/pulumi
# pkg/resource/deploy/deployment_executor.go), so ``pulumi up --skip-preview`` creates first and
# reports after; resource policies run before each resource's step. Every mandatory rule that one
# resource's inputs decide is therefore a resource policy. The ones left need other resources.
MANDATORY_STACK_RULES = {"private-endpoint", "customer-managed-key-tde-protector"}


def test_every_mandatory_rule_that_one_resource_decides_blocks_before_the_resource_exists():
    kinds = {p.name: type(p) for p in policies()}
    mandatory = {p.name for p in policies() if p.enforcement_level == EnforcementLevel.MANDATORY}
    assert {name for name in mandatory if kinds[name] is StackValidationPolicy} == MANDATORY_STACK_RULES
    assert kinds["customer-managed-key"] is kinds["protect"] is kinds["hsm-key"] is ResourceValidationPolicy


def test_a_resource_policy_reports_what_the_rule_function_finds():
    public = {"publicNetworkAccess": "Enabled", "tags": TAGS}
    assert _resource_violations("public-network-access", COSMOS, public) == ["public network access is not disabled"]
    assert _resource_violations("public-network-access", COSMOS, {**public, "publicNetworkAccess": "Disabled"}) == []


def test_an_unknown_value_in_preview_is_left_unjudged_instead_of_failing_the_policy():
    props = {"disableLocalAuth": UNKNOWN_BOOLEAN_VALUE, "tags": TAGS}
    assert _resource_violations("local-auth", COSMOS, props) == []
    assert plain(unknown_checking_proxy({"a": [{"b": UNKNOWN_BOOLEAN_VALUE}]})) == {"a": [{"b": UNKNOWN_BOOLEAN_VALUE}]}


def test_an_accepted_exception_is_no_violation_and_the_advisory_listing_gives_its_reason():
    ml_store = {"allowSharedKeyAccess": True, "tags": {**TAGS, "Component": "machine_learning"}}
    assert _resource_violations("shared-key", STORAGE, ml_store) == []
    listed = _stack_violations("accepted-exceptions", [_resource(STORAGE, "ml-store", ml_store)])
    assert [m for m in listed if m.startswith("shared-key")] == [
        "shared-key: ml-store: Azure ML's workspace store still needs shared key for its file share"
    ]


def test_a_stack_policy_matches_a_private_endpoint_to_its_target_by_property_dependency():
    cosmos = _resource(COSMOS, "cosmos", {"tags": TAGS})
    endpoint = _resource("azure-native:network:PrivateEndpoint", "cosmos-pe", {"privateLinkServiceConnections": []})
    assert _stack_violations("private-endpoint", [cosmos]) == ["cosmos: no private endpoint reaches it"]
    endpoint.property_dependencies["privateLinkServiceConnections"] = [cosmos]
    assert _stack_violations("private-endpoint", [cosmos, endpoint]) == []


def test_the_environment_comes_from_the_resources_tags_or_the_policy_config():
    props = {"tags": {**TAGS, "Environment": "tst"}}
    assert _resource_violations("customer-managed-key", COSMOS, props) == []
    assert _resource_violations("customer-managed-key", COSMOS, props, {"environment": "prd"}) == [
        "not encrypted with a customer-managed key in prd"
    ]


def test_required_tags_take_the_organisations_tags_from_the_policy_config():
    tracked = {"location": "westeurope", "tags": TAGS}
    assert _resource_violations("required-tags", COSMOS, tracked) == []
    assert _resource_violations("required-tags", COSMOS, tracked, {"requiredTags": ["CostCenter"]}) == [
        "missing required tags: CostCenter"
    ]


def test_the_engines_own_resources_and_components_are_not_judged():
    assert _resource_violations("unreviewed-type", "pulumi:providers:azure-native", {}) == []
    assert _resource_violations("unreviewed-type", "cloudscale:data:Lake", {}) == []
    assert _resource_violations("unreviewed-type", "azure-native:servicebus:Namespace", {}) != []


def test_the_folder_is_a_python_policy_pack_whose_main_builds_the_pack():
    settings = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())
    assert settings["runtime"]["name"] == "python"
    tree = ast.parse((PACK / "__main__.py").read_text())
    calls = [n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    assert "PolicyPack" in calls


def test_importing_the_rules_neither_starts_the_pack_nor_loads_the_policy_sdk():
    code = "import sys, cloudscale.policy as p; p.rules(); print('pulumi_policy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.strip() == "False"


def _imports(folder: Path) -> set[str]:
    return {
        f"{path.name}: {name}"
        for path in sorted(folder.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in ([node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names])
    }


def test_the_rules_read_the_components_facts_and_nothing_above_them():
    # components <- policy <- stacks: the plan imports the rules, the rules never import a stack.
    root = PACK.parent
    assert {i for i in _imports(PACK) if ": cloudscale.stacks" in i or ": cloudscale.cli" in i} == set()
    assert {i for i in _imports(root / "components") if ": cloudscale.policy" in i} == set()
