"""``cloudscale preflight``: what a stack needs, from its plan; ``--check`` against a local HTTPS fake of ARM."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudscale.cli import preflight as preflight_cli
from cloudscale.cli.main import main
from cloudscale.cli.plan import _program
from cloudscale.components.core import RULES, azure_facts
from cloudscale.components.core.roles import ROLE_BASED_ACCESS_CONTROL_ADMINISTRATOR, role_name
from cloudscale.stacks.config import parse_config
from cloudscale.stacks.offline.engine import run_offline
from cloudscale.stacks.offline.stack_files import load_stack_config
from cloudscale.stacks.preflight import azure_check
from cloudscale.stacks.preflight.requirements import SERVICES, GlobalName, Requirements, stack_requirements
from tests.dataplane.test_synapse_dataplane import StaticTokenCredential, tls_files

from .fake_arm import CONTRIBUTOR, OWNER, RBAC_ADMINISTRATOR, ArmState, FakeArm, access_token

__all__ = ["tls_files"]

SUBSCRIPTION = "5f1c2b3a-0d4e-4f60-9a71-82b3c4d5e6f7"
PRINCIPAL = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
SCOPE = f"/subscriptions/{SUBSCRIPTION}"
TOKEN = access_token(PRINCIPAL)


@pytest.fixture
def prd(stack_runs) -> tuple[Requirements, object]:
    run = stack_runs.planned("prd")
    config = parse_config(load_stack_config("prd"))
    return stack_requirements(run, config, stack="prd", subscription_id=SUBSCRIPTION), run


def _namespaces(requirements: Requirements) -> dict[str, list[str]]:
    namespaces: dict[str, list[str]] = {p.namespace: [] for p in requirements.providers}
    for arm_type in requirements.regional_services:
        namespace, resource_type = arm_type.split("/", 1)
        namespaces.setdefault(namespace, []).append(resource_type)
    return namespaces


def _healthy(requirements: Requirements) -> ArmState:
    """A subscription where everything the stack needs holds."""
    return ArmState(
        subscription_id=SUBSCRIPTION,
        principal_id=PRINCIPAL,
        assignments=[
            (CONTRIBUTOR, SCOPE, None),
            (RBAC_ADMINISTRATOR, SCOPE, requirements.role_condition()),
        ],
        usages={
            ("Microsoft.Storage", "StorageAccounts"): (3, 250),
            ("Microsoft.Network", "VirtualNetworks"): (1, 1000),
            ("Microsoft.Network", "NetworkSecurityGroups"): (4, 5000),
            ("Microsoft.Network", "RouteTables"): (0, 200),
            ("Microsoft.Network", "PublicIPAddresses"): (2, 1000),
            ("Microsoft.MachineLearningServices", "standardDSv2Family"): (0, 24),
        },
        ml_vm_sizes={"Standard_DS3_v2": ("standardDSv2Family", 4)},
    )


@pytest.fixture
def arm(prd, tls_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArm]:
    requirements, _ = prd
    issued: list[StaticTokenCredential] = []

    def credential() -> StaticTokenCredential:
        issued.append(StaticTokenCredential(TOKEN))
        return issued[-1]

    fake = FakeArm(*tls_files, state=_healthy(requirements), namespaces=_namespaces(requirements), expected_token=TOKEN)
    with fake:
        monkeypatch.setattr(
            azure_check,
            "settings",
            azure_check.CheckSettings(
                credential_factory=credential,
                base_url=fake.url,
                client_kwargs={"connection_verify": str(tls_files[0])},
            ),
        )
        yield fake
    assert fake.internal_errors == []
    # Every token asked for is an ARM token.
    assert {scope for c in issued for scopes in c.scopes for scope in scopes} <= {azure_check.ARM_SCOPE}


@pytest.fixture
def shared_plans(stack_runs, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI plans through the session's shared runs of the bundled stacks."""
    monkeypatch.setattr(preflight_cli, "run_offline", stack_runs.serving(_program, run_offline))


# -- offline ----------------------------------------------------------------------------------------


def test_every_azure_native_module_of_the_bundled_stacks_has_a_resource_provider(stack_runs):
    for stack in ("dev", "prd", "byohub", "mgmt", "sales"):
        for typ in {r.typ for r in stack_runs.planned(stack).resources if r.typ.startswith("azure-native:")}:
            assert azure_facts.resource_provider(typ).startswith("Microsoft."), typ


