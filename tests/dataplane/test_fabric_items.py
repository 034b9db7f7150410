"""The Fabric item providers against a local HTTPS fake of the Fabric REST API, through microsoft-fabric-api.

Each resource goes through create, update and delete, and a failure in the middle of a create leaves
nothing behind that a retry would trip over.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cloudscale.components import fabric_items as fi
from cloudscale.dataproducts.contracts import tmdl
from cloudscale.dataproducts.contracts.semantic import SALES

from .fake_fabric import FakeFabric
from .test_synapse_dataplane import PROVIDER_BLOB, TOKEN, StaticTokenCredential

CAPACITY = "fcadatumdevmgmt5d05"
ADMINS = "3f2a1b4c-0d5e-4f60-8a71-92b3c4d5e6f7"
VIEWERS = "7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f"
LAKE = "https://stadatumdevsaleswork.dfs.core.windows.net"


@pytest.fixture
def fabric(tls_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeFabric]:
    with FakeFabric(*tls_files, expected_token=TOKEN) as server:
        server.add_capacity(CAPACITY)
        monkeypatch.setattr(
            fi,
            "settings",
            fi.FabricSettings(
                credential_factory=lambda: StaticTokenCredential(TOKEN),
                base_url=server.url,
                client_kwargs={"connection_verify": str(tls_files[0])},
                poll_interval_seconds=0,
            ),
        )
        yield server
    assert server.internal_errors == []


def workspace_inputs(**overrides: Any) -> dict[str, Any]:
    return {
        "display_name": "ws-adatum-dev-sales-510d",
        "description": "sales zone",
        "capacity_name": CAPACITY,
        "role_assignments": [{"principal_id": ADMINS, "principal_type": "Group", "role": "Admin"}],
        "__provider": PROVIDER_BLOB,
        **overrides,
    }


def test_a_workspace_is_made_on_the_capacity_with_its_identity_and_roles(fabric):
    provider = fi.WorkspaceProvider()
    created = provider.create(workspace_inputs())
    workspace = fabric.workspaces[created.id]
    assert workspace["capacityId"] == next(iter(fabric.capacities))
    assert created.outs["identity_service_principal_id"] == workspace["workspaceIdentity"]["servicePrincipalId"]
    assert fabric.role_assignments_by_workspace[created.id][ADMINS]["role"] == "Admin"
    identity = fabric.role_assignments_by_workspace[created.id][created.outs["identity_service_principal_id"]]
    assert identity["role"] == "Contributor" and identity["principal"]["type"] == "ServicePrincipal"

    news = workspace_inputs(
        description="the sales zone",
        role_assignments=[
            {"principal_id": ADMINS, "principal_type": "Group", "role": "Member"},
            {"principal_id": VIEWERS, "principal_type": "Group", "role": "Viewer"},
        ],
    )
    assert provider.diff(created.id, created.outs, news).changes
    updated = provider.update(created.id, created.outs, news)
    assert workspace["description"] == "the sales zone"
    roles = fabric.role_assignments_by_workspace[created.id]
    identity = created.outs["identity_service_principal_id"]
    assert {p: a["role"] for p, a in roles.items()} == {ADMINS: "Member", VIEWERS: "Viewer", identity: "Contributor"}
    shrunk = workspace_inputs(role_assignments=[{"principal_id": VIEWERS, "principal_type": "Group", "role": "Viewer"}])
    provider.update(created.id, updated.outs, shrunk)
    assert set(fabric.role_assignments_by_workspace[created.id]) == {VIEWERS, identity}, "the identity keeps its role"
    assert not provider.diff(created.id, {**shrunk, **updated.outs, **shrunk}, shrunk).changes

    provider.delete(created.id, updated.outs)
    assert created.id not in fabric.workspaces
    provider.delete(created.id, updated.outs)  # gone already: nothing to do


def test_a_workspace_whose_identity_fails_is_removed_so_a_retry_can_take_the_name(fabric):
    provider = fi.WorkspaceProvider()
    fabric.fail_next_operation(400, "WorkspaceIdentityNotSupported", "the tenant disabled workspace identities")
    with pytest.raises(fi.FabricError, match=r"cannot create the workspace: .*disabled workspace identities"):
        provider.create(workspace_inputs())
    assert fabric.workspaces == {}
    assert provider.create(workspace_inputs()).outs["identity_service_principal_id"]


def test_a_capacity_the_deployer_cannot_see_is_named(fabric):
    with pytest.raises(fi.FabricError, match="no capacity 'fcother' is visible to the deploying identity"):
        fi.WorkspaceProvider().create(workspace_inputs(capacity_name="fcother"))
    fabric.add_capacity("fcpaused", state="Suspended")
    with pytest.raises(fi.FabricError, match="capacity 'fcpaused' is Suspended; resume it"):
        fi.WorkspaceProvider().create(workspace_inputs(capacity_name="fcpaused"))
    assert fabric.workspaces == {}


@pytest.fixture
def workspace_id(fabric) -> str:
    return fi.WorkspaceProvider().create(workspace_inputs()).id


def test_lakehouse_connection_and_shortcut_life_cycle(fabric, workspace_id):
    lakehouses = fi.LakehouseProvider()
    lakehouse = lakehouses.create(
        {"workspace_id": workspace_id, "display_name": "lh_serving", "description": "", "__provider": PROVIDER_BLOB}
    )
    assert fabric.items[workspace_id][lakehouse.id]["properties"] == {"defaultSchema": "dbo"}, "schemas enabled"
    renamed = {**lakehouse.outs, "display_name": "lh_serving_2"}
    assert lakehouses.diff(lakehouse.id, lakehouse.outs, renamed).replaces == []
    lakehouses.update(lakehouse.id, lakehouse.outs, renamed)
    assert fabric.items[workspace_id][lakehouse.id]["displayName"] == "lh_serving_2"

    connections = fi.ConnectionProvider()
    connection_props = {
        "workspace_id": workspace_id,
        "display_name": "conn-lake",
        "server": LAKE,
        "path": "/sales-analytics",
        "__provider": PROVIDER_BLOB,
    }
    connection = connections.create(connection_props)
    stored = fabric.connections[connection.id]
    assert stored["credentialDetails"]["credentials"] == {"credentialType": "WorkspaceIdentity"}
    assert stored["connectionDetails"]["parameters"][0] == {"dataType": "Text", "name": "server", "value": LAKE}
    assert connections.diff(connection.id, connection.outs, {**connection_props, "path": "/other"}).replaces == ["path"]

    shortcuts = fi.ShortcutProvider()
    shortcut_props = {
        "workspace_id": workspace_id,
        "item_id": lakehouse.id,
        "path": "Tables/sales_analytics",
        "shortcut_name": "sales_summary",
        "target_url": LAKE,
        "subpath": "/sales-analytics/curated/sales_summary",
        "connection_id": connection.id,
        "__provider": PROVIDER_BLOB,
    }
    shortcut = shortcuts.create(shortcut_props)
    stored = fabric.shortcuts[(workspace_id, lakehouse.id)]["Tables/sales_analytics/sales_summary"]
    assert stored["target"]["adlsGen2"]["subpath"] == "/sales-analytics/curated/sales_summary"
    with pytest.raises(fi.FabricError, match="ShortcutAlreadyExists"):
        shortcuts.create(shortcut_props)
    moved = {**shortcut_props, "subpath": "/sales-analytics/curated/sales_summary_v2"}
    diff = shortcuts.diff(shortcut.id, shortcut.outs, moved)
    assert diff.replaces == ["subpath"] and diff.delete_before_replace

    shortcuts.delete(shortcut.id, shortcut.outs)
    assert fabric.shortcuts[(workspace_id, lakehouse.id)] == {}
    connections.delete(connection.id, connection.outs)
    lakehouses.delete(lakehouse.id, lakehouse.outs)
    assert fabric.connections == {} and fabric.items[workspace_id] == {}


def test_a_lakehouse_or_connection_the_service_refuses_is_named_and_leaves_nothing(fabric, workspace_id):
    fabric.fail_next_operation(400, "CapacityNotActive", "the capacity is paused")
    with pytest.raises(fi.FabricError, match=r"cannot create lakehouse 'lh_serving': .*capacity is paused"):
        fi.LakehouseProvider().create(
            {"workspace_id": workspace_id, "display_name": "lh_serving", "description": "", "__provider": PROVIDER_BLOB}
        )
    assert fabric.items[workspace_id] == {}

    connection_props = {
        "workspace_id": workspace_id,
        "display_name": "conn-lake",
        "server": LAKE,
        "path": "/sales-analytics",
        "__provider": PROVIDER_BLOB,
    }
    fabric.fail_next("POST", "/v1/connections", 403, "InsufficientPrivileges", "service principals may not connect")
    with pytest.raises(fi.FabricError, match=r"cannot create connection 'conn-lake': .*may not connect"):
        fi.ConnectionProvider().create(connection_props)
    assert fabric.connections == {}
    connection = fi.ConnectionProvider().create(connection_props)
    renamed = {**connection_props, "display_name": "conn-lake-2"}
    diff = fi.ConnectionProvider().diff(connection.id, connection.outs, renamed)
    assert diff.changes and diff.replaces == []
    fi.ConnectionProvider().update(connection.id, connection.outs, renamed)
    assert fabric.connections[connection.id]["displayName"] == "conn-lake-2"


def test_semantic_model_life_cycle_sends_the_tmdl_with_the_zones_values(fabric, workspace_id):
    files = tmdl.render(SALES)
    placeholders = {tmdl.WORKSPACE_PLACEHOLDER: workspace_id, tmdl.LAKEHOUSE_PLACEHOLDER: "lakehouse-1"}
    props = {
        "workspace_id": workspace_id,
        "display_name": "SalesAnalytics",
        "description": SALES.description,
        "parts": files,
        "placeholders": placeholders,
        "__provider": PROVIDER_BLOB,
    }
    models = fi.SemanticModelProvider()
    created = models.create(props)
    sent = fabric.definitions[created.id]
    assert ".platform" not in sent and "definition.pbism" in sent
    assert f"onelake.dfs.fabric.microsoft.com/{workspace_id}/lakehouse-1" in sent["definition/expressions.tmdl"]
    assert sent["definition/tables/sales_summary.tmdl"] == files["definition/tables/sales_summary.tmdl"]

    changed_parts = dict(files)
    changed_parts["definition/tables/sales_summary.tmdl"] = files["definition/tables/sales_summary.tmdl"].replace(
        "formatString: #,0.00", "formatString: #,0"
    )
    news = {**props, "parts": changed_parts}
    assert models.diff(created.id, created.outs, news).changes
    updated = models.update(created.id, created.outs, news)
    assert "formatString: #,0\n" in fabric.definitions[created.id]["definition/tables/sales_summary.tmdl"]

    fabric.fail_next_operation(400, "InvalidDefinition", "column Revenue: unknown data type")
    with pytest.raises(fi.FabricError, match=r"cannot update semantic model .SalesAnalytics.: .*unknown data type"):
        models.update(created.id, updated.outs, {**props, "parts": files})

    models.delete(created.id, created.outs)
    assert fabric.items_of(workspace_id, "SemanticModel") == []


def test_a_model_whose_creation_fails_leaves_nothing(fabric, workspace_id):
    fabric.fail_next_operation(400, "InvalidDefinition", "expression DatabaseQuery: bad M")
    with pytest.raises(fi.FabricError, match=r"cannot create semantic model 'SalesAnalytics'.*bad M"):
        fi.SemanticModelProvider().create(
            {
                "workspace_id": workspace_id,
                "display_name": "SalesAnalytics",
                "parts": tmdl.render(SALES),
                "placeholders": {},
                "__provider": PROVIDER_BLOB,
            }
        )
    assert fabric.items_of(workspace_id, "SemanticModel") == []


def test_the_resource_instance_rule_names_the_workspace_as_fabric_documents():
    assert fi.fabric_workspace_resource_id("aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e") == (
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/Fabric/providers/Microsoft.Fabric"
        "/workspaces/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e"
    )
