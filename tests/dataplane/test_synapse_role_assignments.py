"""The Synapse RBAC provider against the local fake, with the real azure-synapse-accesscontrol client."""

from __future__ import annotations

from typing import Any

import pytest

from cloudscale.components import synapse_role_assignments as sr
from cloudscale.components.synapse_dataplane import SynapseDataPlaneError

from .fake_synapse import FakeSynapse
from .test_synapse_dataplane import PROVIDER_BLOB, WORKSPACE

FACTORY = "2c6f0f9e-8a4b-4d3c-9e1f-7a6b5c4d3e2f"


def inputs(dev_endpoint: str, role: str, scope: str, **overrides: Any) -> dict[str, Any]:
    return {
        "workspace_name": WORKSPACE,
        "role_name": role,
        "principal_id": FACTORY,
        "principal_type": "ServicePrincipal",
        "scope": scope,
        "dev_endpoint": dev_endpoint,
        "__provider": PROVIDER_BLOB,
        **overrides,
    }


def olds_of(outs: dict[str, Any] | None) -> dict[str, Any]:
    assert outs is not None
    return {**outs, "__provider": PROVIDER_BLOB}


def test_create_resolves_the_role_by_name_and_assigns_it_at_the_scope(fake: FakeSynapse) -> None:
    provider = sr.RoleAssignmentProvider()
    scope = sr.big_data_pool_scope(WORKSPACE, "spark")
    created = provider.create(inputs(fake.url, "Synapse Compute Operator", scope))

    assert fake.calls[0] == ("GET", "/roleDefinitions")
    put = fake.requests[1]
    assert (put.method, put.api_version) == ("PUT", "2020-12-01")
    assert put.body == {
        "roleId": fake.role_definitions["Synapse Compute Operator"],
        "principalId": FACTORY,
        "scope": f"workspaces/{WORKSPACE}/bigDataPools/spark",
        "principalType": "ServicePrincipal",
    }
    assignment = created.outs["assignment_id"]
    assert put.path == f"/roleAssignments/{assignment}"
    assert created.id == f"{WORKSPACE}/roleAssignments/{assignment}"
    assert fake.role_assignments[assignment]["roleDefinitionId"] == fake.role_definitions["Synapse Compute Operator"]

    read = provider.read(created.id, olds_of(created.outs))
    assert (read.id, read.outs["scope"], read.outs["principal_id"]) == (created.id, scope, FACTORY)

    provider.delete(created.id, olds_of(created.outs))
    assert fake.requests[-1].method == "DELETE" and fake.requests[-1].query["scope"] == scope
    assert fake.role_assignments == {}
    # Gone: a refresh drops it, and a second delete is not an error.
    assert provider.read(created.id, olds_of(created.outs)).id == ""
    provider.delete(created.id, olds_of(created.outs))


def test_a_retried_create_writes_the_same_assignment(fake: FakeSynapse) -> None:
    provider = sr.RoleAssignmentProvider()
    props = inputs(fake.url, "Synapse Credential User", sr.credential_scope(WORKSPACE))
    first = provider.create(props)
    second = provider.create(props)
    assert first.id == second.id
    assert len(fake.role_assignments) == 1
    assert fake.role_assignments[first.outs["assignment_id"]]["scope"] == (
        f"workspaces/{WORKSPACE}/credentials/WorkspaceSystemIdentity"
    )


def test_any_change_to_the_assignment_replaces_it(fake: FakeSynapse) -> None:
    provider = sr.RoleAssignmentProvider()
    olds = olds_of(provider.create(inputs(fake.url, "Synapse Artifact User", sr.workspace_scope(WORKSPACE))).outs)
    same = inputs(fake.url, "Synapse Artifact User", sr.workspace_scope(WORKSPACE))
    assert not provider.diff("id", olds, same).changes
    other = inputs(fake.url, "Synapse Compute Operator", sr.workspace_scope(WORKSPACE))
    diff = provider.diff("id", olds, other)
    assert diff.changes and diff.replaces == ["role_name"]
    # The replacement has its own id, so it can exist before the old one goes.
    assert provider.create(other).outs["assignment_id"] != olds["assignment_id"]


def test_check_refuses_unknown_roles_and_foreign_scopes() -> None:
    result = sr.RoleAssignmentProvider().check({}, inputs("https://x", "Synapse Runner", "subscriptions/x"))
    assert {f.property for f in result.failures} == {"role_name", "scope"}


def test_a_service_error_names_the_workspace_and_the_assignment(fake: FakeSynapse) -> None:
    provider = sr.RoleAssignmentProvider()
    props = inputs(fake.url, "Synapse Compute Operator", sr.workspace_scope(WORKSPACE))
    assignment = sr.assignment_id(WORKSPACE, props["role_name"], FACTORY, props["scope"])
    fake.fail_next("PUT", f"/roleAssignments/{assignment}", 403, "Forbidden", "caller is not a Synapse Administrator")
    with pytest.raises(SynapseDataPlaneError) as raised:
        provider.create(props)
    message = str(raised.value)
    assert f"Synapse workspace '{WORKSPACE}'" in message
    assert "cannot create role assignment 'Synapse Compute Operator'" in message
    assert "caller is not a Synapse Administrator" in message
    assert fake.role_assignments == {}


def test_a_conflicting_assignment_under_another_id_is_reported(fake: FakeSynapse) -> None:
    provider = sr.RoleAssignmentProvider()
    props = inputs(fake.url, "Synapse Compute Operator", sr.workspace_scope(WORKSPACE))
    fake.role_assignments["made-by-hand"] = {
        "id": "made-by-hand",
        "roleDefinitionId": fake.role_definitions["Synapse Compute Operator"],
        "principalId": FACTORY,
        "scope": props["scope"],
        "principalType": "ServicePrincipal",
    }
    with pytest.raises(SynapseDataPlaneError, match="RoleAssignmentAlreadyExists"):
        provider.create(props)