def test_a_module_without_a_known_provider_is_an_error_naming_the_table():
    with pytest.raises(KeyError, match=r"azure_facts\.RESOURCE_PROVIDERS"):
        azure_facts.resource_provider("azure-native:eventhub:Namespace")


def test_every_globally_unique_naming_kind_is_a_service_whose_names_preflight_lists():
    global_kinds = {kind for kind, rule in RULES.items() if rule.globally_unique}
    assert {s.name_kind for s in SERVICES.values() if s.name_kind} == global_kinds


def test_prd_requirements_come_from_its_plan(prd):
    requirements, run = prd
    namespaces = {p.namespace for p in requirements.providers_to_register}
    # The subnet delegation docs/beyond-up.md asks to register for, and the providers of the types declared.
    assert "Microsoft.PowerPlatform" in namespaces
    assert {"Microsoft.Synapse", "Microsoft.Sql", "Microsoft.DocumentDB", "Microsoft.Purview"} <= namespaces
    assert not {"Microsoft.Authorization", "Microsoft.Resources"} & namespaces
    granted = {
        r.inputs["roleDefinitionId"].rsplit("/", 1)[-1]
        for r in run.of_type("azure-native:authorization:RoleAssignment")
    }
    assert set(requirements.granted_roles) == granted
    for guid in granted:
        assert requirements.role_condition().count(guid) == 2  # the write and the delete clause
    accounts = {r.inputs["accountName"] for r in run.of_type("azure-native:storage:StorageAccount")}
    assert {n.name for n in requirements.global_names if n.kind == "storage_account"} == accounts
    for name in requirements.global_names:
        assert name.rule.matches(name.name), name
    assert requirements.quota_needs[("Microsoft.Storage", "StorageAccounts")] == len(accounts)
    assert requirements.ml_clusters == {"Standard_DS3_v2": 4}
    objects = {o.key: o for o in requirements.entra_objects}
    assert objects["landingZones[0].services.sqlHyperscale.adminGroupObjectId"].object_id == (
        "5b0c3a5e-1111-4c3e-9d7a-0a1b2c3d4e5f"
    )
    # prd sets no Synapse SQL admin group: listed as missing, not silently skipped.
    assert objects["landingZones[0].services.synapse.sqlAdminGroupObjectId"].missing


def test_preflight_prd_offline_lists_providers_roles_names_and_regional_needs(shared_plans, prd, capsys):
    requirements, _ = prd
    assert main(["preflight", "--stack", "prd", "--subscription", SUBSCRIPTION]) == 0
    out = capsys.readouterr().out
    for section in (
        "Resource providers to register",
        "Deploying identity, at " + SCOPE,
        "Entra ID objects the stack expects",
        "Globally unique names (14)",
        "Regional features in westeurope",
        "Regional quotas the stack draws on",
    ):
        assert section in out
    assert "Microsoft.PowerPlatform" in out and "subnet delegation to Microsoft.PowerPlatform/vnetaccesslinks" in out
    assert requirements.role_condition() in out
    assert role_name(ROLE_BASED_ACCESS_CONTROL_ADMINISTRATOR) in out
    assert all(name.name in out for name in requirements.global_names)
    assert "availability zones: yes" in out and "paired with northeurope" in out
    assert "NOT SET (landingZones[0].services.synapse.sqlAdminGroupObjectId)" in out


