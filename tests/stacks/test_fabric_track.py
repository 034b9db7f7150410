"""The Fabric track of the dev stack: the capacity in the management zone, the sales zone's workspace on it, its
lakehouse shortcuts to the published tables, one semantic model per product, and the lake admitting the
workspace and nothing more."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from cloudscale.components.core import BuiltInRole
from cloudscale.components.fabric_items import fabric_workspace_resource_id
from cloudscale.dataproducts.contracts import tmdl
from cloudscale.dataproducts.contracts.semantic import MODELS
from cloudscale.pipelines.definitions import bundled_root
from cloudscale.stacks.config import ConfigError, parse_config
from cloudscale.stacks.offline.mocks import TENANT_ID, _stable_guid
from cloudscale.stacks.offline.report import build_plan

CAPACITY = "azure-native:fabric:FabricCapacity"
WORKSPACE = "pulumi-python:dynamic/fabric:Workspace"
LAKEHOUSE = "pulumi-python:dynamic/fabric:Lakehouse"
CONNECTION = "pulumi-python:dynamic/fabric:Connection"
SHORTCUT = "pulumi-python:dynamic/fabric:Shortcut"
MODEL = "pulumi-python:dynamic/fabric:SemanticModel"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
ACCOUNT = "azure-native:storage:StorageAccount"
FABRIC_TYPES = (CAPACITY, WORKSPACE, LAKEHOUSE, CONNECTION, SHORTCUT, MODEL)


@pytest.fixture(scope="module", params=["update", "preview"])
def dev(request, stack_runs, dev_config):
    return stack_runs.run(dev_config, request.param), request.param == "preview"


def test_the_capacity_lives_in_the_management_zone_with_its_administrators_and_metrics(dev):
    run, preview = dev
    capacity = run.one(CAPACITY).inputs
    assert capacity["sku"] == {"name": "F2", "tier": "Fabric"}
    assert capacity["administration"] == {"members": ["platform-team@adatum.example"]}
    if not preview:  # the group's name is known once the group exists
        assert capacity["resourceGroupName"] == "rg-adatum-dev-mgmt-fabric"
    assert capacity["tags"]["Zone"] == "mgmt"
    (setting,) = [d for d in run.of_type("azure-native:monitor:DiagnosticSetting") if d.name.startswith("mgmt-fabric")]
    assert setting.inputs["metrics"] == [{"category": "AllMetrics", "enabled": True}]
    assert "logs" not in setting.inputs


def test_the_workspace_runs_on_that_capacity_with_the_zones_groups(dev):
    run, _ = dev
    workspace = run.one(WORKSPACE).inputs
    assert workspace["capacity_name"] == run.one(CAPACITY).inputs["capacityName"]
    assert {(a["principal_id"], a["role"]) for a in workspace["role_assignments"]} == {
        ("3f2a1b4c-0d5e-4f60-8a71-92b3c4d5e6f7", "Admin"),
        ("b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e", "Contributor"),
        ("c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f", "Viewer"),
    }
    capacity_urn = next(u for u, o in run.monitor.options.items() if o.typ == CAPACITY)
    workspace_options = next(o for o in run.monitor.options.values() if o.typ == WORKSPACE)
    assert capacity_urn in workspace_options.dependencies


def test_a_shortcut_per_table_a_direct_lake_model_reads_and_a_model_per_product(dev):
    run, preview = dev
    direct_lake = [m for m in MODELS.values() if m.storage_mode() == "directLake"]
    expected = {
        (f"Tables/{t.view.schema}", t.name, f"/{t.view.table.container}/{t.view.table.path}")
        for m in direct_lake
        for t in m.model_tables()
    }
    shortcuts = {(s.inputs["path"], s.inputs["shortcut_name"], s.inputs["subpath"]) for s in run.of_type(SHORTCUT)}
    assert shortcuts == expected
    assert not any("customer-dimension" in subpath for _, _, subpath in shortcuts), "CDM Parquet is no Delta table"
    models = {m.inputs["display_name"]: m.inputs for m in run.of_type(MODEL)}
    assert set(models) == {m.name for m in MODELS.values()}
    sales = models["SalesAnalytics"]
    assert (
        sales["parts"]["definition/tables/sales_summary.tmdl"]
        == tmdl.render(MODELS["sales-analytics"])["definition/tables/sales_summary.tmdl"]
    )
    if not preview:
        # What the bundled TMDL leaves open is filled in with the zone's workspace, lakehouse and endpoint.
        placeholders = sales["placeholders"]
        assert placeholders[tmdl.SERVERLESS_PLACEHOLDER].endswith("-ondemand.sql.azuresynapse.net")
        assert re.fullmatch(r"[0-9a-f-]{36}", placeholders[tmdl.WORKSPACE_PLACEHOLDER])
        assert re.fullmatch(r"[0-9a-f-]{36}", placeholders[tmdl.LAKEHOUSE_PLACEHOLDER])
        lake = run.one(ACCOUNT, "sales-lake-workspace-account").inputs
        assert run.one(CONNECTION).inputs["server"] == f"https://{lake['accountName']}.dfs.core.windows.net"


def test_the_workspace_lake_admits_the_workspace_by_its_id_and_no_other_lake_does(dev):
    run, preview = dev
    rules = {a.name: (a.inputs["networkRuleSet"].get("resourceAccessRules") or []) for a in run.of_type(ACCOUNT)}
    fabric = {
        name: [r for r in found if "Microsoft.Fabric" in str(r.get("resourceId"))] for name, found in rules.items()
    }
    if preview:
        assert len(rules["sales-lake-workspace-account"]) == 3  # Purview, Synapse and the workspace
        return
    assert {name for name, found in fabric.items() if found} == {"sales-lake-workspace-account"}
    (rule,) = fabric["sales-lake-workspace-account"]
    # The workspace's Fabric id, as the offline engine makes it up for the workspace it "created".
    workspace_id = _stable_guid(run.mocks.ids[(WORKSPACE, "sales-fabric-workspace")], "workspace")
    assert rule == {"tenantId": TENANT_ID, "resourceId": fabric_workspace_resource_id(workspace_id)}
    lake = run.one(ACCOUNT, "sales-lake-workspace-account").inputs["networkRuleSet"]
    assert (lake["defaultAction"], lake["bypass"], lake["ipRules"]) == ("Deny", "Logging, Metrics", [])


def test_the_workspace_identity_reads_the_products_containers_and_nothing_else(dev):
    run, preview = dev
    grants = {a.name: a.inputs for a in run.of_type(ASSIGNMENT) if "fabric-workspace-identity" in a.name}
    assert len(grants) == 5
    assert all(name.startswith("sales-lake-workspace-") for name in grants)
    if not preview:  # role definition ids name the subscription, known once the program runs
        roles = sorted(g["roleDefinitionId"].rsplit("/", 1)[-1] for g in grants.values())
        assert roles == sorted([BuiltInRole.STORAGE_BLOB_DELEGATOR, *[BuiltInRole.STORAGE_BLOB_DATA_READER] * 4])


def test_the_plan_lists_the_fabric_items(dev):
    run, preview = dev
    plan = build_plan(run, stack="dev", preview=preview, role="all", protects_state=False)
    for typ in FABRIC_TYPES:
        assert plan.by_type[typ] >= 1, typ
    fabric = [f for f in plan.findings if f.resource.startswith(("mgmt-fabric", "sales-fabric"))]
    assert [f for f in fabric if f.severity != "accepted"] == []


def test_without_the_track_the_stack_has_no_fabric_resource(stack_runs, dev_config):
    config = dict(dev_config)
    management = json.loads(config["cloudscale:management"])
    management["fabric"]["enabled"] = False
    zones = json.loads(config["cloudscale:landingZones"])
    zones[0]["fabric"]["enabled"] = False
    config.update({"cloudscale:management": json.dumps(management), "cloudscale:landingZones": json.dumps(zones)})
    run = stack_runs.run(config)
    assert [r.name for r in run.resources if r.typ in FABRIC_TYPES] == []
    rules = run.one(ACCOUNT, "sales-lake-workspace-account").inputs["networkRuleSet"]["resourceAccessRules"]
    assert len(rules) == 2


def _with_a_team_copy_of_the_sales_model(dev_config, tmp_path, edit=lambda text: text):
    """The dev config with a team folder holding a copy of the bundled sales model, edited."""
    model = MODELS["sales-analytics"]
    team = tmp_path / "sales_reports"
    shutil.copytree(bundled_root() / model.set_name / model.folder, team / model.folder)
    table = team / model.folder / "definition/tables/sales_summary.tmdl"
    table.write_text(edit(table.read_text()))
    zones = json.loads(dev_config["cloudscale:landingZones"])
    zones[0]["pipelineFolders"] = [{"path": str(team)}]
    return {**dev_config, "cloudscale:landingZones": json.dumps(zones)}


def test_a_team_model_reading_a_column_no_product_publishes_fails_the_plan(dev_config, tmp_path):
    def rename(text):
        return text.replace("sourceColumn: Revenue", "sourceColumn: GrossRevenue")

    with pytest.raises(ConfigError) as raised:
        parse_config(_with_a_team_copy_of_the_sales_model(dev_config, tmp_path, rename))
    assert "landingZones[0].pipelineFolders[0]" in raised.value.keys
    assert (
        "sales_reports/semanticModel/SalesAnalytics.SemanticModel/definition/tables/sales_summary.tmdl: "
        "table sales_summary / column Revenue / sourceColumn (line "
    ) in str(raised.value)
    assert "reads column GrossRevenue of the view sales_analytics.sales_summary" in str(raised.value)


def test_two_models_of_one_name_in_a_zone_fail_the_plan(dev_config, tmp_path):
    # The copy reads only what is published: its name alone is the problem.
    with pytest.raises(ConfigError, match="a second semantic model named SalesAnalytics") as raised:
        parse_config(_with_a_team_copy_of_the_sales_model(dev_config, tmp_path))
    assert len(raised.value.problems) == 1