def test_preflight_json_carries_the_same_requirements(shared_plans, prd, capsys):
    requirements, _ = prd
    assert main(["preflight", "--stack", "prd", "--subscription", SUBSCRIPTION, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document == json.loads(json.dumps(requirements.to_json()))
    assert document["scope"] == SCOPE


def test_check_without_a_subscription_names_the_option(shared_plans, capsys, monkeypatch):
    for variable in preflight_cli.SUBSCRIPTION_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    assert main(["preflight", "--stack", "prd", "--check"]) == 2
    captured = capsys.readouterr()
    assert "--subscription" in captured.err and "azure-native:subscriptionId" in captured.err
    assert "Traceback" not in captured.err and captured.out == ""


# -- --check against the fake ------------------------------------------------------------------------


def test_check_on_a_subscription_where_all_is_well_exits_0(shared_plans, arm, capsys):
    assert main(["preflight", "--stack", "prd", "--check", "--subscription", SUBSCRIPTION]) == 0
    out = capsys.readouterr().out
    assert "Nothing found that would stop pulumi up" in out
    assert "problem" not in out
    assert "14 of 14 resource providers registered" in out
    assert "13 global names available" in out  # the Data Factory has no name check
    assert "Contributor" in out and "Role Based Access Control Administrator" in out
    assert TOKEN not in out and TOKEN.split(".")[1] not in out


def test_check_reports_an_unregistered_provider_a_taken_name_and_a_missing_role_one_line_each(
    shared_plans, arm, prd, capsys
):
    requirements, _ = prd
    lake = next(n for n in requirements.global_names if n.kind == "storage_account")
    arm.state.unregistered.add("Microsoft.Synapse")
    arm.state.taken["Microsoft.Storage/storageAccounts"] = {lake.name}
    arm.state.assignments = [(CONTRIBUTOR, SCOPE, None)]
    assert main(["preflight", "--stack", "prd", "--check", "--subscription", SUBSCRIPTION]) == 2
    out = capsys.readouterr().out
    problems = [line for line in out.splitlines() if line.startswith("problem")]
    assert len(problems) == 3, problems
    provider, name, role = problems
    assert provider.startswith("problem [providers]: resource provider Microsoft.Synapse is NotRegistered")
    assert f"az provider register --namespace Microsoft.Synapse --subscription {SUBSCRIPTION}" in provider
    assert name.startswith(f"problem [names]: storage account name {lake.name} is taken") and "nameSeed" in name
    assert role.startswith(f"problem [roles]: the signed-in identity {PRINCIPAL} cannot assign 9 of the 9 roles")
    assert "Role Based Access Control Administrator" in role
    assert "1 problem(s)" not in out and "3 problem(s) would stop pulumi up" in out
    assert TOKEN not in out


def _check(requirements: Requirements):
    return azure_check.check_requirements(requirements, SUBSCRIPTION)


def _blocking(requirements: Requirements) -> list[azure_check.Problem]:
    """The problems that stop pulumi up (the Data Factory name, which Azure cannot check, only warns)."""
    return [p for p in _check(requirements).problems if p.blocking]


def test_a_taken_name_that_is_this_stacks_own_resource_passes(arm, prd):
    requirements, _ = prd
    vault = next(n for n in requirements.global_names if n.kind == "key_vault")
    cosmos = next(n for n in requirements.global_names if n.kind == "cosmos_account")
    arm.state.taken = {vault.arm_type: {vault.name}, cosmos.arm_type: {cosmos.name}}
    arm.state.groups = {vault.resource_group: [(vault.arm_type, vault.name)]}
    result = _check(requirements)
    [problem] = [p for p in result.problems if p.blocking]
    assert [p.message.split(":")[0] for p in result.problems if not p.blocking] == [
        next(n.name for n in requirements.global_names if n.kind == "data_factory")
    ]
    # The vault is the stack's own (a later run); the Cosmos DB account name belongs to someone else.
    assert problem.message.startswith(f"cosmos account name {cosmos.name} is taken")
    assert "1 already this stack's" in " ".join(result.passed)


def test_a_data_explorer_cluster_name_is_checked_in_its_region(arm, prd):
    requirements, _ = prd
    cluster = GlobalName("data_explorer_cluster", "dec-adatum-prd-sales", "Microsoft.Kusto/clusters", "rg-sales")
    with_cluster = dataclasses.replace(requirements, global_names=[*requirements.global_names, cluster])
    assert _blocking(with_cluster) == []
    arm.state.taken = {cluster.arm_type: {cluster.name}}
    [problem] = _blocking(with_cluster)
    assert problem.message.startswith(f"data explorer cluster name {cluster.name} is taken")
    [asked] = [r for r in arm.requests if "Microsoft.Kusto" in r.path and r.method == "POST"][-1:]
    assert f"/locations/{requirements.location.replace(' ', '').lower()}/checkNameAvailability" in asked.path


def test_a_deleted_vaults_name_says_how_to_get_it_back(arm, prd):
    requirements, _ = prd
    vault = next(n for n in requirements.global_names if n.kind == "key_vault")
    arm.state.taken = {vault.arm_type: {vault.name}}
    [problem] = _blocking(requirements)
    assert "recoverDeleted" in problem.message


def test_a_role_condition_that_leaves_out_a_granted_role_names_it(arm, prd):
    requirements, _ = prd
    left_out = requirements.granted_roles[0]
    narrower = [guid for guid in requirements.granted_roles if guid != left_out]
    arm.state.assignments = [
        (CONTRIBUTOR, SCOPE, None),
        (RBAC_ADMINISTRATOR, SCOPE, requirements.role_condition().replace(left_out + ", ", "")),
    ]
    assert left_out not in arm.state.assignments[1][2]
    [problem] = _blocking(requirements)
    assert (
        f"cannot assign 1 of the {len(requirements.granted_roles)} roles the stack grants ({role_name(left_out)})"
        in (problem.message)
    )
    # The other roles stay assignable: only the one left out is reported.
    assert not any(role_name(guid) in problem.message for guid in narrower)


def test_owner_alone_is_enough_and_a_resource_group_assignment_is_not(arm, prd):
    requirements, _ = prd
    arm.state.assignments = [(OWNER, SCOPE, None)]
    assert _blocking(requirements) == []
    arm.state.assignments = [(OWNER, f"{SCOPE}/resourceGroups/rg-elsewhere", None)]
    messages = [p.message for p in _blocking(requirements)]
    assert len(messages) == 2
    assert "cannot create resource groups" in messages[0] and "cannot assign" in messages[1]


def test_a_service_the_region_does_not_offer_is_a_problem(arm, prd):
    requirements, _ = prd
    arm.namespaces["Microsoft.Synapse"] = []  # listed without its workspaces type: nothing to judge
    assert _blocking(requirements) == []
    arm.state.location_display = "Sweden Central"
    problems = [p.message for p in _blocking(requirements)]
    assert len(problems) == len(requirements.regional_services) - 1
    assert any(m.startswith("Microsoft.Purview/accounts is not offered in westeurope") for m in problems)


def test_a_quota_without_room_is_a_problem_and_azure_ml_cores_a_warning(arm, prd):
    requirements, _ = prd
    arm.state.usages[("Microsoft.Storage", "StorageAccounts")] = (248, 250)
    arm.state.usages[("Microsoft.MachineLearningServices", "standardDSv2Family")] = (20, 24)
    problems = [p for p in _check(requirements).problems if p.area == "quotas"]
    assert [p.blocking for p in problems] == [True, False]
    assert "StorageAccounts in westeurope: the stack creates 5, the subscription has 2 left" in problems[0].message
    assert "4 nodes of Standard_DS3_v2 need 16, 4 are left" in problems[1].message


def test_an_identity_that_cannot_read_the_subscription_gets_one_line_per_area(arm, prd):
    requirements, _ = prd
    arm.fail_next("GET", f"{SCOPE}/providers", 403, "AuthorizationFailed", "does not have authorization")
    result = _check(requirements)
    [problem] = [p for p in result.problems if p.blocking]
    assert problem.area == "providers" and "AuthorizationFailed" in problem.message and "Reader" in problem.message
    assert len(result.passed) >= 3  # names, roles and quotas still answered


def test_a_credential_that_cannot_sign_in_is_one_line_and_exit_2(shared_plans, arm, capsys, monkeypatch):
    from azure.core.exceptions import ClientAuthenticationError

    class NoLogin:
        def get_token(self, *_scopes, **_kwargs):
            raise ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token\nmore detail")

    monkeypatch.setattr(azure_check.settings, "credential_factory", NoLogin)
    assert main(["preflight", "--stack", "prd", "--check", "--subscription", SUBSCRIPTION]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot sign in to Azure" in err and "az login" in err


def test_the_command_line_loads_no_management_sdk_until_a_check_runs():
    import subprocess
    import sys

    preflight_sdks = (
        "azure.mgmt.resource",
        "azure.mgmt.authorization",
        "azure.mgmt.storage",
        "azure.mgmt.network",
        "azure.mgmt.sql",
    )
    script = (
        "import sys\n"
        "import cloudscale.cli.main\n"
        "import cloudscale.stacks.preflight.azure_check\n"
        f"print(sorted(m for m in sys.modules if m.startswith({preflight_sdks!r})))\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"


def test_every_built_in_role_the_platform_grants_has_its_azure_display_name():
    from cloudscale.components.core.roles import ROLE_NAMES, BuiltInRole

    assert set(BuiltInRole) <= set(ROLE_NAMES)
    assert (
        role_name(f"/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/{BuiltInRole.ACR_PULL}")
        == "AcrPull"
    )


def test_check_as_json_carries_the_problems_and_the_exit_status(shared_plans, arm, capsys):
    arm.state.unregistered.add("Microsoft.Purview")
    assert main(["preflight", "--stack", "prd", "--check", "--subscription", SUBSCRIPTION, "--json"]) == 2
    check = json.loads(capsys.readouterr().out)["check"]
    assert check["principalId"] == PRINCIPAL
    [problem] = [p for p in check["problems"] if p["blocking"]]
    assert problem["area"] == "providers" and "Microsoft.Purview is NotRegistered" in problem["message"]
